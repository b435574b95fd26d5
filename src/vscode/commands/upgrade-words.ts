import type { UpgradePlan, UpgradeResult } from '../engine-types';
import { recoveryPointId } from '../tree/backups-nodes';

/** Upgrade Stack…'s words, with no vscode types (unit-tested). */

/** What the modal says before the engine's deploy plan: the versions that change, and the safety net. */
export function upgradeHeader(plan: UpgradePlan): string[] {
  const images = plan.images.map((image) => `  ${image.service}: ${image.from} → ${image.to}`);
  const ami = plan.ami ? [`  AMI: ${plan.ami.from} → ${plan.ami.to}${plan.ami.toName ? ` (${plan.ami.toName})` : ''}`] : [];
  const safety = plan.backupFirst
    ? 'A backup of its file system is taken first (AWS Backup). After the upgrade its health is checked: if it fails, the previous versions are applied again automatically and the backup is kept.'
    : 'Backups are off for this stack, so NO backup is taken first. After the upgrade its health is checked: if it fails, the previous versions are applied again automatically.';
  return [
    `Upgrade stack ${plan.stack} to the versions tested with GeuseMaker ${plan.release}:`,
    ...images, ...ami,
    '',
    safety,
    ...plan.notes.map((note) => `• ${note}`),
    '',
  ];
}

/** What changes, in a few words: "2 images and the AMI". */
export function upgradeSummary(plan: Pick<UpgradePlan, 'images' | 'ami'>): string {
  const images = plan.images.length > 0 ? `${plan.images.length} image${plan.images.length === 1 ? '' : 's'}` : undefined;
  return [images, plan.ami ? 'the AMI' : undefined].filter(Boolean).join(' and ') || 'nothing';
}

/** Whether the engine's plan under the lock is the one the user confirmed (else the new one is asked again). */
export function sameUpgrade(shown: UpgradePlan, fresh: UpgradePlan): boolean {
  const key = (plan: UpgradePlan) => JSON.stringify({ images: plan.images, ami: plan.ami ?? null });
  return key(shown) === key(fresh);
}

export function upToDateMessage(stack: string): string {
  return `Stack ${stack} is up to date: it runs this release's tested images and the newest AMI of its family.`;
}

/** The notification after an upgrade that kept its new versions. */
export function upgradedMessage(stack: string, result: UpgradeResult): string {
  const backup = result.backup ? ` A backup was taken first: recovery point ${recoveryPointId(result.backup.recoveryPointArn)}.` : '';
  return `Stack ${stack} is upgraded (${upgradeSummary(result.plan)}) and passed its health check.${backup}`;
}

/** The error after an upgrade whose health check failed and was rolled back, with the next step. */
export function rolledBackMessage(stack: string, result: UpgradeResult & { rolledBack: { reason: string } }): string {
  const backup = result.backup ? ` The backup taken before it is kept (recovery point ${recoveryPointId(result.backup.recoveryPointArn)}).` : '';
  const reason = result.rolledBack.reason.replace(/[.\s]+$/, '');
  return `The upgrade of stack ${stack} failed its health check, so the previous versions were applied again: ${reason}.${backup} Look at the Health panel and the log for the failing service, then run Upgrade Stack… again.`;
}
