import { type Engine, GeuseError, renderPlan } from '../../engine';
import type { Command } from '../command';
import { confirmer, interruptible, progressPrinter } from '../interaction';

type UpgradePlan = Awaited<ReturnType<Engine['upgrades']['planUpgrade']>>;
type UpgradeResult = Awaited<ReturnType<Engine['upgrades']['upgrade']>>;

/** What changes, one line each, with how it is applied. */
function changeLines(plan: UpgradePlan): string[] {
  return [
    ...plan.images.map((image) => `  ${image.service}: ${image.from} → ${image.to} (in place: compose pulls the image, then recreates only that container)`),
    ...(plan.ami ? [`  AMI: ${plan.ami.from} → ${plan.ami.to}${plan.ami.toName ? ` (${plan.ami.toName})` : ''} (replaces the instance: the old one stops first, data on EFS is kept)`] : []),
  ];
}

/** The upgrade's plan: the versions that change, the safety net, then the deploy plan of the upgraded stack. */
export function renderUpgradePlan(plan: UpgradePlan): string[] {
  if (plan.upToDate) {
    return [`Stack ${plan.stack} is up to date: it runs GeuseMaker ${plan.release}'s tested images and the newest AMI of its family (${plan.from.amiId ?? 'unknown'}).`, ...plan.notes.map((note) => `! ${note}`)];
  }
  return [
    `Upgrade stack ${plan.stack} to GeuseMaker ${plan.release}'s tested versions:`,
    ...changeLines(plan),
    plan.backupFirst
      ? 'A backup of its file system is taken first (AWS Backup) and waited for. Then its health is checked: if it fails, the previous versions are applied again automatically and the backup is kept.'
      : 'No backup is taken first (backups are off for this stack). Its health is checked afterwards: if it fails, the previous versions are applied again automatically.',
    ...plan.notes.map((note) => `! ${note}`),
    '',
    ...renderPlan(plan.deploy),
  ];
}

function summaryOf(result: UpgradeResult, name: string, elapsedMs: number): string[] {
  const { plan } = result;
  if (plan.upToDate) return renderUpgradePlan(plan);
  const changed = [...plan.images.map((image) => `${image.service} ${image.to}`), ...(plan.ami ? [`AMI ${plan.ami.to}`] : [])].join(', ');
  return [
    `Stack ${name} is upgraded to ${changed}, and every service passed its health check (${Math.round(elapsedMs / 1000)} s).`,
    ...(result.backup ? [`The backup taken first is kept: ${result.backup.recoveryPointArn}.`] : []),
    'These versions are pinned now: a plain deploy keeps them.',
  ];
}

export const upgrade: Command = {
  name: 'upgrade',
  usage: 'upgrade [name] [--skip-backup]',
  summary: 'Move the stack to this release\'s tested images and the newest AMI of its family: backup first, health checked, rolled back if it fails (asks first)',
  moreHelp: ['Plain deploys keep the versions a stack is pinned to; only upgrade changes them.'],
  flags: ['config', 'yes', 'skip-backup', 'take-over-lock'],
  takesName: true,
  state: 'writes',
  async run(s) {
    const name = await s.stackName();
    const printer = progressPrinter(s);
    const { confirm, explain } = confirmer<UpgradePlan>(s, `Upgrade stack ${name}?`, printer, renderUpgradePlan, (plan) => !plan.upToDate);
    let result: UpgradeResult;
    try {
      result = await interruptible(s, printer, (signal) => s.engine.upgrades.upgrade(name, {
        takeOverLock: s.args.takeOverLock, skipBackup: s.args.skipBackup, confirm, signal, onProgress: printer.listener,
      }));
    } catch (error) {
      throw explain(error, 'upgrade', name);
    }
    if (result.rolledBack) {
      // The stack runs its previous versions again: a failure for scripts (exit 1), said with the backup kept.
      throw new GeuseError({
        code: 'UPGRADE_ROLLED_BACK', kind: 'unknown',
        message: `The upgrade of stack ${name} failed (${result.rolledBack.reason}), so the previous versions were applied again and they are healthy; its pins are unchanged.${result.backup ? ` The backup taken first is kept: ${result.backup.recoveryPointArn}.` : ''}`,
        nextStep: `Look at the failing service with ${s.command(['status', name])} and ${s.command(['logs', name])}, then run ${s.command(['upgrade', name])} again once the cause is known.`,
      });
    }
    if (s.args.json) {
      s.json(result);
      return;
    }
    if (result.plan.upToDate) s.out(renderUpgradePlan(result.plan));
    else s.summary(summaryOf(result, name, printer.elapsedMs()));
  },
};
