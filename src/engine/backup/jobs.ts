import { randomUUID } from 'node:crypto';
import { classifyAwsError } from '../aws/classify';
import { GeuseError } from '../errors';
import type { Journal } from '../state/journal';
import { MANAGED_BY, TAG_MANAGED_BY, TAG_STACK, TAG_STACK_ID } from '../stack/naming';
import { sleep } from '../wait';
import type { BackupApi, BackupJob, RestoreJob } from './api';
import { BACKUP_KEYS, TAG_BACKUP_REASON } from './names';

/** Backups of a large file system take hours; a wait longer than this is reported, and the job keeps running in AWS. */
export const JOB_TIMEOUT_MS = 24 * 3_600_000;
/** A job journaled as started this long ago or less is the backup a repeated call asked for. */
const SAME_REQUEST_MS = 3_600_000;
/** Real jobs move over minutes: polling faster than this only spends API calls. */
const MAX_POLL_MS = 30_000;

/** What the stack backs up with: its vault, the role AWS Backup acts as, the file system. */
export interface BackupTarget {
  stack: string;
  stackId: string;
  vaultName: string;
  roleArn: string;
  fileSystemId: string;
  fileSystemArn: string;
  retentionDays: number;
}

export interface JobWait {
  api: BackupApi;
  pollIntervalMs: number;
  signal?: AbortSignal;
  waiting: (what: string) => void;
}

const ENDED_BADLY = new Set(['ABORTED', 'FAILED', 'EXPIRED', 'PARTIAL']);

function jobFailed(stack: string, job: BackupJob): GeuseError {
  return new GeuseError({
    code: 'BACKUP_JOB_FAILED', kind: 'unknown', operation: 'backup:DescribeBackupJob',
    message: `AWS Backup job ${job.backupJobId} for stack ${stack} ended ${job.state}${job.statusMessage ? `: ${job.statusMessage}` : ''}. No recovery point was made.`,
    nextStep: `Back up again (\`geusemaker backup ${stack} now\`); if it keeps failing, the job's details are in the AWS Backup console under Jobs.`,
  });
}

function stoppedWaiting(what: string, stack: string, again: string): GeuseError {
  return new GeuseError({
    code: 'CANCELLED', kind: 'cancelled',
    message: `Stopped waiting for ${what}. It keeps running in AWS Backup: nothing is lost and nothing was started twice.`,
    nextStep: `${again} (it waits for the same job instead of starting another), or see it with \`geusemaker backup ${stack} list\` once it is done.`,
  });
}

/** Polls a backup job until it ends; COMPLETED answers it, any other end is BACKUP_JOB_FAILED. */
export async function waitBackupJob(wait: JobWait, stack: string, backupJobId: string): Promise<BackupJob> {
  const started = Date.now();
  let interval = wait.pollIntervalMs;
  for (;;) {
    let job: BackupJob;
    try {
      job = await wait.api.describeBackupJob(backupJobId);
    } catch (error) {
      throw classifyAwsError(error, { operation: 'backup:DescribeBackupJob' });
    }
    if (job.state === 'COMPLETED') return job;
    if (ENDED_BADLY.has(job.state)) throw jobFailed(stack, job);
    if (Date.now() - started > JOB_TIMEOUT_MS) {
      throw new GeuseError({
        code: 'WAIT_TIMEOUT', kind: 'transient', operation: 'backup:DescribeBackupJob',
        message: `AWS Backup job ${backupJobId} is still ${job.state} after ${Math.round((Date.now() - started) / 3_600_000)} h.`,
        nextStep: `Back up again later (\`geusemaker backup ${stack} now\`): it waits for this job instead of starting another.`,
      });
    }
    wait.waiting(`AWS Backup job ${backupJobId}: ${job.state.toLowerCase()}${job.percentDone !== undefined ? `, ${Math.floor(job.percentDone)}%` : ''}`);
    try {
      await sleep(interval, wait.signal);
    } catch {
      throw stoppedWaiting(`backup job ${backupJobId}`, stack, `Run \`geusemaker backup ${stack} now\` again`);
    }
    interval = Math.min(Math.max(interval * 1.5, wait.pollIntervalMs), MAX_POLL_MS);
  }
}

/** Polls a restore job until it ends; COMPLETED with the new file system's ARN answers it. */
export async function waitRestoreJob(wait: JobWait, stack: string, restoreJobId: string, again: string): Promise<RestoreJob & { createdResourceArn: string }> {
  const started = Date.now();
  let interval = wait.pollIntervalMs;
  for (;;) {
    let job: RestoreJob;
    try {
      job = await wait.api.describeRestoreJob(restoreJobId);
    } catch (error) {
      throw classifyAwsError(error, { operation: 'backup:DescribeRestoreJob' });
    }
    if (job.status === 'COMPLETED' && job.createdResourceArn) return { ...job, createdResourceArn: job.createdResourceArn };
    if (job.status === 'FAILED' || job.status === 'ABORTED' || job.status === 'COMPLETED') {
      throw new GeuseError({
        code: 'RESTORE_JOB_FAILED', kind: 'unknown', operation: 'backup:DescribeRestoreJob',
        message: `AWS Backup restore job ${restoreJobId} for stack ${stack} ended ${job.status}${job.createdResourceArn ? '' : ' without naming a file system'}${job.statusMessage ? `: ${job.statusMessage}` : ''}. Nothing was switched: the stack runs on its data as before.`,
        nextStep: `Run the restore again; if it keeps failing, the job's details are in the AWS Backup console under Jobs → Restore jobs.`,
      });
    }
    if (Date.now() - started > JOB_TIMEOUT_MS) {
      throw new GeuseError({
        code: 'WAIT_TIMEOUT', kind: 'transient', operation: 'backup:DescribeRestoreJob',
        message: `AWS Backup restore job ${restoreJobId} is still ${job.status} after ${Math.round((Date.now() - started) / 3_600_000)} h.`,
        nextStep: `${again} later: it waits for this job instead of starting another.`,
      });
    }
    wait.waiting(`AWS Backup restore job ${restoreJobId}: ${job.status.toLowerCase()}${job.percentDone ? `, ${job.percentDone.replace(/%$/, '')}%` : ''}`);
    try {
      await sleep(interval, wait.signal);
    } catch {
      throw stoppedWaiting(`restore job ${restoreJobId}`, stack, again);
    }
    interval = Math.min(Math.max(interval * 1.5, wait.pollIntervalMs), MAX_POLL_MS);
  }
}

