import type { AwsClients } from './aws/clients';
import type { EngineTiming } from './context';
import { GeuseError, refused } from './errors';
import type { ProgressListener } from './progress';
import { Journal, type StateWriter } from './state/journal';
import type { StackState } from './state/schema';
import { timeoutsSchema, type StackConfig } from './stack/config';
import type { GraphStep } from './graph/run-graph';
import { runOperation } from './graph/operation';
import { isRuntimeStatus, mountTargetsOf, sweepStack, type SweptKind, type SweptResource } from './resources/sweep';
import { describeFileSystemById } from './resources/efs-describe';
import { EFS_STANDARD_USD_PER_GB_MONTH } from './cost/fallback-prices';
import { DATA_KINDS as DATA_KIND_NAMES, DELETABLE_JOURNAL_KINDS } from './kinds';
import { destroyOrder } from './kinds/destroy-order';
import { describeForeign, describeOwner, otherStackIds, ownershipOf, splitByOwner, type ForeignResource, type OwnedSplit, type Ownership } from './resources/ownership';
import type { BackupApi } from './backup/api';
import { describeBackups, type DestroyBackups } from './backup/destroy-backups';
import type { BackupService, TakenBackup } from './backup/service';
import { classifyAwsError } from './aws/classify';
import type { VaultDeleteContext } from './backup/vault-resources';

/** Kinds kept when data is kept: the file system and the secrets that protect what is on it. */
export const DATA_KINDS: readonly SweptKind[] = DATA_KIND_NAMES;

export interface DestroyPlan {
  stack: string;
  region: string;
  keepData: boolean;
  /** Whose resources are deleted: the state's stack id, or the one the user explicitly adopted. */
  stackId?: string;
  /** Set when the user adopted a stack this machine has no state for (destroy --adopt). */
  adoptedStackId?: string;
  /** Without state: how the region was found. */
  regionFrom?: string;
  /** Everything that will be deleted, from the journal and a tag sweep. */
  toDelete: SweptResource[];
  toKeep: SweptResource[];
  /** Carry the stack's name but are not ours (another stack id, or none): listed, never touched. */
  foreign: ForeignResource[];
  /** What happens to the stack's AWS Backup vault, plan and recovery points, with the dialog's words (`lines`). */
  backups?: DestroyBackups;
}

/** Journal kinds destroy deletes on their own; listeners and rules go with their load balancer. */
const journalKinds: Readonly<Record<string, SweptKind>> = Object.fromEntries(DELETABLE_JOURNAL_KINDS);

/**
 * Everything that carries the stack's name: the tag sweep, the journal's records it missed (a lost tag never
 * hides our resource), and the mount targets of every file system found. Whose each one is, splitByOwner says.
 */
export async function gatherResources(clients: AwsClients, stack: string, journal?: StackState): Promise<SweptResource[]> {
  const swept = await sweepStack(clients, stack);
  const byId = new Map(swept.map((r) => [`${r.kind}:${r.id}`, r]));
  for (const record of Object.values(journal?.resources ?? {})) {
    if (record.status === 'deleted' || record.external || !record.id) continue;
    const kind = journalKinds[record.kind];
    if (kind && kind !== 'mount-target' && !byId.has(`${kind}:${record.id}`)) byId.set(`${kind}:${record.id}`, { kind, id: record.id, key: record.key, stackId: journal?.stackId });
  }
  const fileSystems = [...byId.values()].filter((r) => r.kind === 'efs').map((r) => r.id);
  for (const target of await mountTargetsOf(clients, fileSystems)) {
    if (target.state !== 'deleted' && target.state !== 'deleting') byId.set(`mount-target:${target.id}`, target);
  }
  return [...byId.values()].filter((r) => r.state !== 'terminated' && r.state !== 'deleted');
}

/**
 * Whose resources a destroy deletes: the state's; without state and with --adopt, the one other stack id found
 * (several are refused: there is no telling which the user means).
 */
export function destroyOwnership(name: string, region: string, state: StackState | undefined, resources: readonly SweptResource[], adopt: boolean): { owner: Ownership; adoptedStackId?: string } {
  const owner = ownershipOf(state);
  if (state || !adopt) return { owner };
  const { foreign } = splitByOwner(resources, owner);
  const ids = otherStackIds(foreign);
  if (ids.length > 1) {
    throw refused('ADOPT_AMBIGUOUS', `Resources named for stack ${name} in ${region} belong to ${ids.length} different stacks (${ids.map((id) => describeOwner(foreign, id)).join('; ')}), so --adopt cannot tell which to take over.`,
      'Destroy each from the machine or state folder that deployed it, or remove the ones you know by hand.');
  }
  const adoptedStackId = ids[0];
  return adoptedStackId ? { owner: { stackId: adoptedStackId, journalIds: new Set() }, adoptedStackId } : { owner };
}

