import { hostname } from 'node:os';
import { DescribeFileSystemsCommand, TagResourceCommand } from '@aws-sdk/client-efs';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import { newStackState } from '../deploy';
import { GeuseError, invalidInput, refused } from '../errors';
import type { EngineHost } from '../host';
import { instanceIdOf } from '../operate';
import { applyPause } from '../pause';
import { silentProgress } from '../progress';
import { deleteMountTargets } from '../resources/teardown';
import { stackConfigSchema, stackNameSchema, type StackConfig } from '../stack/config';
import { stackTags, type TagOwner } from '../stack/naming';
import { Journal } from '../state/journal';
import type { StackState } from '../state/schema';
import { sleep } from '../wait';
import { stackFileSystems, stackRecoveryPoints } from './points';
import { restoreIntoNewFileSystem } from './restore-fs';
import type { BackupOptions, RestoreHealth, RestoreOptions, RestorePlan, RestoreResult, TakenBackup } from './service';
import { copyDataSecrets, missingDataSecrets, secretsMissing } from './secrets-copy';
import { settleRestoredData } from './settle';
import { Steps } from './steps';
import { backupRecords } from './target';

/** The journal key of a restored file system until the stack is switched to it. */
export const RESTORE_KEY = 'efs-restore';
/** Points AWS Backup can restore from. */
const RESTORABLE = new Set(['COMPLETED', 'AVAILABLE']);
/** How long the services get to come up on the restored data before the result says what they are. */
const HEALTH_WAIT_MS = 5 * 60_000;

export type TakeBackup = (state: StackState, options: BackupOptions) => Promise<TakenBackup>;

function ownerOf(state: StackState): TagOwner {
  return { stack: state.name, stackId: state.stackId, origin: { host: state.createdOn ?? hostname(), createdAt: state.createdAt, region: state.region } };
}

function size(bytes: number | undefined): string {
  if (bytes === undefined) return 'size not reported';
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`;
}

function checkTargetName(source: string, as: string): void {
  const parsed = stackNameSchema.safeParse(as);
  if (!parsed.success) throw invalidInput('INVALID_STACK_NAME', `--as ${JSON.stringify(as)} ${parsed.error.issues[0]?.message ?? 'is not a stack name'}.`, 'Pass a name like demo-restored.');
  if (as === source) throw invalidInput('USAGE', `--as names stack ${source} itself.`, `Leave --as out to switch ${source} to the restored data, or pass another name for a new stack.`);
}

/** A new stack of that name exists here: only one this very restore began (its file system restored from the same point) may go on. */
function continuesRestore(existing: StackState | undefined, from: string): boolean {
  const efs = existing?.resources.efs;
  return existing !== undefined && efs?.attrs.restoredFrom === from && !efs.attrs.restoreFinishedAt && ['new', 'deploying', 'deploy_failed'].includes(existing.status);
}

/** Read-only: the recovery point (one of the stack's, restorable), the target, and what will happen. */
export async function planRestoreOf(host: EngineHost, name: string, options: Pick<RestoreOptions, 'from' | 'as' | 'signal'>): Promise<RestorePlan> {
  const state = await host.requireState(name);
  if (options.as !== undefined) checkTargetName(name, options.as);
  const { vaultName } = backupRecords(state, 'restore from');
  const clients = host.clients(state.region, state.config.profile);
  const points = await stackRecoveryPoints(host.backupApi(clients), vaultName, stackFileSystems(state));
  const point = points.find((each) => each.recoveryPointArn === options.from);
  if (!point) {
    const newest = points.slice(0, 3).map((each) => `${each.recoveryPointArn} (${each.createdAt})`);
    throw refused('RECOVERY_POINT_NOT_FOUND', `${options.from} is not a recovery point of stack ${name} in vault ${vaultName}${points.length === 0 ? ' (the vault holds none of its backups yet)' : ''}.`,
      `List them with \`geusemaker backup ${name} list\` and pass one's ARN to --from${newest.length > 0 ? `; the newest: ${newest.join(', ')}` : ''}.`);
  }
  if (!RESTORABLE.has(point.status)) {
    throw refused('RECOVERY_POINT_NOT_USABLE', `Recovery point ${point.recoveryPointArn} is ${point.status}, so AWS Backup cannot restore it.`,
      `Pick a completed one from \`geusemaker backup ${name} list\`${point.status === 'CREATING' ? ', or wait until this one completes' : ''}.`);
  }
  const when = `${point.createdAt.slice(0, 16).replace('T', ' ')} UTC, ${point.origin}${point.reason ? `, ${point.reason}` : ''}, ${size(point.sizeBytes)}`;
  if (options.as !== undefined) {
    const as = options.as;
    const existing = await host.store.read(as);
    if (existing && !continuesRestore(existing, point.recoveryPointArn)) {
      throw refused('ALREADY_TRACKED', `A stack named ${as} already exists here, so the restore cannot make it.`, 'Pass another name to --as (or destroy that stack first).');
    }
    const missing = await missingDataSecrets(clients, name);
    if (missing.length > 0) throw secretsMissing(name, missing);
    return {
      stack: name, target: as, recoveryPoint: point,
      steps: [
        `AWS Backup restores recovery point ${point.recoveryPointArn} (${when}) into a new encrypted EFS file system.`,
        `A new stack ${as} is deployed on it with ${name}'s settings (${state.config.tier}, ${state.config.instanceType}, ${state.region}) and its own network, instance and address.`,
        `${as} gets ${name}'s PostgreSQL password, n8n encryption key and n8n owner password: the restored data only opens with them.`,
        `When its instance runs, the restored files are moved into place (AWS Backup restores into an aws-backup-restore_<time> folder) and the services are checked.`,
        `${name} itself is not touched.`,
      ],
    };
  }
  const retiring = state.resources.efs?.status === 'created' ? state.resources.efs.id : undefined;
  if (!retiring) throw refused('NO_DATA', `Stack ${name} has no EFS file system recorded, so it cannot be switched to restored data.`, `Restore into a new stack instead: \`geusemaker restore ${name} --from ${point.recoveryPointArn} --as ${name}-restored\`.`);
  const running = state.status === 'deployed' || state.status === 'deploy_failed';
  const paused = state.status === 'paused';
  return {
    stack: name, target: name, recoveryPoint: point, retiring,
    steps: [
      `A backup of ${name} as it is now is taken first (reason "before restore"), so this can be undone.`,
      `AWS Backup restores recovery point ${point.recoveryPointArn} (${when}) into a new encrypted EFS file system${running ? ' while the stack keeps running' : ''}.`,
      `${running ? `${name} is paused (its instance stops), then ` : ''}${name} is switched to the new file system. Its current file system ${retiring} is kept: \`geusemaker backup ${name} list\` shows it, and only \`destroy --delete-data\` or you delete it.`,
      `A new instance starts on the restored data, the restored files are moved into place, and the services are checked. ${running ? 'The services are down from the pause until then (usually 5 to 15 minutes).' : paused ? `${name} is paused: it is started for this and stays running (pause it again afterwards if you like).` : ''}`.trim(),
      `Anything written after ${point.createdAt.slice(0, 16).replace('T', ' ')} UTC is not in the restored data; it stays on ${retiring}.`,
    ],
  };
}

