import { DescribeBackupVaultCommand, GetBackupPlanCommand, type BackupClient } from '@aws-sdk/client-backup';
import { CreateFileSystemCommand } from '@aws-sdk/client-efs';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupApi, BackupApiFactory, BackupJob, RecoveryPoint, RestoreJob, Selection, SelectionSummary, StartBackupJobInput, StartRestoreJobInput } from '../../src/engine/backup/api';
import {
  parseBackupJob, parseCreateSelection, parseRecoveryPoints, parseRestoreJob, parseSelection, parseSelectionSummaries,
  parseStartBackupJob, parseStartRestoreJob, parseTags,
} from '../../src/engine/backup/sdk-api';
import { createClients, type AwsClients } from '../../src/engine/aws/clients';
import { testEmulator } from './root-hooks';

/*
 * AWS Backup's selections, backup and restore jobs and recovery points, answered from recorded real-shaped
 * responses (test/fixtures/backup): moto has vaults and plans only. Vaults and plans stay moto's: a selection
 * needs the plan to exist there, a job or a listing needs the vault. Answers go through the engine's own parsers.
 */

const FIXTURES = join(__dirname, '..', 'fixtures', 'backup');
const ACCOUNT = '123456789012';

export type BackupOperation =
  | 'CreateBackupSelection' | 'ListBackupSelections' | 'GetBackupSelection' | 'DeleteBackupSelection'
  | 'StartBackupJob' | 'DescribeBackupJob' | 'ListRecoveryPointsByBackupVault' | 'DeleteRecoveryPoint'
  | 'StartRestoreJob' | 'DescribeRestoreJob' | 'ListTags';

export interface RecordedCall {
  operation: BackupOperation;
  input: unknown;
}

type Wire = Record<string, unknown>;

/** A recorded answer as AWS sends it (timestamps in epoch seconds). */
function fixture(file: string): Wire {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Wire;
}

const TIMESTAMPS = /Date$|^(DeleteAt|MoveToColdStorageAt|StartBy|LastRestoreTime)$/;

/** The SDK's view of a wire answer: its timestamps become Dates, as the SDK's deserializer does. */
function asSdk(value: unknown, key = ''): unknown {
  if (typeof value === 'number' && TIMESTAMPS.test(key)) return new Date(value * 1000);
  if (Array.isArray(value)) return value.map((one) => asSdk(one));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asSdk(v, k)]));
  return value;
}

const seconds = (at: Date): number => at.getTime() / 1000;

/** An AWS service error as the SDK throws it, from a recorded error body. */
function serviceError(file: string, message?: string): Error {
  const { __type, $status, ...members } = fixture(file) as { __type: string; Message: string; $status?: number };
  // As the SDK throws it: the body's members (AWS Backup's own Code, Type, Context) on the error, named by its type.
  return Object.assign(new Error(message ?? members.Message), { ...members, name: __type, $fault: 'client', $metadata: { httpStatusCode: $status ?? 400 } });
}

interface SelectionRecord { planId: string; selectionId: string; name: string; iamRoleArn: string; resources: string[]; creatorRequestId: string; created: Date }
interface PointRecord { arn: string; vaultName: string; resourceArn: string; created: Date; completed: Date; sizeBytes: number; deleteAfterDays: number; planId?: string; tags: Record<string, string> }
interface JobRecord { id: string; token: string; input: StartBackupJobInput; recoveryPointArn: string; created: Date; step: number; fails?: boolean; sizeBytes: number }
interface RestoreRecord { id: string; token: string; input: StartRestoreJobInput; created: Date; step: number; fails?: boolean; createdResourceArn?: string }

/** One state per describe: CREATED → RUNNING → COMPLETED (or FAILED). */
const BACKUP_STATES = ['CREATED', 'RUNNING', 'COMPLETED'] as const;
const RESTORE_STATES = ['PENDING', 'RUNNING', 'COMPLETED'] as const;

/** What a recorded backup weighs unless a test says otherwise: 2 GiB, the size in the recording. */
export const RECORDED_BACKUP_BYTES = 2 * 1024 ** 3;

