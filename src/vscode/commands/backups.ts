import * as vscode from 'vscode';
import { stackNameSchema } from '../../engine';
import type { StackBackup } from '../engine-types';
import type { StackEntry } from '../stacks-source';
import { isRestorable } from '../tree/backups-nodes';
import type { ViewFormat } from '../tree/format';
import { backupItem, backupName, backupTakenMessage, restoreOutcome, restorePlanLines, restoreQuestion, sameRestore, suggestedRestoreName } from './backup-words';
import { backupNodeOf } from './backup-node';
import { pickStack, type PickedStack } from './context';
import { offerTakeOver, wasDeclined } from './lifecycle';
import { confirmLines } from './plan-confirm';
import type { CommandRegistry, CommandRun } from './registry';

const format = (): ViewFormat => ({ locale: vscode.env.language, now: Date.now() });

/** A stack whose file system can be backed up now. */
const canBackUp = (entry: StackEntry) => ['deployed', 'deploy_failed', 'paused'].includes(entry.state?.status ?? '');

/** A stack that ever had a file system, so recovery points (kept after a destroy too). */
const hadData = (entry: StackEntry) => entry.state !== undefined && entry.state.status !== 'new';

/** Back Up Now: on the Backups section, the stack, or a stack picked; cancellable; says the recovery point it made. */
export async function backUpNowCommand(run: CommandRun, arg?: unknown, takeOverLock = false): Promise<void> {
  const target = await pickStack(run, arg, 'back up', canBackUp);
  if (!target) return;
  offerTakeOver(run, target.name, (retry) => backUpNowCommand(retry, target.name, true));
  const taken = await run.operation(`Backing up stack ${target.name}`, (options) => target.engine.backups.backupNow(target.name, { ...options, reason: 'asked for', takeOverLock }));
  const message = backupTakenMessage(target.name, taken, format());
  run.log.info(message);
  void vscode.window.showInformationMessage(message);
  await run.tree.reloadBackups(target.entry);
}

export async function refreshBackupsCommand(run: CommandRun, arg?: unknown): Promise<void> {
  const target = await pickStack(run, arg, 'list the backups of', hadData);
  if (target) await run.tree.reloadBackups(target.entry);
}

/** A recovery point of the stack, from a quick pick of what AWS Backup lists now (only complete ones restore). */
async function pickBackup(run: CommandRun, target: PickedStack): Promise<StackBackup | undefined> {
  const backups = await run.progress(`Reading the backups of ${target.name}…`, () => target.engine.backups.list(target.name));
  const restorable = backups.filter(isRestorable);
  if (restorable.length === 0) {
    const off = target.entry.state?.config.backup.enabled === false ? ' Its backups are off: set backup.enabled to true in its geusemaker.yaml and deploy it again.' : '';
    void vscode.window.showInformationMessage(`Stack ${target.name} has no recovery point to restore yet.${off}`);
    return undefined;
  }
  const now = format();
  const picked = await vscode.window.showQuickPick(restorable.map((backup) => ({ ...backupItem(backup, now), backup })), {
    title: `Restore a backup of stack ${target.name}`, placeHolder: 'Choose a recovery point (newest first)', matchOnDescription: true,
  });
  return picked?.backup;
}

const INTO_NEW = 'Restore into a New Stack…';
const SWITCH = 'Switch This Stack to It';

/** Into a new stack (its name asked, checked as the config checks it) or the stack itself switched; undefined: backed out. */
async function chooseTarget(run: CommandRun, target: PickedStack, backup: StackBackup): Promise<{ as?: string } | undefined> {
  const picked = await vscode.window.showQuickPick([
    { label: INTO_NEW, detail: `A new stack with ${target.name}'s settings, on a new file system made from this recovery point. Stack ${target.name} is not touched.` },
    { label: SWITCH, detail: `Stack ${target.name} moves to a new file system made from this recovery point. Its current file system is kept until you delete it.` },
  ], { title: `Restore ${backupName(backup, format())} of stack ${target.name}`, placeHolder: 'Where the restored data goes' });
  if (!picked) return undefined;
  if (picked.label === SWITCH) return {};
  const taken = new Set(run.tree.entries.map((entry) => entry.ref.name));
  const name = await vscode.window.showInputBox({
    title: `Restore into a new stack (from ${target.name})`, prompt: 'The new stack\'s name: lowercase letters, digits and single dashes, 3 to 24 characters',
    value: suggestedRestoreName(target.name), ignoreFocusOut: true,
    validateInput: (value) => {
      const checked = stackNameSchema.safeParse(value.trim());
      if (!checked.success) return `A stack name ${checked.error.issues[0]?.message ?? 'is not valid'}.`;
      return taken.has(checked.data) ? `A stack named ${checked.data} already exists: choose another name.` : undefined;
    },
  });
  const trimmed = name?.trim();
  return trimmed && stackNameSchema.safeParse(trimmed).success ? { as: trimmed } : undefined;
}

/**
 * Restore from Backup…: on a recovery point, or from the palette (stack → recovery point); into a new stack or the
 * stack switched to it; the engine's plan in a modal first, then the restore under a cancellable notification.
 */
export async function restoreCommand(run: CommandRun, arg?: unknown, takeOverLock = false, chosen?: { backup: StackBackup; as?: string }): Promise<void> {
  const node = backupNodeOf(arg);
  const target = await pickStack(run, arg, 'restore a backup of', hadData);
  if (!target) return;
  const backup = chosen?.backup ?? node?.backup ?? await pickBackup(run, target);
  if (!backup) return;
  const into = chosen ?? await chooseTarget(run, target, backup);
  if (!into) return;
  const from = backup.recoveryPointArn;
  const plan = await run.progress(`Planning the restore of stack ${target.name}…`, () => target.engine.backups.planRestore(target.name, { from, as: into.as }));
  const confirm = (shown: typeof plan) => confirmLines(run, restoreQuestion(shown, format()), 'Restore', restorePlanLines(shown, format()), shown.target === shown.stack);
  if (!(await confirm(plan))) return;
  offerTakeOver(run, target.name, (retry) => restoreCommand(retry, target.name, true, { backup, as: into.as }));
  let result;
  try {
    result = await run.operation(into.as ? `Restoring stack ${target.name}'s backup into new stack ${into.as}` : `Switching stack ${target.name} to ${backupName(backup, format())}`,
      (options) => target.engine.backups.restore(target.name, { ...options, from, as: into.as, takeOverLock, confirm: async (fresh) => sameRestore(plan, fresh) || confirm(fresh) }));
  } catch (error) {
    if (!wasDeclined(error)) throw error;
    run.log.info(`Restore of stack ${target.name}: not confirmed; nothing changed.`);
    return;
  }
  const message = restoreOutcome(target.name, result);
  run.log.info(message);
  void vscode.window.showInformationMessage(message);
  await run.tree.reloadBackups(target.entry);
}

export function registerBackupCommands(commands: CommandRegistry): void {
  const changesStacks = { refreshOnFailure: true };
  commands.register('geusemaker.backUpNow', backUpNowCommand, changesStacks);
  commands.register('geusemaker.restoreBackup', restoreCommand, changesStacks);
  commands.register('geusemaker.refreshBackups', refreshBackupsCommand);
}