/** A destroy with no state that found nothing of its own: never a success, and never a guess. */
export function nothingOfOurs(plan: DestroyPlan, stateDir: string): GeuseError {
  const where = plan.regionFrom ?? plan.region;
  if (plan.foreign.length === 0) {
    return new GeuseError({
      code: 'STACK_NOT_FOUND', kind: 'not-found',
      message: `No stack named ${plan.stack} was found: ${stateDir} has no state for it, and nothing in ${where} (nor IAM or CloudFront) carries its name, so nothing was deleted.`,
      nextStep: `Check the name with \`geusemaker list\`, or pass --region if the stack lives in another region.`,
    });
  }
  const adoptable = otherStackIds(plan.foreign).length === 1;
  return refused('NOT_OURS',
    `Nothing was deleted: ${stateDir} has no state for stack ${plan.stack}, and what carries that name in ${where} is not this machine's:\n${describeForeign(plan.foreign).map((line) => `  - ${line}`).join('\n')}`,
    adoptable
      ? `If this is your own stack (deployed from another machine or state folder, or its state was lost), run \`geusemaker destroy ${plan.stack} --adopt\`: you are shown its stack id and asked before anything is deleted. Otherwise leave it alone: it belongs to someone else.`
      : 'These are not GeuseMaker resources of a stack: if you know they are unused, delete them yourself in the AWS console.');
}

/** Kept: the data unless it is deleted, and the backup vault while it keeps recovery points (backups outlive the stack). */
function keeps(keepData: boolean, backups: DestroyBackups | undefined): (r: SweptResource) => boolean {
  return (r) => (keepData && DATA_KINDS.includes(r.kind) && !isRuntimeStatus(r)) || (r.kind === 'backup-vault' && backups?.action === 'keep');
}

export function planDestroyFrom(stack: string, region: string, found: OwnedSplit, keepData: boolean, owner: Pick<DestroyPlan, 'stackId' | 'adoptedStackId' | 'regionFrom'> = {}, backups?: DestroyBackups): DestroyPlan {
  const keep = keeps(keepData, backups);
  return { stack, region, keepData, ...owner, toDelete: found.ours.filter((r) => !keep(r)), toKeep: found.ours.filter(keep), foreign: found.foreign, ...(backups ? { backups } : {}) };
}

function idsOf(resources: readonly SweptResource[], kind: string): string[] {
  return resources.filter((r) => r.kind === kind).map((r) => r.id);
}

/**
 * Deletion order from AWS-REALITY.md, as a graph derived from the kinds (kinds/destroy-order.ts): network and IAM
 * teardown run side by side once instances are gone.
 */
function destroySteps(plan: DestroyPlan, clients: AwsClients, timing: EngineTiming, signal: AbortSignal | undefined, allFileSystems: string[], config: StackConfig | undefined, backup: BackupApi | undefined): GraphStep[] {
  const del = plan.toDelete;
  // The stack's own CloudFront timeout; the default when the journal is lost.
  const distributionTimeoutMs = (config?.timeouts ?? timeoutsSchema.parse({})).cloudFrontDeployedMinutes * 60_000;
  // The backup teardowns get the engine's BackupApi and whether the recovery points go too (--delete-backups).
  const deleteBackups = plan.backups?.action === 'delete';
  // The database's final snapshot is skipped only when the data goes too (--delete-data).
  const ctxFor = (waiting: (what: string) => void): VaultDeleteContext & { fileSystemIds: string[]; deleteData: boolean } => ({ clients, timing, signal, distributionTimeoutMs, waiting, fileSystemIds: allFileSystems, backup, deleteBackups, deleteData: !plan.keepData });
  return destroyOrder().map(({ id, title, kinds, after }): GraphStep => {
    const targets = kinds.flatMap((kind) => idsOf(del, kind.kind));
    const kept = kinds.flatMap((kind) => idsOf(plan.toKeep, kind.kind));
    return {
      id, title, deps: after,
      // Each step says what it really did: deleted something, kept data, or found nothing to do.
      run: async (waiting) => {
        if (targets.length > 0) {
          const ctx = ctxFor(waiting);
          // Within a step, dependents first (the profile before its role, interfaces before volumes).
          for (const kind of [...kinds].reverse()) {
            const ids = idsOf(del, kind.kind);
            if (ids.length > 0) await kind.teardown.delete(ctx, ids);
          }
        }
        // Kept data is what the user must hear about, even when something beside it was deleted.
        if (kept.length > 0) return { outcome: 'kept', detail: `${kept.join(', ')}${targets.length > 0 ? `; deleted ${targets.join(', ')}` : ''}` };
        return targets.length > 0 ? { outcome: 'deleted', detail: targets.join(', ') } : { outcome: 'gone' };
      },
    };
  });
}