/** One health round, repeated while services are still starting (the services were just started on the data). */
async function checkServices(host: EngineHost, name: string, signal?: AbortSignal): Promise<RestoreHealth> {
  const deadline = Date.now() + HEALTH_WAIT_MS;
  for (;;) {
    const health = await host.health(name, { signal });
    const services = health.services.map((service) => ({ service: service.service, status: service.status, ...(service.lastError ? { lastError: service.lastError } : {}) }));
    const healthy = services.every((service) => service.status === 'healthy');
    if (healthy || !services.some((service) => service.status === 'starting') || Date.now() > deadline) return { healthy, services };
    await sleep(Math.min(15_000, Math.max(host.timing.pollIntervalMs * 3, 50)), signal);
  }
}

/** The part after the new file system is the stack's: deploy, data into place, health. Re-running the restore continues it. */
async function deployOnRestored(host: EngineHost, config: StackConfig, options: RestoreOptions, steps: Steps, again: string): Promise<Pick<RestoreResult, 'health' | 'settled'>> {
  const continueWith = (error: unknown): never => {
    const failure = error instanceof GeuseError ? error : classifyAwsError(error, { profile: config.profile });
    if (failure.kind === 'cancelled') throw failure;
    throw new GeuseError({ code: failure.code, kind: failure.kind, operation: failure.operation, cause: failure, message: failure.message, nextStep: `${failure.nextStep} Then run the restore again (${again}): it continues from here, on the restored file system.` });
  };
  try {
    await host.deployLocked(config, { signal: options.signal, onProgress: options.onProgress });
    const settled = await steps.run('restore-settle', 'Move the restored data into place on the instance', async () => {
      const current = await host.currentState(config.name, options.signal);
      const done = await settleRestoredData(host.ssmOf(current).runner, config.name, instanceIdOf(current), options.signal);
      return { value: done, outcome: 'done', detail: done.moved ? `${done.moved} moved to the root; what the first boot made is in ${done.aside}` : 'already in place' };
    });
    const health = await steps.run('restore-health', 'Check the services on the restored data', async () => {
      const round = await checkServices(host, config.name, options.signal);
      return { value: round, outcome: 'done', detail: round.services.map((service) => `${service.service} ${service.status}`).join(', ') };
    });
    // Done: a later restore of the same point is a new restore, not the continuation of this one.
    await new Journal(host.store, await host.requireState(config.name)).update((state) => {
      if (state.resources.efs) state.resources.efs.attrs = { ...state.resources.efs.attrs, restoreFinishedAt: new Date().toISOString() };
    });
    return { health, ...(settled.moved && settled.aside ? { settled: { movedFrom: settled.moved, keptAside: settled.aside } } : {}) };
  } catch (error) {
    return continueWith(error);
  }
}

