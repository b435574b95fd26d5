import * as vscode from 'vscode';
import { type DestroyPlan, estimateHourly, formatHourly, GeuseError, renderDestroyPlan } from '../../engine';
import { deletesData, destroyDetails, destroySummary, type KeptCost, keptCounts, monthly } from './destroy-dialog';
import { showPlanDocument } from './plan-document';
import { confirmPlan } from './plan-confirm';
import { type FixAction } from '../ui-errors';
import { pickStack } from './context';
import type { CommandRun } from './registry';

/** A lock whose holder on another machine stopped renewing it: a confirmed take-over that runs the command again. */
function takeOverFix(error: unknown, name: string, again: () => Promise<void>): FixAction[] {
  if (!(error instanceof GeuseError) || error.code !== 'STACK_LOCK_EXPIRED') return [];
  return [{
    title: 'Take Over Lock',
    run: async () => {
      const sure = await vscode.window.showWarningMessage(`Take over the lock of stack ${name}?`, {
        modal: true, detail: `${error.message}\n\nTake it only if nothing is changing stack ${name} on that machine any more.`,
      }, 'Take Over Lock');
      if (sure === 'Take Over Lock') await again();
    },
  }];
}

/** From here on, a failure on an expired lock offers to run `retry` again on the same stack, taking the lock over. */
export function offerTakeOver(ctx: CommandRun, name: string, retry: (run: CommandRun) => Promise<void>): void {
  ctx.offerOnFailure((error) => takeOverFix(error, name, () => ctx.again(retry)));
}

/** The user answered No to the plan: nothing changed, and that is not an error to show. */
export function wasDeclined(error: unknown): boolean {
  return error instanceof GeuseError && error.code === 'DECLINED';
}

/**
 * Deploy Stack: from the palette or the view's title it opens the wizard; on a stack in the tree it
 * redeploys the stack's recorded config (what finishes an interrupted deploy): a change that did not finish
 * is deployed again, else the applied config.
 */
export async function deployCommand(ctx: CommandRun, arg: unknown, openWizard: () => void, takeOverLock = false): Promise<void> {
  ctx.host.assertUsable();
  if (arg === undefined) {
    openWizard();
    return;
  }
  const target = await pickStack(ctx, arg, 'deploy');
  const state = target?.entry.state;
  if (!target || !state) return;
  const config = state.pending?.config ?? state.config;
  offerTakeOver(ctx, config.name, (retry) => deployCommand(retry, config.name, openWizard, true));
  let result;
  try {
    result = await ctx.operation(`${state.pending ? 'Finishing the change of' : 'Deploying'} stack ${config.name}`, (options) => target.engine.deploy(config, {
      ...options, takeOverLock,
      confirm: (plan) => confirmPlan(ctx, plan, `Deploy stack ${config.name}?`, 'Deploy'),
    }));
  } catch (error) {
    if (!wasDeclined(error)) throw error;
    ctx.log.info(`Deploy of stack ${config.name}: not confirmed; nothing changed.`);
    return;
  }
  const notes = result.notes.length > 0 ? ` ${result.notes.join(' ')}` : '';
  void vscode.window.showInformationMessage(`Stack ${config.name} is deployed. Services start on the instance over the next minutes.${notes}`, 'Show Details').then((pick) => {
    if (pick) void vscode.commands.executeCommand('geusemaker.showDetails', config.name);
  });
}

const SHOW_DETAILS = 'Show Details';
const KEEP_DATA = 'Destroy, Keep Data';
const EVERYTHING = 'Destroy Everything';
const DESTROY = 'Destroy';

/**
 * The destroy confirmation: a short summary in the modal and the whole plan one click away. "Show Details"
 * comes first because VS Code makes the first button the default: Enter opens the plan, it never destroys.
 */
async function chooseDestroy(ctx: CommandRun, plan: DestroyPlan, kept: KeptCost | undefined): Promise<'keep' | 'delete-data' | undefined> {
  const buttons = plan.toKeep.length > 0 ? [KEEP_DATA, EVERYTHING] : [DESTROY];
  const detail = destroySummary(plan, kept);
  for (;;) {
    const choice = await vscode.window.showWarningMessage(`Destroy stack ${plan.stack}?`, { modal: true, detail }, SHOW_DETAILS, ...buttons);
    if (choice === KEEP_DATA || (choice === DESTROY && !deletesData(plan))) return 'keep';
    if (choice === EVERYTHING || choice === DESTROY) return 'delete-data';
    if (choice !== SHOW_DETAILS) return undefined;
    await showPlanDocument(ctx.extension, `Destroy ${plan.stack}`, destroyDetails(plan, kept));
    // Not modal: the plan stays readable; the button brings the choice back.
    const again = await vscode.window.showInformationMessage(`The plan to destroy stack ${plan.stack} is open in the editor.`, 'Destroy Stack…');
    if (again === undefined) return undefined;
  }
}