export class RecordedBackup implements BackupApi {
  /** Every call, in order, with its input. */
  readonly calls: RecordedCall[] = [];
  private readonly selections = new Map<string, SelectionRecord>();
  private readonly points = new Map<string, PointRecord>();
  private readonly jobs = new Map<string, JobRecord>();
  private readonly restores = new Map<string, RestoreRecord>();
  private readonly failures: { operation: BackupOperation; outcome: 'FAILED' | Error }[] = [];
  /** The size the next backups report. */
  backupSizeBytes = RECORDED_BACKUP_BYTES;

  /** `moto` false: no look at moto's vaults and plans (a unit test without the emulator). */
  constructor(readonly region: string, private readonly moto = true) {}

  /**
   * The next call of `operation` throws `error`; or, with 'FAILED', the next job started by StartBackupJob or
   * StartRestoreJob ends FAILED (with AWS's recorded message) instead of COMPLETED.
   */
  failNext(operation: BackupOperation, outcome: 'FAILED' | Error): void {
    this.failures.push({ operation, outcome });
  }

  /** What the plan's own run leaves behind: a completed recovery point made by the plan's rule. */
  addScheduled(resourceArn: string, vaultName: string, options: { created?: Date; sizeBytes?: number; deleteAfterDays?: number; planId?: string } = {}): RecoveryPoint {
    const created = options.created ?? new Date();
    const point = this.addPoint({
      vaultName, resourceArn, created, completed: new Date(created.getTime() + 5 * 60_000), sizeBytes: options.sizeBytes ?? this.backupSizeBytes,
      deleteAfterDays: options.deleteAfterDays ?? 14, planId: options.planId ?? 'scheduled', tags: {},
    });
    return this.answerPoints([point])[0]!;
  }

  /** The recovery points recorded in a vault (any resource), as ListRecoveryPointsByBackupVault would answer. */
  recoveryPointsIn(vaultName: string): RecoveryPoint[] {
    return this.answerPoints([...this.points.values()].filter((p) => p.vaultName === vaultName));
  }

  /** The selections recorded for a plan (tests assert what the engine left). */
  selectionsOf(planId: string): Selection[] {
    return [...this.selections.values()].filter((s) => s.planId === planId).map((s) => ({ selectionId: s.selectionId, selectionName: s.name, iamRoleArn: s.iamRoleArn, resources: [...s.resources] }));
  }

  async createSelection(planId: string, input: { selectionName: string; iamRoleArn: string; resources: string[]; creatorRequestId: string }): Promise<string> {
    this.record('CreateBackupSelection', { planId, ...input });
    await this.requirePlan(planId);
    // CreatorRequestId makes a repeat return the first selection, as AWS does.
    const again = [...this.selections.values()].find((s) => s.planId === planId && s.creatorRequestId === input.creatorRequestId);
    const selection = again ?? { planId, selectionId: randomUUID(), name: input.selectionName, iamRoleArn: input.iamRoleArn, resources: [...input.resources], creatorRequestId: input.creatorRequestId, created: new Date() };
    this.selections.set(selection.selectionId, selection);
    return parseCreateSelection(asSdk({ ...fixture('create-backup-selection.json'), BackupPlanId: planId, SelectionId: selection.selectionId, CreationDate: seconds(selection.created) }));
  }

  async listSelections(planId: string): Promise<SelectionSummary[]> {
    this.record('ListBackupSelections', { planId });
    await this.requirePlan(planId);
    const template = (fixture('list-backup-selections.json').BackupSelectionsList as Wire[])[0]!;
    const list = [...this.selections.values()].filter((s) => s.planId === planId).map((s) => ({
      ...template, BackupPlanId: planId, SelectionId: s.selectionId, SelectionName: s.name, IamRoleArn: s.iamRoleArn, CreatorRequestId: s.creatorRequestId, CreationDate: seconds(s.created),
    }));
    return parseSelectionSummaries(asSdk(list));
  }

  async getSelection(planId: string, selectionId: string): Promise<Selection | undefined> {
    this.record('GetBackupSelection', { planId, selectionId });
    const s = this.selections.get(selectionId);
    if (!s || s.planId !== planId) return undefined;
    const template = fixture('get-backup-selection.json');
    return parseSelection(asSdk({
      ...template, BackupPlanId: planId, SelectionId: selectionId, CreatorRequestId: s.creatorRequestId, CreationDate: seconds(s.created),
      BackupSelection: { ...(template.BackupSelection as Wire), SelectionName: s.name, IamRoleArn: s.iamRoleArn, Resources: s.resources },
    }));
  }

