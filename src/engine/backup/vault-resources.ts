import { CreateBackupVaultCommand, DeleteBackupVaultCommand, DescribeBackupVaultCommand } from '@aws-sdk/client-backup';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import type { StepContext } from '../context';
import { refused } from '../errors';
import type { DeleteContext } from '../kinds/types';
import { ensureResource, type Found } from '../resources/ensure';
import type { SweptResource } from '../resources/sweep';
import { stackTags, tagValue, TAG_STACK_ID, type Tag } from '../stack/naming';
import { sleep } from '../wait';
import type { BackupApi, RecoveryPoint } from './api';
import { backupApiFor } from './bound';
import { BACKUP_KEYS, backupVaultName } from './names';
import { backupTags, ensureBackupTags, sweptBackup, tagMap } from './tags';

export interface VaultView {
  name: string;
  arn: string;
  creatorRequestId?: string;
}

/** By the exception's name: AWS Backup's errors carry their own Code field (ERROR_3550…), not the error's type. */
export function isGone(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ResourceNotFoundException';
}

export function lacksApi(error: unknown): boolean {
  return classifyAwsError(error).code === 'ENDPOINT_API_MISSING';
}

export async function describeVault(clients: AwsClients, name: string): Promise<VaultView | undefined> {
  try {
    const out = await clients.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: name }));
    return { name, arn: out.BackupVaultArn ?? '', creatorRequestId: out.CreatorRequestId };
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

function notOurs(ctx: StepContext, name: string): Error {
  return refused('NAME_TAKEN', `The AWS Backup vault ${name} already exists in ${ctx.clients.region} and does not belong to this stack; it was left alone.`,
    `Choose another stack name; if ${name} belongs to a stack of yours deployed from elsewhere, take that stack over with \`geusemaker deploy ${ctx.stack} --adopt\`.`);
}

/**
 * The stack's own vault. Vault names are the account's and region's: one of our name is ours only when its tags
 * carry our stack id (or it holds the creator request id our journal recorded); anyone else's is never touched.
 */
export async function ensureBackupVault(ctx: StepContext): Promise<{ outcome: 'created' | 'reused'; detail: string; name: string }> {
  const name = backupVaultName(ctx.stack);
  const wanted = stackTags(ctx, BACKUP_KEYS.vault, name);
  let held: Tag[] | undefined;
  const ours = async (): Promise<Found | undefined> => {
    const vault = await describeVault(ctx.clients, name);
    if (!vault) return undefined;
    held = await backupTags(ctx.clients, vault.arn);
    const token = ctx.journal.record(BACKUP_KEYS.vault)?.token;
    if (tagValue(held, TAG_STACK_ID) !== ctx.stackId && !(token && vault.creatorRequestId === token)) throw notOurs(ctx, name);
    return { id: name, attrs: { arn: vault.arn } };
  };
  const { found, outcome } = await ensureResource(ctx, {
    key: BACKUP_KEYS.vault, kind: 'backup-vault',
    describe: ours,
    findOrphan: ours,
    // CreatorRequestId is AWS Backup's idempotency token: a repeat after a lost answer is the same vault.
    create: async (token) => {
      const out = await ctx.clients.backup.send(new CreateBackupVaultCommand({ BackupVaultName: name, BackupVaultTags: tagMap(wanted), CreatorRequestId: token }));
      held = wanted;
      return { id: name, attrs: { arn: out.BackupVaultArn ?? '' } };
    },
  });
  if (outcome === 'reused') await ensureBackupTags(ctx.clients, found.attrs?.arn ?? '', held, wanted);
  return { outcome, detail: name, name };
}

/** The vault of the stack's fixed name, with its tags: another stack's (or nobody's) is reported by ownership, never touched. */
export async function sweepVaults(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const vault = await describeVault(clients, backupVaultName(stack));
  if (!vault) return [];
  return [sweptBackup('backup-vault', vault.name, (await backupTags(clients, vault.arn)) ?? [])];
}

/** The vault's recovery points now; undefined when the endpoint cannot list them (an emulator without the API). */
export async function vaultPoints(api: BackupApi, name: string): Promise<RecoveryPoint[] | undefined> {
  try {
    return await api.listRecoveryPoints(name);
  } catch (error) {
    if (isGone(error)) return [];
    if (lacksApi(error)) return undefined;
    throw error;
  }
}

/** What destroy tells the teardown beyond the kinds' context: the BackupApi, and whether recovery points go too. */
export interface VaultDeleteContext extends DeleteContext {
  backup?: BackupApi;
  deleteBackups?: boolean;
}

/** Destroy's additions, when it made the context (a change's removals never delete the vault). */
export function backupExtras(ctx: DeleteContext): Pick<VaultDeleteContext, 'backup' | 'deleteBackups'> {
  const extra = ctx as VaultDeleteContext;
  return { backup: extra.backup, deleteBackups: extra.deleteBackups === true };
}

/** AWS deletes a recovery point in the background (DELETING); the vault refuses to go until they are all gone. */
async function untilEmpty(ctx: DeleteContext, api: BackupApi, name: string): Promise<void> {
  const deadline = Date.now() + ctx.timing.eventualConsistencyTimeoutMs;
  for (;;) {
    const left = (await vaultPoints(api, name)) ?? [];
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`AWS Backup still lists ${left.length} recovery point(s) in vault ${name} being deleted.`);
    ctx.waiting(`vault ${name}: ${left.length} recovery point(s) still being deleted`);
    await sleep(ctx.timing.pollIntervalMs, ctx.signal);
  }
}

/**
 * A vault is deleted only when it is empty, or when the user asked for the backups to go (--delete-backups): then
 * its recovery points first. A vault that holds recovery points is otherwise kept (destroy reports it); AWS itself
 * refuses to delete a vault that is not empty.
 */
export async function deleteVaults(ctx: DeleteContext, names: readonly string[]): Promise<void> {
  const extra = backupExtras(ctx);
  const api = await backupApiFor({ clients: ctx.clients, backup: extra.backup });
  for (const name of names) {
    const points = await vaultPoints(api, name);
    if (points && points.length > 0) {
      if (!extra.deleteBackups) {
        ctx.waiting(`vault ${name} kept: it holds ${points.length} recovery point(s)`);
        continue;
      }
      for (const point of points) {
        ctx.waiting(`vault ${name}: deleting recovery point ${point.recoveryPointArn}`);
        try {
          await api.deleteRecoveryPoint(name, point.recoveryPointArn);
        } catch (error) {
          if (!isGone(error)) throw error;
        }
      }
      await untilEmpty(ctx, api, name);
    }
    try {
      await ctx.clients.backup.send(new DeleteBackupVaultCommand({ BackupVaultName: name }));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
