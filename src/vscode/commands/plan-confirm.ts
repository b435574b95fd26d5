import * as vscode from 'vscode';
import { type DeployPlan, renderPlan } from '../../engine';
import type { CommandContext } from './context';
import { planDialogLines } from './plan-dialog';

/**
 * The confirmation before a deploy or a roll back is applied (the engine's `confirm`): the whole plan to the log,
 * and a modal with the plan (or what decides the answer, when it is long) and one button that goes ahead.
 * `header` says what the plan is for ("Roll back stack demo to version 1 …").
 */
export async function confirmPlan(ctx: CommandContext, plan: DeployPlan, question: string, action: string, header: readonly string[] = []): Promise<boolean> {
  const lines = renderPlan(plan);
  ctx.log.info([...header, ...lines].join('\n'));
  const go = await vscode.window.showInformationMessage(question, { modal: true, detail: [...header, ...planDialogLines(plan, lines)].join('\n') }, action);
  return go === action;
}

/**
 * The confirmation of an operation the engine plans as plain-words lines (a restore, a rotation): the lines to the
 * log, and a modal with them and one button that goes ahead. `warn`: the warning style, for what replaces data.
 */
export async function confirmLines(ctx: CommandContext, question: string, action: string, lines: readonly string[], warn = false): Promise<boolean> {
  ctx.log.info([question, ...lines].join('\n'));
  const show = warn ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const go = await show(question, { modal: true, detail: lines.join('\n') }, action);
  return go === action;
}
