import * as vscode from 'vscode';
import type { RotationPlan } from '../engine-types';
import type { StackEntry } from '../stacks-source';
import { pickStack } from './context';
import { offerTakeOver, wasDeclined } from './lifecycle';
import { confirmLines } from './plan-confirm';
import type { CommandRun } from './registry';
import { restoredMessage, rotatedMessage, rotationLines, rotationQuestion, sameRotation, secretRows } from './rotate-words';

/** The new values are applied on the running instance (the engine refuses other stacks, saying why). */
const running = (entry: StackEntry) => entry.state?.status === 'deployed';

const confirmRotation = (run: CommandRun, plan: RotationPlan) => confirmLines(run, rotationQuestion(plan), 'Rotate', rotationLines(plan), true);

/**
 * Rotate Secrets…: a multi-select of the rotatable secrets the stack has (due ones ticked; the n8n encryption key
 * shown with why it cannot be rotated, as a row no one can pick), the engine's plan in a modal, then the rotation
 * under a cancellable notification. Old values put back after a failed health check is an error with the next step.
 */
export async function rotateSecretsCommand(run: CommandRun, arg?: unknown, takeOverLock = false, chosen?: readonly string[]): Promise<void> {
  const target = await pickStack(run, arg, 'rotate the secrets of', running);
  if (!target) return;
  let only = chosen;
  if (!only) {
    const ages = await run.progress(`Reading the secrets of ${target.name}…`, () => target.engine.secrets.ages(target.name));
    const rows = secretRows(ages, { locale: vscode.env.language, now: Date.now() }).map((row) => (row.separator ? { ...row, kind: vscode.QuickPickItemKind.Separator } : row));
    const picked = await vscode.window.showQuickPick(rows, {
      title: `Rotate secrets of stack ${target.name}`, placeHolder: 'Tick the secrets to change (their new values go to Parameter Store, then to the services)',
      canPickMany: true, matchOnDescription: true,
    });
    only = picked?.flatMap((row) => (row.secret ? [row.secret] : []));
  }
  if (!only || only.length === 0) return;
  const secrets = only;
  const plan = await run.progress(`Planning the rotation on stack ${target.name}…`, () => target.engine.secrets.planRotation(target.name, secrets));
  if (!(await confirmRotation(run, plan))) return;
  offerTakeOver(run, target.name, (retry) => rotateSecretsCommand(retry, target.name, true, secrets));
  let result;
  try {
    result = await run.operation(`Rotating secrets of stack ${target.name}`, (options) => target.engine.secrets.rotate(target.name, {
      ...options, only: secrets, takeOverLock, confirm: async (fresh) => sameRotation(plan, fresh) || confirmRotation(run, fresh),
    }));
  } catch (error) {
    if (!wasDeclined(error)) throw error;
    run.log.info(`Rotation on stack ${target.name}: not confirmed; nothing changed.`);
    return;
  }
  void run.tree.reloadSecretAges(target.entry);
  if (result.restored) {
    const message = restoredMessage(target.name, result.restored.reason);
    run.log.error(message);
    void vscode.window.showErrorMessage(message, 'Show Health Panel', 'Show Log').then((pick) => {
      if (pick === 'Show Log') run.log.show(true);
      else if (pick) void vscode.commands.executeCommand('geusemaker.showHealth', target.name);
    });
    return;
  }
  const message = rotatedMessage(target.name, result);
  run.log.info(message);
  void vscode.window.showInformationMessage(message);
}
