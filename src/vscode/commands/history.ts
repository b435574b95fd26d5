import * as vscode from 'vscode';
import { stringify } from 'yaml';
import type { AppliedVersion, StackConfig } from '../../engine';
import { configChanges } from '../tree/config-changes';
import type { TreeNode } from '../tree/nodes';
import { pickStack, type PickedStack } from './context';
import { historyActions, historyItems, rollbackHeader, rollbackOutcome, type HistoryItem } from './history-model';
import { openReadOnly, type ReadOnlyDocuments } from './inspect';
import { offerTakeOver, wasDeclined } from './lifecycle';
import { confirmPlan } from './plan-confirm';
import type { CommandRun } from './registry';

/** A config as the file that would deploy it, read-only, with where it comes from on top. */
async function showConfig(docs: ReadOnlyDocuments, name: string, what: string, origin: string, config: StackConfig): Promise<void> {
  const text = `# ${what} of stack ${name} (${origin}). Read-only: Show History rolls the stack back to it.\n${stringify(config)}`;
  await openReadOnly(docs, `/${name} ${what.toLowerCase()}.yaml`, text, 'yaml');
}

const plainLabel = (item: HistoryItem) => item.label.replace(/^\$\([a-z-]+\)\s*/, '');

/**
 * Show History: the stack's applied versions (newest first, the applied one marked) and a change that did not
 * finish. A version offers Roll Back (plan, confirm, apply) and its configuration; the unfinished change offers
 * to finish it or to return to the version applied in full.
 */
export async function showHistoryCommand(ctx: CommandRun, docs: ReadOnlyDocuments, arg?: unknown): Promise<void> {
  const target = await pickStack(ctx, arg, 'show the history of', (entry) => (entry.state?.history.length ?? 0) > 0 || entry.state?.pending !== undefined);
  if (!target) return;
  const history = await target.engine.history(target.name);
  if (history.history.length === 0 && !history.pending) {
    void vscode.window.showInformationMessage(`Stack ${target.name} has no applied versions yet: its history starts when a deploy of it finishes.`);
    return;
  }
  const items = historyItems(history, { locale: vscode.env.language, now: Date.now() });
  const picked = await vscode.window.showQuickPick(items, {
    title: `History of stack ${target.name}`, placeHolder: 'Choose a version to roll back to or to see its configuration', matchOnDescription: true, matchOnDetail: true,
  });
  if (!picked) return;
  const actions = historyActions(picked.choice);
  const action = actions.length === 1 ? actions[0] : await vscode.window.showQuickPick(actions, { title: `${plainLabel(picked)} of stack ${target.name}`, placeHolder: picked.detail });
  if (!action) return;
  const { choice } = picked;
  switch (action.id) {
    case 'show':
      if (choice.kind === 'pending') await showConfig(docs, target.name, 'Unfinished change', `started ${choice.pending.startedAt}`, choice.pending.config);
      else await showConfig(docs, target.name, `Version ${choice.version.version}`, `applied ${choice.version.at} on ${choice.version.machine}`, choice.version.config);
      return;
    case 'finish': {
      // Deploy Stack on this stack's node (with the state just read, so it sees the change): it deploys the
      // unfinished change again, with its own plan and confirmation.
      const state = (await target.engine.show(target.name)) ?? target.entry.state;
      const node: TreeNode = { kind: 'stack', entry: { ...target.entry, state } };
      await vscode.commands.executeCommand('geusemaker.deploy', node);
      return;
    }
    case 'rollback':
      if (action.version) await rollbackTo(ctx, target, action.version);
      return;
  }
}

/** Plans the diff back to `version`, shows it for confirmation, applies it under a cancellable notification, and says what happened. */
async function rollbackTo(ctx: CommandRun, target: PickedStack, version: AppliedVersion, takeOverLock = false): Promise<void> {
  const { name, engine } = target;
  offerTakeOver(ctx, name, (retry) => rollbackTo(retry, target, version, true));
  let result;
  try {
    result = await ctx.operation(`Rolling back stack ${name} to version ${version.version}`, (options) => engine.rollback(name, {
      ...options, to: version.version, takeOverLock,
      confirm: (plan) => confirmPlan(ctx, plan, `Roll back stack ${name} to version ${version.version}?`, 'Roll Back', rollbackHeader(name, version)),
    }));
  } catch (error) {
    if (!wasDeclined(error)) throw error;
    ctx.log.info(`Roll back of stack ${name} to version ${version.version}: not confirmed; nothing changed.`);
    return;
  }
  // The workspace's file still asking for other settings would change the stack back on its next deploy from it.
  const file = ctx.tree.workspaceConfigOf(target.entry);
  const stale = file && file.config.name === name && configChanges(result.state.config, file.config, file.explicit).length > 0
    ? ` ${file.file} still has other settings: update it, or the next deploy from it changes the stack back.` : '';
  const message = `${rollbackOutcome(name, version, result)}${stale}`;
  ctx.log.info(message);
  void vscode.window.showInformationMessage(message, 'Show History').then((pick) => {
    const node: TreeNode = { kind: 'stack', entry: target.entry };
    if (pick) void vscode.commands.executeCommand('geusemaker.showHistory', node);
  });
}
