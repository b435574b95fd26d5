import { GeuseError } from '../errors';
import type { EngineHost } from '../host';
import { instanceIdOf } from '../operate';
import { silentProgress } from '../progress';
import { Journal } from '../state/journal';
import type { StackState } from '../state/schema';
import type { BackupJob } from './api';
import { flushChoice, flushOnInstance, type FlushResult } from './flush';
import { resumePendingJob, startBackupJob, type BackupTarget, type JobWait } from './jobs';
import { BACKUP_KEYS } from './names';
import { stackRecoveryPoints } from './points';
import type { BackupOptions, TakenBackup } from './service';
import { Steps } from './steps';
import { backupTarget } from './target';

/** What happened on the instance before the job: copies made, or why none were (said, never silent). */
type Flush = { flushed: string[]; skipped?: string };

async function flushFirst(host: EngineHost, state: StackState, steps: Steps, options: BackupOptions): Promise<Flush> {
  // n8n's database in RDS: no pg_dump on the instance (said with the backup: RDS keeps its own backups).
  const { services, notes } = flushChoice(state);
  for (const note of notes) steps.note(`${note}.`);
  if (!services.postgres && !services.qdrant) {
    return { flushed: [], skipped: notes.length > 0 ? `${notes.join('; ')}; the stack runs no Qdrant, so there is nothing to flush` : 'the stack runs neither PostgreSQL nor Qdrant, so there is nothing to flush' };
  }
  if (state.status === 'paused') return { flushed: [], skipped: 'the stack is paused: no instance runs, so nothing writes to the data and the databases were stopped cleanly' };
  let current: StackState;
  let instanceId: string;
  try {
    current = await host.currentState(state.name, options.signal);
    instanceId = instanceIdOf(current);
  } catch (error) {
    if (!(error instanceof GeuseError) || error.code !== 'NO_INSTANCE') throw error;
    return { flushed: [], skipped: `no instance is in service (${error.message.replace(/^Stack \S+ has no instance in service: /, '').replace(/\.$/, '')}), so nothing was flushed` };
  }
  const runner = host.ssmOf(current).runner;
  try {
    const result = await steps.run<FlushResult>('backup-flush', 'Consistent copies on the instance (pg_dump, Qdrant snapshot)', async () => {
      const done = await flushOnInstance(runner, state.name, instanceId, services, options.signal);
      return { value: done, outcome: 'done', detail: done.flushed.join('; ') };
    });
    return { flushed: [...result.flushed, ...notes] };
  } catch (error) {
    if (options.ifFlushFails !== 'back-up-anyway' || !(error instanceof GeuseError) || error.code !== 'BACKUP_FLUSH_FAILED') throw error;
    return { flushed: [], skipped: `the flush failed (${error.message}); backed up without it, as the file system is` };
  }
}

async function describe(target: BackupTarget, api: ReturnType<EngineHost['backupApi']>, job: BackupJob, reason: string, flush: Flush): Promise<TakenBackup> {
  const arn = job.recoveryPointArn;
  // What AWS lists now for the new point (size, lifecycle); the job's own answer when the list does not show it yet.
  const listed = arn ? (await stackRecoveryPoints(api, target.vaultName, [target.fileSystemId]).catch(() => [])).find((point) => point.recoveryPointArn === arn) : undefined;
  const completedAt = listed?.completedAt ?? job.completionDate?.toISOString();
  const sizeBytes = listed?.sizeBytes ?? job.backupSizeInBytes;
  return {
    recoveryPointArn: arn ?? '',
    fileSystemId: target.fileSystemId,
    createdAt: listed?.createdAt ?? job.creationDate?.toISOString() ?? new Date().toISOString(),
    ...(completedAt ? { completedAt } : {}),
    status: listed?.status ?? job.state,
    ...(sizeBytes !== undefined ? { sizeBytes } : {}),
    ...(listed?.deleteAt ? { deleteAt: listed.deleteAt } : {}),
    origin: 'on-demand',
    reason: listed?.reason ?? reason,
    backupJobId: job.backupJobId,
    flushed: flush.flushed,
    ...(flush.skipped ? { flushSkipped: flush.skipped } : {}),
  };
}

/**
 * Flush on the instance, then one on-demand AWS Backup job of the file system, waited for; the caller holds the
 * stack's lock. A job an earlier call left running is waited for first (and is the answer to a repeated request).
 */
export async function takeBackupOf(host: EngineHost, given: StackState, options: BackupOptions): Promise<TakenBackup> {
  const state = (await host.store.read(given.name)) ?? given;
  const clients = host.clients(state.region, state.config.profile);
  const target = await backupTarget(clients, state);
  const api = host.backupApi(clients);
  const steps = new Steps(options.onProgress ?? silentProgress, state.config.profile);
  const journal = new Journal(host.store, state);
  const wait = (waiting: (what: string) => void): JobWait => ({ api, pollIntervalMs: host.timing.pollIntervalMs, signal: options.signal, waiting });

  if (journal.record(BACKUP_KEYS.vault)?.attrs.jobToken) {
    const earlier = await steps.run('backup-earlier', 'An earlier on-demand backup that did not see its end (AWS Backup)', async (waiting) => {
      const job = await resumePendingJob(journal, wait(waiting), target, options.reason, (message) => steps.note(message));
      return { value: job, outcome: 'done', detail: job ? `${job.recoveryPointArn ?? job.backupJobId} (it is this backup)` : 'ended; a new backup follows' };
    });
    if (earlier) return describe(target, api, earlier, options.reason, { flushed: ['the consistent copies the earlier call made before it started this job'] });
  }

  const flush = await flushFirst(host, state, steps, options);
  if (flush.skipped) steps.note(`Backing up ${state.name} without a flush: ${flush.skipped}.`);
  const job = await steps.run('backup-job', `On-demand backup of ${target.fileSystemId} (AWS Backup, ${options.reason})`, async (waiting) => {
    const done = await startBackupJob(journal, wait(waiting), target, options.reason);
    return { value: done, outcome: 'created', detail: `${done.recoveryPointArn ?? done.backupJobId}${done.backupSizeInBytes !== undefined ? `, ${done.backupSizeInBytes} bytes` : ''}` };
  });
  return describe(target, api, job, options.reason, flush);
}