function declined(name: string): GeuseError {
  return refused('DECLINED', `The restore of stack ${name} was not confirmed, so nothing was changed.`, 'Run it again and answer yes, or pass --yes to skip the question.');
}

/** Restore into a new stack: new file system, the source's data secrets, the source's settings under the new name. */
async function restoreAsNew(host: EngineHost, plan: RestorePlan, options: RestoreOptions, steps: Steps): Promise<RestoreResult> {
  const source = await host.requireState(plan.stack);
  const as = plan.target;
  const clients = host.clients(source.region, source.config.profile);
  const { roleArn } = backupRecords(source, 'restore from');
  const again = `geusemaker restore ${plan.stack} --from ${plan.recoveryPoint.recoveryPointArn} --as ${as}`;
  const config = stackConfigSchema.parse({ ...source.config, name: as });
  const existing = await host.store.read(as);
  // The source's pins go with its data: its PostgreSQL files open only with the major version that wrote them.
  const state = existing ?? { ...newStackState(config), ...(source.pins ? { pins: source.pins } : {}) };
  const journal = new Journal(host.store, state);
  if (!existing) await host.store.write(state);
  const owner = ownerOf(state);
  const restored = await steps.run('restore-job', `Restore the recovery point into a new EFS file system for ${as} (AWS Backup)`, async (waiting) => {
    const done = await restoreIntoNewFileSystem({
      clients, api: host.backupApi(clients), journal, key: 'efs', owner, recoveryPointArn: plan.recoveryPoint.recoveryPointArn, sourceFileSystemId: plan.recoveryPoint.fileSystemId,
      roleArn, pollIntervalMs: host.timing.pollIntervalMs, fileSystemTimeoutMs: host.timing.fileSystemTimeoutMs, signal: options.signal, waiting, again,
    });
    return { value: done, outcome: done.reused ? 'reused' : 'created', detail: `${done.fileSystemId} (encrypted)` };
  });
  const copiedSecrets = await steps.run('restore-secrets', `Give ${as} the secrets the data was written with (from ${plan.stack})`, async () => {
    const copied = await copyDataSecrets(clients, journal, plan.stack, owner);
    return { value: copied, outcome: 'created', detail: copied.join(', ') };
  });
  const after = await deployOnRestored(host, config, options, steps, again);
  return { target: as, fileSystemId: restored.fileSystemId, copiedSecrets, ...after };
}

/** A file system an earlier, unfinished restore of another point left under RESTORE_KEY: kept, as a retired one. */
async function retireLeftover(clients: AwsClients, journal: Journal): Promise<void> {
  const leftover = journal.record(RESTORE_KEY);
  if (!leftover) return;
  let id = leftover.status === 'created' ? leftover.id : undefined;
  if (!id && leftover.token) {
    const found = (await clients.efs.send(new DescribeFileSystemsCommand({ CreationToken: leftover.token }))).FileSystems?.[0];
    id = found?.LifeCycleState === 'available' || found?.LifeCycleState === 'creating' ? found.FileSystemId : undefined;
  }
  await journal.update((state) => {
    delete state.resources[RESTORE_KEY];
    if (id && !state.retiredFileSystems.some((each) => each.id === id)) {
      state.retiredFileSystems.push({ id, retiredAt: new Date().toISOString(), reason: `restored from ${leftover.attrs.restoredFrom ?? 'a recovery point'} by a restore that did not finish` });
    }
  });
}

/**
 * Switches the journal to the restored file system in one write: the current one becomes a retired one (kept),
 * the restored one becomes `efs`, and the mount targets' records go so the deploy makes them for the new one.
 */
async function switchFileSystem(journal: Journal, restoredFrom: string): Promise<string> {
  const previous = journal.record('efs')?.id;
  const restored = journal.record(RESTORE_KEY);
  if (!previous || restored?.status !== 'created' || !restored.id) throw new Error('switchFileSystem needs both file systems journaled');
  await journal.update((state) => {
    state.retiredFileSystems = [...state.retiredFileSystems.filter((each) => each.id !== previous), { id: previous, retiredAt: new Date().toISOString(), reason: `replaced by a restore of ${restoredFrom}` }];
    state.resources.efs = { ...restored, key: 'efs', updatedAt: new Date().toISOString() };
    delete state.resources[RESTORE_KEY];
    for (const [key, record] of Object.entries(state.resources)) if (record.kind === 'mount-target') delete state.resources[key];
  });
  return previous;
}

