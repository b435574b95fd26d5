import type { BackupClient } from '@aws-sdk/client-backup';

/*
 * The AWS Backup calls moto (the test emulator) does not have: selections, backup and restore jobs, recovery
 * points. Behind this interface the engine uses the SDK (SdkBackupApi); tests give recorded real-shaped answers.
 * Vaults and plans are called through clients.backup directly: moto has them.
 */

export type BackupJobState = 'CREATED' | 'PENDING' | 'RUNNING' | 'ABORTING' | 'ABORTED' | 'COMPLETED' | 'FAILED' | 'EXPIRED' | 'PARTIAL';
export type RestoreJobStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'ABORTED' | 'FAILED';

export interface SelectionSummary {
  selectionId: string;
  selectionName: string;
}

export interface Selection extends SelectionSummary {
  iamRoleArn: string;
  /** The ARNs the selection names (our file system's). */
  resources: string[];
}

export interface StartBackupJobInput {
  vaultName: string;
  resourceArn: string;
  iamRoleArn: string;
  /** Makes a repeated start (a lost answer) return the same job. */
  idempotencyToken: string;
  deleteAfterDays: number;
  /** Tags AWS Backup puts on the recovery point (stack, stack id, why it was taken). */
  recoveryPointTags: Record<string, string>;
}

export interface BackupJob {
  backupJobId: string;
  state: BackupJobState;
  percentDone?: number;
  recoveryPointArn?: string;
  statusMessage?: string;
  backupSizeInBytes?: number;
  creationDate?: Date;
  completionDate?: Date;
}

export interface RecoveryPoint {
  recoveryPointArn: string;
  resourceArn: string;
  status: 'COMPLETED' | 'PARTIAL' | 'DELETING' | 'EXPIRED' | 'AVAILABLE' | 'STOPPED' | 'CREATING';
  creationDate: Date;
  completionDate?: Date;
  backupSizeInBytes?: number;
  /** When AWS Backup deletes it (its lifecycle). */
  deleteAt?: Date;
  /** ON_DEMAND (we started it) or the plan's rule. */
  createdBy?: string;
}

export interface StartRestoreJobInput {
  recoveryPointArn: string;
  iamRoleArn: string;
  idempotencyToken: string;
  /** EFS restore metadata: newFileSystem "true", CreationToken, Encrypted, PerformanceMode, file-system-id. */
  metadata: Record<string, string>;
}

export interface RestoreJob {
  restoreJobId: string;
  status: RestoreJobStatus;
  percentDone?: string;
  /** The new file system's ARN, once COMPLETED. */
  createdResourceArn?: string;
  statusMessage?: string;
}

export interface BackupApi {
  createSelection(planId: string, input: { selectionName: string; iamRoleArn: string; resources: string[]; creatorRequestId: string }): Promise<string>;
  listSelections(planId: string): Promise<SelectionSummary[]>;
  getSelection(planId: string, selectionId: string): Promise<Selection | undefined>;
  deleteSelection(planId: string, selectionId: string): Promise<void>;
  startBackupJob(input: StartBackupJobInput): Promise<{ backupJobId: string; recoveryPointArn?: string }>;
  describeBackupJob(backupJobId: string): Promise<BackupJob>;
  /** Every recovery point in the vault, optionally of one resource, newest first. */
  listRecoveryPoints(vaultName: string, resourceArn?: string): Promise<RecoveryPoint[]>;
  deleteRecoveryPoint(vaultName: string, recoveryPointArn: string): Promise<void>;
  /** The tags AWS Backup put on a recovery point (StartBackupJob's RecoveryPointTags: why it was taken). */
  recoveryPointTags(recoveryPointArn: string): Promise<Record<string, string>>;
  startRestoreJob(input: StartRestoreJobInput): Promise<string>;
  describeRestoreJob(restoreJobId: string): Promise<RestoreJob>;
}

/** Makes the BackupApi for one region's clients; the engine's default is the SDK. */
export type BackupApiFactory = (client: BackupClient, region: string) => BackupApi;
