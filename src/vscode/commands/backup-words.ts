import type { RestorePlan, RestoreResult, StackBackup, TakenBackup } from '../engine-types';
import { localDate, localDay, type ViewFormat } from '../tree/format';
import { backupSize, originWords, recoveryPointId } from '../tree/backups-nodes';

/** Back Up Now's, and Restore from Backup…'s words, with no vscode types (unit-tested). */

/** "the backup of 3 Dec 2026, 05:00": how a recovery point is named in questions and messages. */
export function backupName(backup: Pick<StackBackup, 'createdAt'>, format: ViewFormat): string {
  return `the backup of ${localDate(backup.createdAt, format)}`;
}

/** A recovery point in a quick pick. */
export function backupItem(backup: StackBackup, format: ViewFormat): { label: string; description: string; detail: string } {
  const size = backup.sizeBytes !== undefined ? backupSize(backup.sizeBytes) : undefined;
  const expiry = backup.deleteAt ? `expires ${localDay(backup.deleteAt, format)}` : 'kept until deleted';
  return { label: localDate(backup.createdAt, format), description: [originWords(backup), size, expiry].filter(Boolean).join(' · '), detail: `Recovery point ${recoveryPointId(backup.recoveryPointArn)}` };
}

/** The notification after Back Up Now: the recovery point made and what was flushed first. */
export function backupTakenMessage(stack: string, taken: TakenBackup, format: ViewFormat): string {
  const size = taken.sizeBytes !== undefined ? ` (${backupSize(taken.sizeBytes)})` : '';
  const expiry = taken.deleteAt ? `, kept until ${localDay(taken.deleteAt, format)}` : '';
  const flushed = taken.flushed.length > 0
    ? ` Written first on the instance so it restores consistently: ${taken.flushed.join('; ')}.`
    : ` Nothing was written out first (${(taken.flushSkipped ?? 'no instance was running').replace(/[.\s]+$/, '')}).`;
  return `Stack ${stack} is backed up: recovery point ${recoveryPointId(taken.recoveryPointArn)}${size}${expiry}.${flushed}`;
}

/** The modal's question before a restore. */
export function restoreQuestion(plan: RestorePlan, format: ViewFormat): string {
  const from = backupName(plan.recoveryPoint, format);
  return plan.target === plan.stack ? `Switch stack ${plan.stack} to ${from}?` : `Restore ${from} of stack ${plan.stack} into a new stack ${plan.target}?`;
}

/** The modal's detail: the recovery point, then the engine's plan in its own words. */
export function restorePlanLines(plan: RestorePlan, format: ViewFormat): string[] {
  const point = plan.recoveryPoint;
  return [
    `Recovery point ${recoveryPointId(point.recoveryPointArn)} (${originWords(point)}${point.sizeBytes !== undefined ? `, ${backupSize(point.sizeBytes)}` : ''}), made ${localDate(point.createdAt, format)}.`,
    ...(plan.retiring ? [`The file system the stack leaves (${plan.retiring}) is kept until you delete it.`] : []),
    '',
    ...plan.steps.map((step) => `• ${step}`),
  ];
}

/** Whether the engine's plan under the lock says what the user confirmed (else the new one is asked again). */
export function sameRestore(shown: RestorePlan, fresh: RestorePlan): boolean {
  return shown.target === fresh.target && shown.recoveryPoint.recoveryPointArn === fresh.recoveryPoint.recoveryPointArn
    && shown.retiring === fresh.retiring && shown.steps.join('\n') === fresh.steps.join('\n');
}

/** What the health round on the restored data found: all healthy, or which services are not (yet). */
function healthWords(health: RestoreResult['health']): string {
  if (health.healthy) return ' Its services are healthy on the restored data.';
  const sick = health.services.filter((service) => service.status !== 'healthy').map((service) => `${service.service} ${service.status}`);
  return ` Not healthy yet on the restored data: ${sick.join(', ') || 'no service answered'}; the Health panel follows them.`;
}

/** The notification after a restore (success or not, from the health round the engine made). */
export function restoreOutcome(stack: string, result: RestoreResult): string {
  if (result.target !== stack) {
    return `Stack ${result.target} runs on file system ${result.fileSystemId}, restored from stack ${stack}'s backup; stack ${stack} was not touched.${healthWords(result.health)}`;
  }
  const retired = result.retiredFileSystemId ? ` Its previous file system ${result.retiredFileSystemId} is kept until you delete it.` : '';
  const safety = result.safetyBackup ? ` A backup of it was taken first: recovery point ${recoveryPointId(result.safetyBackup.recoveryPointArn)}.` : '';
  return `Stack ${stack} now runs on the restored file system ${result.fileSystemId}.${retired}${safety}${healthWords(result.health)}`;
}

/** A name for the new stack to start from: the stack's name with "-restored", cut to the 24 characters a name may have. */
export function suggestedRestoreName(stack: string): string {
  const suffix = '-restored';
  return `${stack.slice(0, 24 - suffix.length).replace(/-+$/, '')}${suffix}`;
}
