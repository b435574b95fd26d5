import {
  CreateBackupPlanCommand, DeleteBackupPlanCommand, GetBackupPlanCommand, paginateListBackupPlans, UpdateBackupPlanCommand,
  type BackupPlan, type BackupPlanInput,
} from '@aws-sdk/client-backup';
import type { AwsClients } from '../aws/clients';
import type { StepContext } from '../context';
import { refused } from '../errors';
import type { DeleteContext } from '../kinds/types';
import { ensureResource, onceOf, type Found } from '../resources/ensure';
import { actOnce } from '../resources/once';
import type { SweptResource } from '../resources/sweep';
import { backupCron, type BackupSettings } from '../stack/config';
import { stackTags, tagValue, TAG_STACK_ID, type Tag } from '../stack/naming';
import type { BackupApi } from './api';
import { backupApiFor } from './bound';
import { BACKUP_KEYS, backupPlanName, backupSelectionName } from './names';
import { backupTags, ensureBackupTags, sweptBackup, tagMap } from './tags';
import { backupExtras, isGone, lacksApi } from './vault-resources';

/** The plan's one rule: AWS Backup runs it on the schedule and deletes each recovery point after the retention. */
export const BACKUP_RULE_NAME = 'geusemaker-efs';

export function wantedPlan(stack: string, vaultName: string, backup: BackupSettings): BackupPlanInput {
  return {
    BackupPlanName: backupPlanName(stack),
    Rules: [{ RuleName: BACKUP_RULE_NAME, TargetBackupVaultName: vaultName, ScheduleExpression: backupCron(backup), Lifecycle: { DeleteAfterDays: backup.retentionDays } }],
  };
}

/** Only what we set is compared: AWS adds the rule id, windows and time zone. */
export function samePlan(held: BackupPlan | undefined, wanted: BackupPlanInput): boolean {
  const rule = held?.Rules?.length === 1 ? held.Rules[0] : undefined;
  const want = wanted.Rules![0]!;
  return held?.BackupPlanName === wanted.BackupPlanName && rule !== undefined && rule.RuleName === want.RuleName
    && rule.TargetBackupVaultName === want.TargetBackupVaultName && rule.ScheduleExpression === want.ScheduleExpression
    && rule.Lifecycle?.DeleteAfterDays === want.Lifecycle?.DeleteAfterDays && rule.Lifecycle?.MoveToColdStorageAfterDays === undefined;
}

export interface PlanView {
  id: string;
  arn: string;
  plan?: BackupPlan;
  creatorRequestId?: string;
}

/** A plan AWS still has (a deleted one is answered with its DeletionDate: gone). */
export async function describePlan(clients: AwsClients, id: string): Promise<PlanView | undefined> {
  try {
    const out = await clients.backup.send(new GetBackupPlanCommand({ BackupPlanId: id }));
    if (out.DeletionDate) return undefined;
    return { id, arn: out.BackupPlanArn ?? '', plan: out.BackupPlan, creatorRequestId: out.CreatorRequestId };
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/** Plan names are unique in an account and region: the stack's fixed name finds it. */
export async function findPlanByName(clients: AwsClients, name: string): Promise<PlanView | undefined> {
  for await (const page of paginateListBackupPlans({ client: clients.backup }, {})) {
    const plan = page.BackupPlansList?.find((p) => p.BackupPlanName === name && !p.DeletionDate);
    if (plan?.BackupPlanId) return { id: plan.BackupPlanId, arn: plan.BackupPlanArn ?? '', creatorRequestId: plan.CreatorRequestId };
  }
  return undefined;
}

export async function sweepPlans(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const plan = await findPlanByName(clients, backupPlanName(stack));
  if (!plan) return [];
  return [sweptBackup('backup-plan', plan.id, (await backupTags(clients, plan.arn)) ?? [])];
}

export function fileSystemArn(region: string, accountId: string, fileSystemId: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:elasticfilesystem:${region}:${accountId}:file-system/${fileSystemId}`;
}

export interface PlanInputs {
  vaultName: string;
  roleArn: string;
  fileSystemId: string;
}

/**
 * The plan (one rule: schedule, retention, our vault) and its selection of the stack's file system. A reused plan
 * is read and updated in place only where it differs; a selection of anything but the current file system (a
 * restore switched it) is replaced. moto has no selections: an endpoint without them is a note, not a failure.
 */
export async function ensureBackupPlan(ctx: StepContext, inputs: PlanInputs): Promise<{ outcome: 'created' | 'reused'; detail: string; planId: string }> {
  const wanted = wantedPlan(ctx.stack, inputs.vaultName, ctx.config.backup);
  const tags = stackTags(ctx, BACKUP_KEYS.plan, wanted.BackupPlanName);
  let held: { view: PlanView; tags?: Tag[] } | undefined;
  const ours = async (view: PlanView | undefined): Promise<Found | undefined> => {
    if (!view) return undefined;
    const heldTags = await backupTags(ctx.clients, view.arn);
    const token = ctx.journal.record(BACKUP_KEYS.plan)?.token;
    if (tagValue(heldTags, TAG_STACK_ID) !== ctx.stackId && !(token && view.creatorRequestId === token)) {
      throw refused('NAME_TAKEN', `The AWS Backup plan ${wanted.BackupPlanName} (${view.id}) already exists in ${ctx.clients.region} and does not belong to this stack; it was left alone.`,
        `Choose another stack name; if it belongs to a stack of yours deployed from elsewhere, take that stack over with \`geusemaker deploy ${ctx.stack} --adopt\`.`);
    }
    held = { view, tags: heldTags };
    return { id: view.id, attrs: { arn: view.arn } };
  };
  const { found, outcome } = await ensureResource(ctx, {
    key: BACKUP_KEYS.plan, kind: 'backup-plan',
    describe: async (id) => ours(await describePlan(ctx.clients, id)),
    findOrphan: async () => ours(await findPlanByName(ctx.clients, wanted.BackupPlanName!)),
    create: async (token) => {
      const out = await ctx.clients.backup.send(new CreateBackupPlanCommand({ BackupPlan: wanted, BackupPlanTags: tagMap(tags), CreatorRequestId: token }));
      return { id: out.BackupPlanId!, attrs: { arn: out.BackupPlanArn ?? '', selectionId: '' } };
    },
  });
  const planId = found.id;
  let changed = '';
  if (outcome === 'reused' && held) {
    const plan = held.view.plan ?? (await describePlan(ctx.clients, planId))?.plan;
    if (!samePlan(plan, wanted)) changed = await updatePlan(ctx, planId, wanted);
    await ensureBackupTags(ctx.clients, found.attrs?.arn ?? held.view.arn, held.tags, tags);
  }
  const selection = await ensureSelection(ctx, planId, inputs);
  const rule = wanted.Rules![0]!;
  return { outcome, planId, detail: `${planId}: ${rule.ScheduleExpression}, kept ${rule.Lifecycle?.DeleteAfterDays} days, into ${inputs.vaultName}${changed}; ${selection}` };
}