export interface ApplyDestroyOptions {
  clients: AwsClients;
  store: StateWriter & { remove(name: string): Promise<void> };
  state: StackState | undefined;
  plan: DestroyPlan;
  /** The same ownership the plan was made with: the final check counts only our resources. */
  owner: Ownership;
  /** AWS Backup's selections and recovery points (the engine's; recorded answers in tests). */
  backup?: BackupApi;
  timing: EngineTiming;
  signal?: AbortSignal;
  onProgress: ProgressListener;
}

export interface DestroyResult {
  kept: SweptResource[];
  /** Monthly cost of what was kept, with how it was worked out. */
  keptMonthlyCost?: { usd: number; basis: string };
  stateRemoved: boolean;
  /** The backups as AWS Backup lists them after the destroy (read back), with the summary's words (`lines`). */
  backups?: DestroyBackups;
  /** The final backup taken before the data was deleted (destroy --delete-data). */
  finalBackup?: TakenBackup;
}


/** What the kept data and kept backups cost per month: the file system's size as EFS says now, the recovery points' as AWS Backup lists them. */
export async function keptCost(clients: AwsClients, kept: readonly SweptResource[], backups?: DestroyBackups): Promise<DestroyResult['keptMonthlyCost']> {
  const fileSystems = kept.filter((r) => r.kind === 'efs');
  const keptBackups = backups?.action === 'keep' && backups.recoveryPoints > 0 && kept.some((r) => r.kind === 'backup-vault') ? backups : undefined;
  if (fileSystems.length === 0 && !keptBackups) return undefined;
  const parts: { usd: number; basis: string }[] = [];
  if (fileSystems.length > 0) {
    let bytes = 0;
    for (const fs of fileSystems) bytes += (await describeFileSystemById(clients, fs.id))?.SizeInBytes?.Value ?? 0;
    const gb = bytes / 1024 ** 3;
    parts.push({
      usd: Math.round(gb * EFS_STANDARD_USD_PER_GB_MONTH * 100) / 100,
      basis: `${gb.toFixed(2)} GB on EFS Standard at about $${EFS_STANDARD_USD_PER_GB_MONTH}/GB-month (estimate); Parameter Store standard parameters are free`,
    });
  }
  if (keptBackups) parts.push({ usd: keptBackups.monthlyCost.usd, basis: `${keptBackups.recoveryPoints} recovery point(s): ${keptBackups.monthlyCost.basis}` });
  return { usd: Math.round(parts.reduce((sum, p) => sum + p.usd, 0) * 100) / 100, basis: parts.map((p) => p.basis).join('; ') };
}

/** Deletes in dependency order; the state is dropped only once a final sweep confirms everything is gone. */
export async function applyDestroy(options: ApplyDestroyOptions): Promise<DestroyResult> {
  const { clients, plan } = options;
  const journal = options.state ? new Journal(options.store, options.state) : undefined;
  const allFileSystems = [...plan.toDelete, ...plan.toKeep].filter((r) => r.kind === 'efs').map((r) => r.id);
  // A vault still there holds recovery points (its teardown deletes only an empty one, unless --delete-backups): kept.
  const isKeptData = (r: SweptResource) => keeps(plan.keepData, plan.backups)(r) || (r.kind === 'backup-vault' && plan.backups?.action !== 'delete');
  const { outcome } = await runOperation({
    journal, clients, signal: options.signal, onProgress: options.onProgress,
    context: { profile: clients.profile, stack: plan.stack },
    statuses: { running: 'destroying', done: 'destroyed', failed: 'destroy_failed' },
    steps: () => destroySteps(plan, clients, options.timing, options.signal, allFileSystems, options.state?.config, options.backup),
    // The final sweep says what is left: with data kept, exactly the data; anything else fails the destroy.
    check: async () => {
      const remaining = splitByOwner(await gatherResources(clients, plan.stack), options.owner).ours;
      const left = remaining.filter((r) => !isKeptData(r));
      if (left.length > 0) {
        throw new GeuseError({
          code: 'DESTROY_INCOMPLETE', kind: 'transient',
          message: `Some resources of stack ${plan.stack} still exist: ${left.map((r) => `${r.kind} ${r.id}`).join(', ')}.`,
          nextStep: `Run \`geusemaker destroy ${plan.stack}\` again; it continues where it stopped.`,
        });
      }
      return remaining.filter(isKeptData);
    },
    settle: async (kept = []) => {
      if (kept.length === 0) {
        await options.store.remove(plan.stack);
        return { stateRemoved: true };
      }
      const keptIds = new Set(kept.map((r) => r.id));
      return journal ? {
        endedInstances: journal.state.compute.map((c) => c.instanceId),
        forget: Object.values(journal.state.resources).filter((r) => !r.id || !keptIds.has(r.id)).map((r) => r.key),
      } : {};
    },
  });
  const kept = outcome ?? [];
  const backups = await backupsAfter(options, kept);
  // The kept recovery points' size, as AWS Backup listed it just now: what a destroyed stack's estimate prices them at.
  const vaultRecord = journal && backups?.action === 'keep' ? Object.values(journal.state.resources).find((r) => r.kind === 'backup-vault' && r.status === 'created') : undefined;
  if (journal && vaultRecord && backups) {
    await journal.update((state) => {
      const record = state.resources[vaultRecord.key];
      if (record) record.attrs = { ...record.attrs, keptBackupBytes: String(backups.sizeBytes) };
    });
  }
  if (kept.length === 0) return { kept, stateRemoved: true, ...(backups ? { backups } : {}) };
  return { kept, keptMonthlyCost: await keptCost(clients, kept, backups), stateRemoved: false, ...(backups ? { backups } : {}) };
}