  async deleteSelection(planId: string, selectionId: string): Promise<void> {
    this.record('DeleteBackupSelection', { planId, selectionId });
    const s = this.selections.get(selectionId);
    if (s?.planId === planId) this.selections.delete(selectionId);
  }

  async startBackupJob(input: StartBackupJobInput): Promise<{ backupJobId: string; recoveryPointArn?: string }> {
    this.record('StartBackupJob', input);
    await this.requireVault(input.vaultName);
    // The idempotency token returns the first job for a repeated start.
    let job = [...this.jobs.values()].find((j) => j.token === input.idempotencyToken);
    if (!job) {
      job = {
        id: randomUUID().toUpperCase(), token: input.idempotencyToken, input, created: new Date(), step: 0, sizeBytes: this.backupSizeBytes,
        recoveryPointArn: `arn:aws:backup:${this.region}:${ACCOUNT}:recovery-point:${randomUUID()}`, fails: this.takeJobFailure('StartBackupJob'),
      };
      this.jobs.set(job.id, job);
    }
    return parseStartBackupJob(asSdk({ ...fixture('start-backup-job.json'), BackupJobId: job.id, RecoveryPointArn: job.recoveryPointArn, CreationDate: seconds(job.created) }));
  }

  async describeBackupJob(backupJobId: string): Promise<BackupJob> {
    this.record('DescribeBackupJob', { backupJobId });
    const job = this.jobs.get(backupJobId);
    if (!job) throw serviceError('resource-not-found.json');
    const last = job.step >= BACKUP_STATES.length - 1;
    const state = last && job.fails ? 'FAILED' : BACKUP_STATES[Math.min(job.step, BACKUP_STATES.length - 1)]!;
    job.step++;
    const completed = new Date(job.created.getTime() + 5 * 60_000);
    if (state === 'COMPLETED' && !this.points.has(job.recoveryPointArn)) {
      this.addPoint({
        arn: job.recoveryPointArn, vaultName: job.input.vaultName, resourceArn: job.input.resourceArn, created: job.created, completed,
        sizeBytes: job.sizeBytes, deleteAfterDays: job.input.deleteAfterDays, tags: { ...job.input.recoveryPointTags },
      });
    }
    const wire: Wire = {
      ...fixture('describe-backup-job.json'), BackupJobId: job.id, State: state, BackupVaultName: job.input.vaultName,
      BackupVaultArn: vaultArn(this.region, job.input.vaultName), ResourceArn: job.input.resourceArn, IamRoleArn: job.input.iamRoleArn,
      RecoveryPointArn: job.recoveryPointArn, CreationDate: seconds(job.created), InitiationDate: seconds(job.created),
      RecoveryPointLifecycle: { DeleteAfterDays: job.input.deleteAfterDays },
    };
    if (state === 'FAILED') Object.assign(wire, fixture('backup-job-failed.json'), { CompletionDate: seconds(completed), BackupSizeInBytes: 0, BytesTransferred: 0 });
    else if (state === 'COMPLETED') Object.assign(wire, { CompletionDate: seconds(completed), BackupSizeInBytes: job.sizeBytes, BytesTransferred: job.sizeBytes, PercentDone: '100.0' });
    else {
      // Not finished: AWS leaves the completion and size out and reports progress.
      delete wire.CompletionDate;
      Object.assign(wire, { BackupSizeInBytes: 0, BytesTransferred: 0, PercentDone: state === 'CREATED' ? '0.0' : '42.0' });
    }
    return parseBackupJob(asSdk(wire));
  }

  async listRecoveryPoints(vaultName: string, resourceArn?: string): Promise<RecoveryPoint[]> {
    this.record('ListRecoveryPointsByBackupVault', { vaultName, resourceArn });
    await this.requireVault(vaultName);
    return this.answerPoints([...this.points.values()].filter((p) => p.vaultName === vaultName && (!resourceArn || p.resourceArn === resourceArn)));
  }