async function updatePlan(ctx: StepContext, planId: string, wanted: BackupPlanInput): Promise<string> {
  try {
    await ctx.clients.backup.send(new UpdateBackupPlanCommand({ BackupPlanId: planId, BackupPlan: wanted }));
    return ' (updated in place)';
  } catch (error) {
    if (!lacksApi(error)) throw error;
    await ctx.report.note('The endpoint does not implement backup:UpdateBackupPlan (an emulator): the plan keeps its previous schedule and retention.');
    return ' (not updated: the endpoint lacks the API)';
  }
}

async function ensureSelection(ctx: StepContext, planId: string, inputs: PlanInputs): Promise<string> {
  const api = await backupApiFor(ctx);
  const fsArn = fileSystemArn(ctx.clients.region, ctx.facts.accountId, inputs.fileSystemId);
  try {
    const selectionId = await selectionOf(ctx, api, planId, inputs.roleArn, fsArn);
    await ctx.journal.created(BACKUP_KEYS.plan, 'backup-plan', planId, { selectionId });
    return `selection ${selectionId} of ${inputs.fileSystemId}`;
  } catch (error) {
    if (!lacksApi(error)) throw error;
    await ctx.report.note('The endpoint does not implement AWS Backup selections (an emulator): the plan backs up nothing until a selection of the file system exists.');
    return 'no selection (the endpoint lacks the API)';
  }
}

/** The selection naming exactly the current file system with our role: reused, else made (any other of ours replaced). */
async function selectionOf(ctx: StepContext, api: BackupApi, planId: string, roleArn: string, fsArn: string): Promise<string> {
  const name = backupSelectionName(ctx.stack);
  const fits = (s: { resources: string[]; iamRoleArn: string } | undefined) => s !== undefined && s.resources.length === 1 && s.resources[0] === fsArn && s.iamRoleArn === roleArn;
  const journaled = ctx.journal.record(BACKUP_KEYS.plan)?.attrs.selectionId;
  if (journaled && fits(await api.getSelection(planId, journaled))) return journaled;
  // Selections cannot be changed: one of ours naming anything else (another file system, an older role) is replaced.
  for (const summary of await api.listSelections(planId)) {
    if (summary.selectionName !== name) continue;
    if (fits(await api.getSelection(planId, summary.selectionId))) return summary.selectionId;
    ctx.report.waiting(`replacing backup selection ${summary.selectionId}: it does not name ${fsArn}`);
    await api.deleteSelection(planId, summary.selectionId);
  }
  // The request id follows the plan and file system, so a repeat after a lost answer is the same request.
  const creatorRequestId = `gm-${ctx.stackId}-${planId}-${fsArn.split('/').pop()}`.slice(0, 128);
  const { value } = await actOnce(onceOf(ctx), {
    send: () => api.createSelection(planId, { selectionName: name, iamRoleArn: roleArn, resources: [fsArn], creatorRequestId }),
    find: async () => {
      for (const summary of await api.listSelections(planId)) {
        if (summary.selectionName === name && fits(await api.getSelection(planId, summary.selectionId))) return summary.selectionId;
      }
      return undefined;
    },
  });
  return value;
}

/** Selections first: AWS refuses to delete a plan that still has one. */
export async function deletePlans(ctx: DeleteContext, ids: readonly string[]): Promise<void> {
  const api = await backupApiFor({ clients: ctx.clients, backup: backupExtras(ctx).backup });
  for (const planId of ids) {
    try {
      for (const selection of await api.listSelections(planId)) {
        ctx.waiting(`backup plan ${planId}: deleting selection ${selection.selectionId}`);
        await api.deleteSelection(planId, selection.selectionId);
      }
    } catch (error) {
      // No selections to delete: the plan is gone, or the endpoint has no selections (an emulator).
      if (!isGone(error) && !lacksApi(error)) throw error;
    }
    try {
      await ctx.clients.backup.send(new DeleteBackupPlanCommand({ BackupPlanId: planId }));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
