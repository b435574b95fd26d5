import { BACKUP_EFS_WARM_USD_PER_GB_MONTH } from '../cost/fallback-prices';
import type { SweptResource } from '../resources/sweep';
import type { StackConfig } from '../stack/config';
import type { BackupApi, RecoveryPoint } from './api';

/** What a destroy does with the stack's backups, and the words both front ends show for it. */
export interface DestroyBackups {
  vaultName: string;
  /**
   * keep: the vault stays with its recovery points (the default; they expire on their own). delete: the recovery
   * points and the vault are deleted (--delete-backups). delete-empty: the vault holds nothing and goes.
   * unlisted: the endpoint cannot list recovery points (an emulator); the vault is deleted, which AWS refuses
   * for a vault that is not empty.
   */
  action: 'keep' | 'delete' | 'delete-empty' | 'unlisted';
  /** Recovery points in the vault now (AWS Backup's list). */
  recoveryPoints: number;
  sizeBytes: number;
  /** Their storage per month: AWS Backup's EFS warm storage price, an estimate. */
  monthlyCost: { usd: number; basis: string };
  /** When the last of them expires on its own (ISO), from AWS Backup's lifecycle. */
  lastExpiresAt?: string;
  retentionDays?: number;
  /** A final backup of the file system is taken before the data is deleted (--delete-data without --no-final-backup). */
  finalBackup: boolean;
  /** The backup plan (and its selection) this destroy deletes. */
  planDeleted: boolean;
  /** Plain-words lines for the destroy dialog (CLI and VS Code). */
  lines: string[];
}

export interface BackupChoices {
  deleteBackups: boolean;
  finalBackup: boolean;
}

export function backupsMonthlyCost(sizeBytes: number): { usd: number; basis: string } {
  const gb = sizeBytes / 1024 ** 3;
  return {
    usd: Math.round(gb * BACKUP_EFS_WARM_USD_PER_GB_MONTH * 100) / 100,
    basis: `${gb.toFixed(2)} GB of AWS Backup EFS warm storage at about $${BACKUP_EFS_WARM_USD_PER_GB_MONTH}/GB-month (estimate)`,
  };
}

function size(bytes: number): string {
  const gb = bytes / 1024 ** 3;
  return gb >= 0.01 ? `${gb.toFixed(2)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function points(n: number): string {
  return `${n} recovery point${n === 1 ? '' : 's'}`;
}

/** The vault's fate and its words, from what AWS Backup lists in it now. */
export function describeBackups(vaultName: string, listed: readonly RecoveryPoint[] | undefined, choices: BackupChoices, config: Pick<StackConfig, 'backup'> | undefined, planDeleted: boolean): DestroyBackups {
  const count = listed?.length ?? 0;
  const sizeBytes = (listed ?? []).reduce((sum, p) => sum + (p.backupSizeInBytes ?? 0), 0);
  const lastExpiresAt = (listed ?? []).map((p) => p.deleteAt?.toISOString()).filter((at): at is string => at !== undefined).sort().at(-1);
  const retentionDays = config?.backup.retentionDays;
  const cost = backupsMonthlyCost(sizeBytes);
  const finalBackup = choices.finalBackup && !choices.deleteBackups;
  const action: DestroyBackups['action'] = choices.deleteBackups ? 'delete' : count > 0 || finalBackup ? 'keep' : listed ? 'delete-empty' : 'unlisted';
  const lines: string[] = [];
  if (planDeleted) lines.push('The backup plan and its selection of the file system are deleted: no new scheduled backups are made.');
  if (finalBackup) lines.push(`Before the data is deleted, a final backup of the file system is taken and kept in vault ${vaultName} (--no-final-backup skips it).`);
  if (action === 'keep') {
    const expiry = retentionDays !== undefined ? `they expire on their own after ${retentionDays} days${lastExpiresAt ? ` (the last on ${day(lastExpiresAt)})` : ''}` : 'each expires on its own at the end of its retention';
    lines.push(count > 0
      ? `Backups kept: vault ${vaultName} with ${points(count)} (${size(sizeBytes)}), about $${cost.usd.toFixed(2)}/month (${cost.basis}); ${expiry}. Pass --delete-backups to delete them now.`
      : `Backups kept: vault ${vaultName} keeps the final backup; its storage costs about $${BACKUP_EFS_WARM_USD_PER_GB_MONTH}/GB-month (estimate) until it expires${retentionDays !== undefined ? ` after ${retentionDays} days` : ''}. Pass --delete-backups to delete the backups too.`);
  } else if (action === 'delete') {
    lines.push(count > 0 ? `Backups deleted (--delete-backups): the ${points(count)} in vault ${vaultName} (${size(sizeBytes)}) and the vault itself.` : `Backups deleted (--delete-backups): vault ${vaultName} holds no recovery points and is deleted.`);
  } else if (action === 'delete-empty') {
    lines.push(`Vault ${vaultName} holds no recovery points and is deleted.`);
  } else {
    lines.push(`The endpoint cannot list the recovery points of vault ${vaultName} (an emulator): the vault is deleted, which AWS refuses while it holds any.`);
  }
  return { vaultName, action, recoveryPoints: count, sizeBytes, monthlyCost: cost, lastExpiresAt, retentionDays, finalBackup, planDeleted, lines };
}

/** The stack's vault among what destroy found of ours, and what happens to it. */
export async function planBackups(api: BackupApi, ours: readonly SweptResource[], choices: BackupChoices, config: Pick<StackConfig, 'backup'> | undefined): Promise<DestroyBackups | undefined> {
  const vault = ours.find((r) => r.kind === 'backup-vault');
  const planDeleted = ours.some((r) => r.kind === 'backup-plan');
  if (!vault) {
    if (!planDeleted && !choices.finalBackup) return undefined;
    const lines = planDeleted ? ['The backup plan and its selection of the file system are deleted: no new scheduled backups are made.'] : [];
    if (choices.finalBackup && !choices.deleteBackups) lines.push('Before the data is deleted, a final backup of the file system is taken (--no-final-backup skips it).');
    return { vaultName: '', action: 'delete-empty', recoveryPoints: 0, sizeBytes: 0, monthlyCost: backupsMonthlyCost(0), finalBackup: choices.finalBackup && !choices.deleteBackups, planDeleted, lines };
  }
  const { vaultPoints } = await import('./vault-resources');
  return describeBackups(vault.id, await vaultPoints(api, vault.id), choices, config, planDeleted);
}