  async deleteRecoveryPoint(vaultName: string, recoveryPointArn: string): Promise<void> {
    this.record('DeleteRecoveryPoint', { vaultName, recoveryPointArn });
    const point = this.points.get(recoveryPointArn);
    if (!point || point.vaultName !== vaultName) throw serviceError('resource-not-found.json');
    this.points.delete(recoveryPointArn);
  }

  /** The tags AWS Backup put on a recovery point (StartBackupJob's RecoveryPointTags). */
  async recoveryPointTags(recoveryPointArn: string): Promise<Record<string, string>> {
    this.record('ListTags', { resourceArn: recoveryPointArn });
    const point = this.points.get(recoveryPointArn);
    if (!point) throw serviceError('resource-not-found.json');
    return parseTags({ ...fixture('list-tags.json'), Tags: point.tags });
  }

  async startRestoreJob(input: StartRestoreJobInput): Promise<string> {
    this.record('StartRestoreJob', input);
    if (!this.points.has(input.recoveryPointArn)) throw serviceError('resource-not-found.json');
    let job = [...this.restores.values()].find((j) => j.token === input.idempotencyToken);
    if (!job) {
      job = { id: randomUUID().toUpperCase(), token: input.idempotencyToken, input, created: new Date(), step: 0, fails: this.takeJobFailure('StartRestoreJob') };
      this.restores.set(job.id, job);
    }
    return parseStartRestoreJob(asSdk({ ...fixture('start-restore-job.json'), RestoreJobId: job.id }));
  }

  /** On completion AWS Backup has made a new file system: here a real one in moto, its ARN answered as CreatedResourceArn. */
  async describeRestoreJob(restoreJobId: string): Promise<RestoreJob> {
    this.record('DescribeRestoreJob', { restoreJobId });
    const job = this.restores.get(restoreJobId);
    if (!job) throw serviceError('resource-not-found.json');
    const last = job.step >= RESTORE_STATES.length - 1;
    const status = last && job.fails ? 'FAILED' : RESTORE_STATES[Math.min(job.step, RESTORE_STATES.length - 1)]!;
    job.step++;
    if (status === 'COMPLETED' && !job.createdResourceArn) job.createdResourceArn = await this.restoredFileSystem(job);
    const point = this.points.get(job.input.recoveryPointArn);
    const wire: Wire = {
      ...fixture('describe-restore-job.json'), RestoreJobId: job.id, Status: status, RecoveryPointArn: job.input.recoveryPointArn,
      IamRoleArn: job.input.iamRoleArn, CreationDate: seconds(job.created), SourceResourceArn: point?.resourceArn,
      BackupVaultArn: point ? vaultArn(this.region, point.vaultName) : undefined, RecoveryPointCreationDate: point ? seconds(point.created) : undefined,
    };
    if (status === 'COMPLETED') Object.assign(wire, { CreatedResourceArn: job.createdResourceArn, CompletionDate: seconds(new Date(job.created.getTime() + 5 * 60_000)) });
    else {
      delete wire.CreatedResourceArn;
      delete wire.CompletionDate;
      Object.assign(wire, status === 'FAILED'
        ? { StatusMessage: 'Access denied to the file system while restoring. Check the restore role.', PercentDone: '0.00%' }
        : { PercentDone: status === 'PENDING' ? '0.00%' : '42.00%' });
    }
    return parseRestoreJob(asSdk(wire));
  }

  private record(operation: BackupOperation, input: unknown): void {
    this.calls.push({ operation, input });
    const index = this.failures.findIndex((f) => f.operation === operation && f.outcome instanceof Error);
    if (index >= 0) {
      const [failure] = this.failures.splice(index, 1);
      throw failure!.outcome as Error;
    }
  }

  private takeJobFailure(operation: BackupOperation): boolean {
    const index = this.failures.findIndex((f) => f.operation === operation && f.outcome === 'FAILED');
    if (index < 0) return false;
    this.failures.splice(index, 1);
    return true;
  }