/** The backups as AWS Backup lists them once the destroy is done: what was kept, read back, never what was asked for. */
async function backupsAfter(options: ApplyDestroyOptions, kept: readonly SweptResource[]): Promise<DestroyBackups | undefined> {
  const before = options.plan.backups;
  if (!before) return undefined;
  const vault = kept.find((r) => r.kind === 'backup-vault');
  if (!vault || !options.backup) return { ...before, ...(vault ? {} : { action: before.action === 'keep' ? 'delete-empty' as const : before.action }), finalBackup: false };
  const choices = { deleteBackups: false, finalBackup: false };
  const { vaultPoints } = await import('./backup/vault-resources');
  const now = describeBackups(vault.id, await vaultPoints(options.backup, vault.id), choices, options.state?.config, before.planDeleted);
  return { ...now, finalBackup: before.finalBackup };
}


/**
 * Why a final backup cannot be made at all, by the refusal's code: then the destroy goes on and says so (it is
 * often run to clean up a stack that never finished deploying). Any other failure stops it before deleting.
 */
const FINAL_BACKUP_UNAVAILABLE: Readonly<Record<string, string>> = {
  ENDPOINT_API_MISSING: "the endpoint does not implement AWS Backup's jobs (an emulator)",
  BACKUP_DISABLED: 'the stack has no backup vault (backups are off, or it never finished deploying)',
  NO_DATA: 'there is no file system left to back up',
};

/** The reason tagged on the recovery point destroy --delete-data takes first. */
export const FINAL_BACKUP_REASON = 'final backup before destroy --delete-data';

/**
 * destroy --delete-data: a backup of the file system first, said in progress; if it fails, nothing is deleted. A
 * flush the instance cannot do (it is often why a stack is destroyed) does not stop it: the file system is backed
 * up as it is, and the result says so. An endpoint without AWS Backup's jobs (an emulator) is a note: no backup.
 */
export async function takeFinalBackup(backups: Pick<BackupService, 'takeBackup'>, state: StackState, signal: AbortSignal | undefined, onProgress: ProgressListener): Promise<TakenBackup | undefined> {
  onProgress({ type: 'note', message: `Taking a final backup of stack ${state.name}'s file system before its data is deleted (--no-final-backup skips it).` });
  try {
    const taken = await backups.takeBackup(state, { reason: FINAL_BACKUP_REASON, signal, onProgress, ifFlushFails: 'back-up-anyway' });
    const flush = taken.flushSkipped ? ` (${taken.flushSkipped})` : taken.flushed.length > 0 ? ` after ${taken.flushed.join(', ')}` : '';
    onProgress({ type: 'note', message: `Final backup ${taken.recoveryPointArn}${flush} is kept in the stack's backup vault.` });
    return taken;
  } catch (error) {
    const failed = error instanceof GeuseError ? error : classifyAwsError(error, { profile: state.config.profile, stack: state.name });
    if (failed.kind === 'cancelled') throw failed;
    const unavailable = FINAL_BACKUP_UNAVAILABLE[failed.code as string];
    if (unavailable) {
      onProgress({ type: 'note', message: `No final backup: ${unavailable}. ${failed.message}` });
      return undefined;
    }
    throw new GeuseError({
      code: failed.code, kind: failed.kind, cause: failed, operation: failed.operation,
      message: `The final backup before deleting stack ${state.name}'s data did not complete, so nothing was deleted. ${failed.message}`,
      nextStep: `${failed.nextStep} To destroy without a final backup: \`geusemaker destroy ${state.name} --delete-data --no-final-backup\`.`,
    });
  }
}
