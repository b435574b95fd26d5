import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import { refused, type GeuseError } from '../errors';
import type { StackState } from '../state/schema';
import type { BackupTarget } from './jobs';
import { BACKUP_KEYS } from './names';

/** The stack has no vault to back up into (or restore from): turned off, or not deployed since backups exist. */
export function backupDisabled(state: StackState, doing: string): GeuseError {
  const name = state.name;
  if (!state.config.backup.enabled) {
    return refused('BACKUP_DISABLED', `Stack ${name} has backups turned off (backup.enabled is false), so there is no backup vault and role to ${doing}.`,
      `Set \`backup: { enabled: true }\` in geusemaker.yaml and run \`geusemaker deploy ${name}\`: it creates the vault, the daily plan and the role AWS Backup uses. Then run this again.`);
  }
  return refused('BACKUP_DISABLED', `Stack ${name} has no backup vault yet (it was deployed before backups existed, or its last deploy did not finish), so there is nothing to ${doing}.`,
    `Run \`geusemaker deploy ${name}\`: it creates the vault, the daily plan and the role AWS Backup uses (backup.enabled is on). Then run this again.`);
}

/** The stack's vault from the journal; refused when there is none. Turning backups off keeps it (and its points). */
export function backupVault(state: StackState, doing: string): string {
  const vault = state.resources[BACKUP_KEYS.vault];
  if (vault?.status !== 'created' || !vault.id) throw backupDisabled(state, doing);
  return vault.id;
}

/** The vault and the role jobs act as, from the journal (their kinds record them); refused when either is missing. */
export function backupRecords(state: StackState, doing: string): { vaultName: string; roleArn: string } {
  const vaultName = backupVault(state, doing);
  const role = state.resources[BACKUP_KEYS.role];
  const roleArn = role?.status === 'created' ? role.attrs.arn : undefined;
  if (!roleArn) throw backupDisabled(state, doing);
  return { vaultName, roleArn };
}

/** Everything a backup job needs, with the file system's ARN read from EFS (what AWS says, not a guess). */
export async function backupTarget(clients: AwsClients, state: StackState): Promise<BackupTarget> {
  // Off means off: the vault a stack keeps after turning backups off takes no new backups.
  if (!state.config.backup.enabled) throw backupDisabled(state, 'back up into');
  const { vaultName, roleArn } = backupRecords(state, 'back up into');
  const efs = state.resources.efs;
  if (efs?.status !== 'created' || !efs.id) {
    throw refused('NO_DATA', `Stack ${state.name} has no EFS file system recorded, so there is no data to back up.`, `Run \`geusemaker deploy ${state.name}\` first.`);
  }
  const { describeFileSystemById } = await import('../resources/efs-describe');
  let arn: string | undefined;
  try {
    arn = (await describeFileSystemById(clients, efs.id))?.FileSystemArn;
  } catch (error) {
    throw classifyAwsError(error, { profile: clients.profile, operation: 'elasticfilesystem:DescribeFileSystems' });
  }
  if (!arn) {
    throw refused('NO_DATA', `Stack ${state.name}'s file system ${efs.id} is not in EFS any more, so there is nothing to back up.`,
      `Its earlier backups are still in the vault: \`geusemaker backup ${state.name} list\`, and \`geusemaker restore ${state.name} --from <recovery point>\` brings one back.`);
  }
  return {
    stack: state.name, stackId: state.stackId, vaultName, roleArn, fileSystemId: efs.id, fileSystemArn: arn,
    retentionDays: state.config.backup.retentionDays,
  };
}