  private addPoint(point: Omit<PointRecord, 'arn'> & { arn?: string }): PointRecord {
    const record = { ...point, arn: point.arn ?? `arn:aws:backup:${this.region}:${ACCOUNT}:recovery-point:${randomUUID()}` };
    this.points.set(record.arn, record);
    return record;
  }

  private answerPoints(points: readonly PointRecord[]): RecoveryPoint[] {
    const template = (fixture('list-recovery-points-by-backup-vault.json').RecoveryPoints as Wire[])[0]!;
    const scheduled = fixture('scheduled-created-by.json');
    return parseRecoveryPoints(asSdk(points.map((p) => ({
      ...template, RecoveryPointArn: p.arn, ResourceArn: p.resourceArn, BackupVaultName: p.vaultName, BackupVaultArn: vaultArn(this.region, p.vaultName),
      CreationDate: seconds(p.created), CompletionDate: seconds(p.completed), BackupSizeInBytes: p.sizeBytes,
      Lifecycle: { DeleteAfterDays: p.deleteAfterDays },
      CalculatedLifecycle: { DeleteAt: seconds(new Date(p.created.getTime() + p.deleteAfterDays * 86_400_000)) },
      CreatedBy: p.planId ? { ...scheduled, BackupPlanId: p.planId } : {},
    }))));
  }

  /** AWS Backup answers a job or listing in a vault that does not exist with ResourceNotFoundException. */
  private async requireVault(vaultName: string): Promise<void> {
    if (!this.moto) return;
    try {
      await this.withMoto((clients) => clients.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: vaultName })));
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') throw serviceError('resource-not-found.json', `Backup vault ${vaultName} does not exist.`);
      throw error;
    }
  }

  /** A selection belongs to a plan moto has (a deleted plan is answered with its DeletionDate, and is gone). */
  private async requirePlan(planId: string): Promise<void> {
    if (!this.moto) return;
    try {
      const plan = await this.withMoto((clients) => clients.backup.send(new GetBackupPlanCommand({ BackupPlanId: planId })));
      if (!plan.DeletionDate) return;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    }
    throw serviceError('resource-not-found.json', `Backup plan ${planId} does not exist.`);
  }

  private async restoredFileSystem(job: RestoreRecord): Promise<string> {
    const m = job.input.metadata;
    const fs = await this.withMoto((clients) => clients.efs.send(new CreateFileSystemCommand({
      CreationToken: m.CreationToken ?? job.token, Encrypted: m.Encrypted !== undefined ? m.Encrypted === 'true' : true,
      PerformanceMode: m.PerformanceMode === 'maxIO' ? 'maxIO' : 'generalPurpose',
    })));
    return fs.FileSystemArn ?? `arn:aws:elasticfilesystem:${this.region}:${ACCOUNT}:file-system/${fs.FileSystemId}`;
  }

  /** Its own clean clients to moto: the engine's may carry injected faults, which are the engine's to meet. */
  private async withMoto<T>(use: (clients: AwsClients) => Promise<T>): Promise<T> {
    const clients = createClients({ region: this.region, endpoint: testEmulator().endpoint, maxAttempts: 1 });
    try {
      return await use(clients);
    } finally {
      clients.destroy();
    }
  }
}

function vaultArn(region: string, name: string): string {
  return `arn:aws:backup:${region}:${ACCOUNT}:backup-vault:${name}`;
}

export interface RecordedBackupFactory extends BackupApiFactory {
  (client: BackupClient, region: string): RecordedBackup;
  /** The one RecordedBackup of a region (made on first use), shared by every engine made with this factory. */
  in(region?: string): RecordedBackup;
}

/** One RecordedBackup per region, shared by every engine given this factory (a CLI run in-process and the test see the same points). */
export function recordedBackup(): RecordedBackupFactory {
  const byRegion = new Map<string, RecordedBackup>();
  const of = (region: string): RecordedBackup => {
    let one = byRegion.get(region);
    if (!one) {
      one = new RecordedBackup(region);
      byRegion.set(region, one);
    }
    return one;
  };
  // The engine's client is not used: see withMoto.
  const factory = ((...[, region]: Parameters<BackupApiFactory>) => of(region)) as RecordedBackupFactory;
  factory.in = (region = 'us-east-1') => of(region);
  return factory;
}
