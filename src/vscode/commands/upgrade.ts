import * as vscode from 'vscode';
import type { StackEntry } from '../stacks-source';
import type { UpgradePlan } from '../engine-types';
import { pickStack } from './context';
import { offerTakeOver, wasDeclined } from './lifecycle';
import { confirmPlan } from './plan-confirm';
import type { CommandRun } from './registry';
import { rolledBackMessage, sameUpgrade, upgradeHeader, upgradedMessage, upToDateMessage } from './upgrade-words';

/** A stack the upgrade path changes: applied in full, running or paused (the engine refuses the rest, saying why). */
const upgradable = (entry: StackEntry) => entry.state?.status === 'deployed' || entry.state?.status === 'paused';

/** The button says it when no backup comes first (the stack's backups are off): pressing it is the engine's skipBackup. */
const actionOf = (plan: UpgradePlan) => (plan.backupFirst ? 'Upgrade' : 'Upgrade Without Backup');

const confirmUpgrade = (run: CommandRun, plan: UpgradePlan) => confirmPlan(run, plan.deploy, `Upgrade stack ${plan.stack}?`, actionOf(plan), upgradeHeader(plan));

/**
 * Upgrade Stack…: the engine's plan (the images and AMI that change); up to date is information; otherwise the
 * diff with the backup-first and automatic-rollback statement in the deploy's confirmation, then the upgrade under a
 * cancellable notification. A rolled-back upgrade is an error with its reason and the next step.
 */
export async function upgradeCommand(run: CommandRun, arg?: unknown, takeOverLock = false): Promise<void> {
  const target = await pickStack(run, arg, 'upgrade', upgradable);
  if (!target) return;
  const plan = await run.progress(`Checking stack ${target.name} against this release's tested versions…`, () => target.engine.upgrades.planUpgrade(target.name));
  if (plan.upToDate) {
    run.log.info(upToDateMessage(target.name));
    void vscode.window.showInformationMessage(upToDateMessage(target.name));
    return;
  }
  if (!(await confirmUpgrade(run, plan))) return;
  offerTakeOver(run, target.name, (retry) => upgradeCommand(retry, target.name, true));
  let result;
  try {
    result = await run.operation(`Upgrading stack ${target.name}`, (options) => target.engine.upgrades.upgrade(target.name, {
      ...options, takeOverLock, skipBackup: !plan.backupFirst,
      // Asked again only when the plan made under the lock differs from the one confirmed.
      confirm: async (fresh) => sameUpgrade(plan, fresh) || confirmUpgrade(run, fresh),
    }));
  } catch (error) {
    if (!wasDeclined(error)) throw error;
    run.log.info(`Upgrade of stack ${target.name}: not confirmed; nothing changed.`);
    return;
  }
  if (result.rolledBack) {
    const message = rolledBackMessage(target.name, { ...result, rolledBack: result.rolledBack });
    run.log.error(message);
    void vscode.window.showErrorMessage(message, 'Show Health Panel', 'Show Log').then((pick) => {
      if (pick === 'Show Log') run.log.show(true);
      else if (pick) void vscode.commands.executeCommand('geusemaker.showHealth', target.name);
    });
    return;
  }
  const message = upgradedMessage(target.name, result);
  run.log.info(message);
  void vscode.window.showInformationMessage(message);
}
