import { classifyAwsError } from '../aws/classify';
import type { StackState } from '../state/schema';
import type { BackupApi, RecoveryPoint } from './api';
import { TAG_BACKUP_REASON } from './names';
import type { StackBackup } from './service';

/** fs-0123… from arn:aws:elasticfilesystem:<region>:<account>:file-system/fs-0123…; undefined for another resource. */
export function fileSystemIdOf(resourceArn: string): string | undefined {
  return /:file-system\/(fs-[0-9a-f]+)$/.exec(resourceArn)?.[1];
}

/** Every file system the stack's data has lived on: the one it runs on now, and those a restore switched it away from. */
export function stackFileSystems(state: StackState): string[] {
  const current = state.resources.efs?.status === 'created' ? state.resources.efs.id : undefined;
  return [...new Set([...(current ? [current] : []), ...state.retiredFileSystems.map((retired) => retired.id)])];
}

export function toStackBackup(point: RecoveryPoint, tags: Record<string, string> | undefined): StackBackup {
  const reason = tags?.[TAG_BACKUP_REASON];
  return {
    recoveryPointArn: point.recoveryPointArn,
    fileSystemId: fileSystemIdOf(point.resourceArn) ?? point.resourceArn,
    createdAt: point.creationDate.toISOString(),
    ...(point.completionDate ? { completedAt: point.completionDate.toISOString() } : {}),
    status: point.status,
    ...(point.backupSizeInBytes !== undefined ? { sizeBytes: point.backupSizeInBytes } : {}),
    ...(point.deleteAt ? { deleteAt: point.deleteAt.toISOString() } : {}),
    // AWS Backup names the plan's rule in CreatedBy for a scheduled point; one started on demand names none.
    origin: point.createdBy === undefined || point.createdBy === 'ON_DEMAND' ? 'on-demand' : 'scheduled',
    ...(reason ? { reason } : {}),
  };
}

/** The stack's recovery points in its vault (of every file system it has had), newest first, as AWS Backup lists them now. */
export async function stackRecoveryPoints(api: BackupApi, vaultName: string, fileSystemIds: readonly string[]): Promise<StackBackup[]> {
  let points: RecoveryPoint[];
  try {
    points = await api.listRecoveryPoints(vaultName);
  } catch (error) {
    throw classifyAwsError(error, { operation: 'backup:ListRecoveryPointsByBackupVault' });
  }
  const ours = points.filter((point) => fileSystemIds.includes(fileSystemIdOf(point.resourceArn) ?? ''));
  // Scheduled points carry no reason; a tag that cannot be read leaves the reason out, never guessed.
  const withTags = await Promise.all(ours.map(async (point) => toStackBackup(point, await api.recoveryPointTags(point.recoveryPointArn).catch(() => undefined))));
  return withTags.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
