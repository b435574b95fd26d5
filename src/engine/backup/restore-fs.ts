import { randomUUID } from 'node:crypto';
import { TagResourceCommand } from '@aws-sdk/client-efs';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import { GeuseError } from '../errors';
import { describeFileSystemById } from '../resources/efs-describe';
import type { Journal } from '../state/journal';
import { stackTags, type TagOwner } from '../stack/naming';
import { pollUntil } from '../wait';
import type { BackupApi } from './api';
import { waitRestoreJob } from './jobs';
import { fileSystemIdOf } from './points';

/** Tag on a file system a restore made: the recovery point it came from. */
export const TAG_RESTORED_FROM = 'geusemaker:restored-from';

export interface RestoreInto {
  clients: AwsClients;
  api: BackupApi;
  journal: Journal;
  /** The journal key the new file system is recorded under ('efs' for a new stack; 'efs-restore' until a stack is switched). */
  key: string;
  /** Whose it is: its tags say so (the target stack's name and id). */
  owner: TagOwner;
  recoveryPointArn: string;
  /** The file system the recovery point is of (restore metadata's file-system-id). */
  sourceFileSystemId: string;
  roleArn: string;
  pollIntervalMs: number;
  fileSystemTimeoutMs: number;
  signal?: AbortSignal;
  waiting: (what: string) => void;
  /** How to continue after an interruption, for messages. */
  again: string;
}

/**
 * AWS Backup's metadata for a full restore of an EFS recovery point into a new file system (StartRestoreJob's
 * documented keys for EFS): encrypted like every file system we make; the creation token is the journaled
 * idempotency token, so a restore interrupted after AWS made the file system finds it again by that token.
 */
export function restoreMetadata(sourceFileSystemId: string, token: string): Record<string, string> {
  return { 'file-system-id': sourceFileSystemId, newFileSystem: 'true', CreationToken: token, Encrypted: 'true', PerformanceMode: 'generalPurpose' };
}

/**
 * Restores a recovery point into a new file system, journal first: the intent (with the token) before
 * StartRestoreJob, the job id the moment AWS answers, the file system once the job completed. The file system is
 * then tagged as the target stack's (AWS Backup restores none of the source's tags: the source's stack id on it
 * would make it the source's) and waited for until available. A record already holding a completed restore of
 * the same point is reused; an interrupted one is waited for, never started twice.
 */
export async function restoreIntoNewFileSystem(input: RestoreInto): Promise<{ fileSystemId: string; reused: boolean }> {
  const { journal, key, api } = input;
  const record = journal.record(key);
  if (record?.status === 'created' && record.id && record.attrs.restoredFrom === input.recoveryPointArn) return { fileSystemId: record.id, reused: true };
  const resuming = record?.status === 'intent' && record.attrs.restoredFrom === input.recoveryPointArn;
  let token = resuming && record.token ? record.token : undefined;
  let jobId = resuming ? record.attrs.restoreJobId : undefined;
  if (!token) {
    token = `gm-${input.owner.stack}-restore-${randomUUID()}`.slice(0, 64);
    await journal.update((state) => {
      state.resources[key] = { key, kind: 'efs', status: 'intent', token, attrs: { restoredFrom: input.recoveryPointArn }, external: false, updatedAt: new Date().toISOString() };
    });
  }
  if (!jobId) {
    try {
      jobId = await api.startRestoreJob({ recoveryPointArn: input.recoveryPointArn, iamRoleArn: input.roleArn, idempotencyToken: token, metadata: restoreMetadata(input.sourceFileSystemId, token) });
    } catch (error) {
      throw classifyAwsError(error, { profile: input.clients.profile, operation: 'backup:StartRestoreJob' });
    }
    const started = jobId;
    await journal.update((state) => {
      const entry = state.resources[key];
      if (entry) entry.attrs = { ...entry.attrs, restoreJobId: started };
    });
  }
  const job = await waitRestoreJob({ api, pollIntervalMs: input.pollIntervalMs, signal: input.signal, waiting: input.waiting }, input.owner.stack, jobId, input.again);
  const fileSystemId = fileSystemIdOf(job.createdResourceArn);
  if (!fileSystemId) {
    throw new GeuseError({
      code: 'RESTORE_JOB_FAILED', kind: 'unknown', operation: 'backup:DescribeRestoreJob',
      message: `AWS Backup restore job ${jobId} completed, but what it made (${job.createdResourceArn}) is not an EFS file system.`,
      nextStep: 'Check the recovery point in the AWS Backup console: it must be of an EFS file system.',
    });
  }
  try {
    await input.clients.efs.send(new TagResourceCommand({
      ResourceId: fileSystemId,
      Tags: [...stackTags(input.owner, 'efs', `gm-${input.owner.stack}-data`), { Key: TAG_RESTORED_FROM, Value: input.recoveryPointArn }],
    }));
    const what = `restored EFS file system ${fileSystemId} to become available`;
    await pollUntil(async () => {
      const fs = await describeFileSystemById(input.clients, fileSystemId);
      return fs?.LifeCycleState === 'available' ? fs : undefined;
    }, { what, intervalMs: input.pollIntervalMs, timeoutMs: input.fileSystemTimeoutMs, signal: input.signal, onWaiting: () => input.waiting(what) });
  } catch (error) {
    throw classifyAwsError(error, { profile: input.clients.profile });
  }
  await journal.created(key, 'efs', fileSystemId, { restoredFrom: input.recoveryPointArn, restoreJobId: jobId });
  return { fileSystemId, reused: false };
}
