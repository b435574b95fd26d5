import {
  CreateBackupSelectionCommand, DeleteBackupSelectionCommand, DeleteRecoveryPointCommand, DescribeBackupJobCommand,
  DescribeRestoreJobCommand, GetBackupSelectionCommand, ListTagsCommand, paginateListBackupSelections, paginateListRecoveryPointsByBackupVault,
  StartBackupJobCommand, StartRestoreJobCommand, type BackupClient,
} from '@aws-sdk/client-backup';
import { z } from 'zod';
import type { BackupApi, BackupJob, RecoveryPoint, RestoreJob, Selection, SelectionSummary } from './api';

/*
 * The answers we depend on, parsed as the SDK hands them over (timestamps already Dates). Exported so the tests'
 * recorded answers go through the very same parsers.
 */

const date = z.date();

const createSelectionSchema = z.object({ SelectionId: z.string().min(1) });

const selectionSummarySchema = z.object({ SelectionId: z.string().min(1), SelectionName: z.string() });

const getSelectionSchema = z.object({
  SelectionId: z.string().min(1),
  BackupSelection: z.object({ SelectionName: z.string(), IamRoleArn: z.string(), Resources: z.array(z.string()).optional() }),
});

const startBackupJobSchema = z.object({ BackupJobId: z.string().min(1), RecoveryPointArn: z.string().optional() });

const backupJobSchema = z.object({
  BackupJobId: z.string().min(1),
  State: z.enum(['CREATED', 'PENDING', 'RUNNING', 'ABORTING', 'ABORTED', 'COMPLETED', 'FAILED', 'EXPIRED', 'PARTIAL']),
  PercentDone: z.string().optional(),
  RecoveryPointArn: z.string().optional(),
  StatusMessage: z.string().optional(),
  BackupSizeInBytes: z.number().optional(),
  CreationDate: date.optional(),
  CompletionDate: date.optional(),
});

const recoveryPointSchema = z.object({
  RecoveryPointArn: z.string().min(1),
  ResourceArn: z.string(),
  Status: z.enum(['COMPLETED', 'PARTIAL', 'DELETING', 'EXPIRED', 'AVAILABLE', 'STOPPED', 'CREATING']),
  CreationDate: date,
  CompletionDate: date.optional(),
  BackupSizeInBytes: z.number().optional(),
  CalculatedLifecycle: z.object({ DeleteAt: date.optional() }).optional(),
  CreatedBy: z.object({ BackupPlanId: z.string().optional(), BackupRuleId: z.string().optional() }).optional(),
});

const startRestoreSchema = z.object({ RestoreJobId: z.string().min(1) });

const restoreJobSchema = z.object({
  RestoreJobId: z.string().min(1),
  Status: z.enum(['PENDING', 'RUNNING', 'COMPLETED', 'ABORTED', 'FAILED']),
  PercentDone: z.string().optional(),
  CreatedResourceArn: z.string().optional(),
  StatusMessage: z.string().optional(),
});

/** A parse failure names the operation: an answer we cannot read is never taken as an empty one. */
function parse<T>(schema: z.ZodType<T>, operation: string, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new Error(`AWS Backup's ${operation} answer is not what AWS documents (${issue?.path.join('.') || 'answer'}: ${issue?.message ?? 'unreadable'}).`);
}

function percent(text: string | undefined): number | undefined {
  const value = text === undefined ? NaN : Number.parseFloat(text);
  return Number.isFinite(value) ? value : undefined;
}

export function parseCreateSelection(out: unknown): string {
  return parse(createSelectionSchema, 'CreateBackupSelection', out).SelectionId;
}

export function parseSelectionSummaries(list: unknown): SelectionSummary[] {
  return parse(z.array(selectionSummarySchema), 'ListBackupSelections', list ?? []).map((s) => ({ selectionId: s.SelectionId, selectionName: s.SelectionName }));
}

export function parseSelection(out: unknown): Selection {
  const s = parse(getSelectionSchema, 'GetBackupSelection', out);
  return { selectionId: s.SelectionId, selectionName: s.BackupSelection.SelectionName, iamRoleArn: s.BackupSelection.IamRoleArn, resources: s.BackupSelection.Resources ?? [] };
}

export function parseStartBackupJob(out: unknown): { backupJobId: string; recoveryPointArn?: string } {
  const s = parse(startBackupJobSchema, 'StartBackupJob', out);
  return { backupJobId: s.BackupJobId, recoveryPointArn: s.RecoveryPointArn };
}

export function parseBackupJob(out: unknown): BackupJob {
  const j = parse(backupJobSchema, 'DescribeBackupJob', out);
  return {
    backupJobId: j.BackupJobId, state: j.State, percentDone: percent(j.PercentDone), recoveryPointArn: j.RecoveryPointArn,
    statusMessage: j.StatusMessage, backupSizeInBytes: j.BackupSizeInBytes, creationDate: j.CreationDate, completionDate: j.CompletionDate,
  };
}