/** Restore in place: safety backup, new file system, pause, switch, deploy on it; the previous file system is kept. */
async function restoreInPlace(host: EngineHost, plan: RestorePlan, options: RestoreOptions, steps: Steps, takeBackup: TakeBackup): Promise<RestoreResult> {
  const name = plan.stack;
  const from = plan.recoveryPoint.recoveryPointArn;
  const again = `geusemaker restore ${name} --from ${from}`;
  let state = await host.requireState(name);
  const clients = host.clients(state.region, state.config.profile);
  const { roleArn } = backupRecords(state, 'restore from');
  const efs = state.resources.efs;
  const alreadySwitched = efs?.attrs.restoredFrom === from && !efs.attrs.restoreFinishedAt && state.retiredFileSystems.length > 0;
  let safetyBackup: TakenBackup | undefined;
  let retiredFileSystemId: string | undefined;
  if (alreadySwitched) {
    steps.note(`Stack ${name} already runs on the file system restored from ${from} (an earlier restore switched it): going on with its deploy.`);
    retiredFileSystemId = state.retiredFileSystems.at(-1)?.id;
  } else {
    // An earlier attempt at this very restore took its safety backup already.
    if (state.resources[RESTORE_KEY]?.attrs.restoredFrom !== from) {
      safetyBackup = await takeBackup(state, { reason: 'before restore', signal: options.signal, onProgress: options.onProgress, ifFlushFails: 'back-up-anyway' });
    }
    const journal = new Journal(host.store, await host.requireState(name));
    if (journal.record(RESTORE_KEY)?.attrs.restoredFrom !== from) await retireLeftover(clients, journal);
    const restored = await steps.run('restore-job', 'Restore the recovery point into a new EFS file system (AWS Backup)', async (waiting) => {
      const done = await restoreIntoNewFileSystem({
        clients, api: host.backupApi(clients), journal, key: RESTORE_KEY, owner: ownerOf(state), recoveryPointArn: from, sourceFileSystemId: plan.recoveryPoint.fileSystemId,
        roleArn, pollIntervalMs: host.timing.pollIntervalMs, fileSystemTimeoutMs: host.timing.fileSystemTimeoutMs, signal: options.signal, waiting, again,
      });
      return { value: done, outcome: done.reused ? 'reused' : 'created', detail: `${done.fileSystemId} (encrypted)` };
    });
    state = journal.state;
    if (state.status === 'deployed' || state.status === 'deploy_failed') {
      // The old instance stops before anything moves: the databases close cleanly, and nothing writes to the old data after the switch.
      await applyPause({ clients, store: host.store, state, timing: host.timing, signal: options.signal, onProgress: options.onProgress ?? silentProgress });
    }
    const switched = new Journal(host.store, (await host.store.read(name)) ?? state);
    retiredFileSystemId = await steps.run('restore-switch', `Switch ${name} to ${restored.fileSystemId} (its current file system is kept)`, async (waiting) => {
      const previous = await switchFileSystem(switched, from);
      try {
        await clients.efs.send(new TagResourceCommand({ ResourceId: previous, Tags: stackTags(ownerOf(state), 'efs-retired', `gm-${name}-data-retired`) }));
        // Mount targets are not data; the deploy makes the new file system's own in the same subnets.
        await deleteMountTargets({ clients, timing: host.timing, signal: options.signal, waiting }, [previous]);
      } catch (error) {
        throw classifyAwsError(error, { profile: clients.profile });
      }
      return { value: previous, outcome: 'done', detail: `${previous} kept (retired), its mount targets deleted` };
    });
  }
  const current = await host.requireState(name);
  const after = await deployOnRestored(host, current.config, options, steps, again);
  return { target: name, fileSystemId: (await host.requireState(name)).resources.efs?.id ?? '', retiredFileSystemId, safetyBackup, ...after };
}

/** Plans, asks, and restores under the stack's lock (both stacks' locks for a restore into a new one). */
export async function restoreOf(host: EngineHost, name: string, options: RestoreOptions, takeBackup: TakeBackup): Promise<RestoreResult> {
  const steps = new Steps(options.onProgress ?? silentProgress);
  const run = async (): Promise<RestoreResult> => {
    const plan = await planRestoreOf(host, name, options);
    if (options.confirm && !(await options.confirm(plan))) throw declined(name);
    return plan.target === name ? restoreInPlace(host, plan, options, steps, takeBackup) : restoreAsNew(host, plan, options, steps);
  };
  const as = options.as;
  return host.locked(name, 'restore', options, () => (as === undefined ? run() : host.locked(as, 'restore', options, run)));
}