/** The tags AWS Backup puts on an on-demand recovery point: whose, and why it was taken. */
export function recoveryPointTags(target: Pick<BackupTarget, 'stack' | 'stackId'>, reason: string): Record<string, string> {
  // Backup tag values take letters, digits, spaces and _.:/=+-@ (like EFS's).
  return { [TAG_STACK]: target.stack, [TAG_STACK_ID]: target.stackId, [TAG_MANAGED_BY]: MANAGED_BY, [TAG_BACKUP_REASON]: reason.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '-').slice(0, 256) };
}

/**
 * The backup job the journal says this stack started and did not see end (the vault record's attrs): its token,
 * its id once AWS answered, why and when. A resumed or repeated call waits for it instead of starting another.
 */
interface PendingJob {
  token: string;
  jobId?: string;
  reason: string;
  startedAt: string;
}

function pendingOf(journal: Journal): PendingJob | undefined {
  const attrs = journal.record(BACKUP_KEYS.vault)?.attrs ?? {};
  return attrs.jobToken ? { token: attrs.jobToken, jobId: attrs.jobId || undefined, reason: attrs.jobReason ?? '', startedAt: attrs.jobStartedAt ?? '' } : undefined;
}

function setPending(journal: Journal, pending: PendingJob | undefined): Promise<void> {
  return journal.update((state) => {
    const record = state.resources[BACKUP_KEYS.vault];
    if (!record) return;
    const { jobToken: _token, jobId: _id, jobReason: _reason, jobStartedAt: _at, ...rest } = record.attrs;
    record.attrs = pending
      ? { ...rest, jobToken: pending.token, jobReason: pending.reason, jobStartedAt: pending.startedAt, ...(pending.jobId ? { jobId: pending.jobId } : {}) }
      : rest;
  });
}

async function start(api: BackupApi, target: BackupTarget, token: string, reason: string): Promise<string> {
  try {
    return (await api.startBackupJob({
      vaultName: target.vaultName, resourceArn: target.fileSystemArn, iamRoleArn: target.roleArn, idempotencyToken: token,
      deleteAfterDays: target.retentionDays, recoveryPointTags: recoveryPointTags(target, reason),
    })).backupJobId;
  } catch (error) {
    throw classifyAwsError(error, { operation: 'backup:StartBackupJob' });
  }
}

/**
 * A job an earlier call started and did not see end: found again (re-sent with its token when its answer was lost:
 * AWS Backup answers a repeated token with the same job), waited for, and cleared. It is the answer when it was
 * asked for the same reason within the hour and completed; otherwise the caller goes on to a new backup.
 */
export async function resumePendingJob(journal: Journal, wait: JobWait, target: BackupTarget, reason: string, note: (message: string) => void): Promise<BackupJob | undefined> {
  const pending = pendingOf(journal);
  if (!pending) return undefined;
  let jobId = pending.jobId;
  if (!jobId) {
    jobId = await start(wait.api, target, pending.token, pending.reason);
    await setPending(journal, { ...pending, jobId });
  }
  note(`An earlier backup (${pending.reason || 'no reason recorded'}, job ${jobId}, started ${pending.startedAt}) did not see its end: waiting for it instead of starting another.`);
  let job: BackupJob | undefined;
  try {
    job = await waitBackupJob(wait, target.stack, jobId);
  } catch (error) {
    if (!(error instanceof GeuseError) || error.code !== 'BACKUP_JOB_FAILED') throw error;
    note(error.message);
  }
  await setPending(journal, undefined);
  const recent = Date.now() - Date.parse(pending.startedAt) < SAME_REQUEST_MS;
  return job && pending.reason === reason && recent ? job : undefined;
}

/**
 * Starts an on-demand backup job with its idempotency token journaled first (a lost answer is re-sent with the same
 * token, a crash leaves the token for the next call), journals the job id the moment AWS answers, and waits for it.
 */
export async function startBackupJob(journal: Journal, wait: JobWait, target: BackupTarget, reason: string): Promise<BackupJob> {
  const pending: PendingJob = { token: `gm-${target.stack}-backup-${randomUUID()}`.slice(0, 64), reason, startedAt: new Date().toISOString() };
  await setPending(journal, pending);
  let jobId: string;
  try {
    jobId = await start(wait.api, target, pending.token, reason);
  } catch (error) {
    // AWS refused before acting (permission, invalid input…): nothing runs, so nothing is pending.
    if (error instanceof GeuseError && error.kind !== 'transient' && error.kind !== 'unknown') await setPending(journal, undefined);
    throw error;
  }
  await setPending(journal, { ...pending, jobId });
  try {
    const job = await waitBackupJob(wait, target.stack, jobId);
    await setPending(journal, undefined);
    return job;
  } catch (error) {
    if (error instanceof GeuseError && error.code === 'BACKUP_JOB_FAILED') await setPending(journal, undefined);
    throw error;
  }
}