/** Deleting data cannot be undone: the stack's name, typed in, confirms it (Enter on anything else does nothing). */
async function confirmByName(name: string): Promise<boolean> {
  const typed = await vscode.window.showInputBox({
    title: `Delete stack ${name} and its data for good`,
    prompt: `The EFS file system (workflows, databases, models) and the stack's secrets are deleted. This cannot be undone. Type ${name} to confirm.`,
    placeHolder: name,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === name ? undefined : `Type ${name} to delete the stack and its data.`),
  });
  return typed?.trim() === name;
}

export async function destroyCommand(ctx: CommandRun, arg?: unknown, takeOverLock = false): Promise<void> {
  const target = await pickStack(ctx, arg, 'destroy');
  if (!target) return;
  offerTakeOver(ctx, target.name, (retry) => destroyCommand(retry, target.name, true));
  const { plan, state } = await ctx.progress(`Finding everything of stack ${target.name}…`, () => target.engine.planDestroy(target.name));
  const kept = plan.toKeep.length > 0 ? await target.engine.keptMonthlyCost(plan, state?.config.profile).catch(() => undefined) : undefined;
  ctx.log.info(renderDestroyPlan(plan).join('\n'));
  const choice = await chooseDestroy(ctx, plan, kept);
  if (!choice) return;
  const deleteData = choice === 'delete-data';
  if (deleteData && !(await confirmByName(target.name))) return;
  const result = await ctx.operation(`Destroying stack ${target.name}`, (options) => target.engine.destroy(target.name, { ...options, deleteData, takeOverLock, confirm: async () => true }));
  const keptWords = result.kept.length > 0 ? ` Your data is kept (${keptCounts(result.kept)}), ${monthly(result.keptMonthlyCost)}.` : '';
  void vscode.window.showInformationMessage(`Stack ${target.name} is destroyed.${keptWords}`);
}

export async function pauseCommand(ctx: CommandRun, arg?: unknown, takeOverLock = false): Promise<void> {
  const target = await pickStack(ctx, arg, 'pause', (entry) => entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed');
  if (!target) return;
  offerTakeOver(ctx, target.name, (retry) => pauseCommand(retry, target.name, true));
  const go = await vscode.window.showWarningMessage(`Pause stack ${target.name}?`, {
    modal: true, detail: 'The instance is terminated, so its hourly cost stops. The network, the EFS file system and the secrets stay; Resume launches a new instance on the same data. Work not saved to EFS is lost.',
  }, 'Pause');
  if (go !== 'Pause') return;
  const result = await ctx.operation(`Pausing stack ${target.name}`, (options) => target.engine.pause(target.name, { ...options, takeOverLock }));
  void vscode.window.showInformationMessage(`Stack ${target.name} is paused (${result.terminated.join(', ') || 'no instance was running'}). Storage keeps billing; compute does not.`);
}

export async function resumeCommand(ctx: CommandRun, arg?: unknown, takeOverLock = false): Promise<void> {
  const target = await pickStack(ctx, arg, 'resume', (entry) => entry.state?.status === 'paused');
  if (!target?.entry.state) return;
  offerTakeOver(ctx, target.name, (retry) => resumeCommand(retry, target.name, true));
  const hourly = estimateHourly(target.entry.state.config);
  const go = await vscode.window.showInformationMessage(`Resume stack ${target.name}?`, {
    modal: true, detail: `A new ${target.entry.state.config.instanceType} (${target.entry.state.config.market}) starts on the kept data and bills by the hour${hourly ? `: ${formatHourly(hourly)}` : ''}.`,
  }, 'Resume');
  if (go !== 'Resume') return;
  await ctx.operation(`Resuming stack ${target.name}`, (options) => target.engine.resume(target.name, { ...options, takeOverLock }));
  void vscode.window.showInformationMessage(`Stack ${target.name} is running again on its kept data.`);
}