/** Newest first. A point the plan made names the plan's rule; one we started on demand names no plan. */
export function parseRecoveryPoints(list: unknown): RecoveryPoint[] {
  return parse(z.array(recoveryPointSchema), 'ListRecoveryPointsByBackupVault', list ?? [])
    .map((p) => ({
      recoveryPointArn: p.RecoveryPointArn, resourceArn: p.ResourceArn, status: p.Status, creationDate: p.CreationDate,
      completionDate: p.CompletionDate, backupSizeInBytes: p.BackupSizeInBytes, deleteAt: p.CalculatedLifecycle?.DeleteAt,
      createdBy: p.CreatedBy?.BackupPlanId ? (p.CreatedBy.BackupRuleId ?? p.CreatedBy.BackupPlanId) : 'ON_DEMAND',
    }))
    .sort((a, b) => b.creationDate.getTime() - a.creationDate.getTime());
}

export function parseTags(out: unknown): Record<string, string> {
  return parse(z.object({ Tags: z.record(z.string(), z.string()).optional() }), 'ListTags', out).Tags ?? {};
}

export function parseStartRestoreJob(out: unknown): string {
  return parse(startRestoreSchema, 'StartRestoreJob', out).RestoreJobId;
}

export function parseRestoreJob(out: unknown): RestoreJob {
  const j = parse(restoreJobSchema, 'DescribeRestoreJob', out);
  return { restoreJobId: j.RestoreJobId, status: j.Status, percentDone: j.PercentDone, createdResourceArn: j.CreatedResourceArn, statusMessage: j.StatusMessage };
}

function isGone(error: unknown): boolean {
  return (error as { name?: string }).name === 'ResourceNotFoundException';
}

/** The BackupApi over the SDK (real AWS). An endpoint without these calls (moto) fails as ENDPOINT_API_MISSING when classified. */
export function sdkBackupApi(client: BackupClient, region: string): BackupApi {
  void region;
  return {
    async createSelection(planId, input) {
      return parseCreateSelection(await client.send(new CreateBackupSelectionCommand({
        BackupPlanId: planId, CreatorRequestId: input.creatorRequestId,
        BackupSelection: { SelectionName: input.selectionName, IamRoleArn: input.iamRoleArn, Resources: input.resources },
      })));
    },
    async listSelections(planId) {
      const all: SelectionSummary[] = [];
      for await (const page of paginateListBackupSelections({ client }, { BackupPlanId: planId })) all.push(...parseSelectionSummaries(page.BackupSelectionsList));
      return all;
    },
    async getSelection(planId, selectionId) {
      try {
        return parseSelection(await client.send(new GetBackupSelectionCommand({ BackupPlanId: planId, SelectionId: selectionId })));
      } catch (error) {
        if (isGone(error)) return undefined;
        throw error;
      }
    },
    async deleteSelection(planId, selectionId) {
      try {
        await client.send(new DeleteBackupSelectionCommand({ BackupPlanId: planId, SelectionId: selectionId }));
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    },
    async startBackupJob(input) {
      return parseStartBackupJob(await client.send(new StartBackupJobCommand({
        BackupVaultName: input.vaultName, ResourceArn: input.resourceArn, IamRoleArn: input.iamRoleArn, IdempotencyToken: input.idempotencyToken,
        Lifecycle: { DeleteAfterDays: input.deleteAfterDays }, RecoveryPointTags: input.recoveryPointTags,
      })));
    },
    async describeBackupJob(backupJobId) {
      return parseBackupJob(await client.send(new DescribeBackupJobCommand({ BackupJobId: backupJobId })));
    },
    async listRecoveryPoints(vaultName, resourceArn) {
      const all: RecoveryPoint[] = [];
      for await (const page of paginateListRecoveryPointsByBackupVault({ client }, { BackupVaultName: vaultName, ByResourceArn: resourceArn })) {
        all.push(...parseRecoveryPoints(page.RecoveryPoints));
      }
      return all.sort((a, b) => b.creationDate.getTime() - a.creationDate.getTime());
    },
    async deleteRecoveryPoint(vaultName, recoveryPointArn) {
      try {
        await client.send(new DeleteRecoveryPointCommand({ BackupVaultName: vaultName, RecoveryPointArn: recoveryPointArn }));
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    },
    async recoveryPointTags(recoveryPointArn) {
      return parseTags(await client.send(new ListTagsCommand({ ResourceArn: recoveryPointArn })));
    },
    async startRestoreJob(input) {
      return parseStartRestoreJob(await client.send(new StartRestoreJobCommand({
        RecoveryPointArn: input.recoveryPointArn, IamRoleArn: input.iamRoleArn, IdempotencyToken: input.idempotencyToken,
        Metadata: input.metadata, ResourceType: 'EFS',
      })));
    },
    async describeRestoreJob(restoreJobId) {
      return parseRestoreJob(await client.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId })));
    },
  };
}
