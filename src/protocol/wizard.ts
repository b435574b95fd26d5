import * as z from 'zod';
import { CATALOGUE_SERVICES } from '../engine/health/catalogue';
import { scaleSchema } from '../engine/stack/scale-config';
import { cloudFrontIsAlways, cloudFrontIsChoice, isGpuTier, isLoadBalanced, TIER_TABLE, TIERS } from '../engine/tiers';
import { isoTime, readySchema, rejectedSchema, requestId, responseSchema, text } from './common';

/** The deploy wizard's messages, both ways; its view type and persisted state. */

export { WIZARD_VIEW_TYPE } from './view-types';
/** Every step the wizard has; `scale` shows only once the services step turned scale-out on (wizardSteps). */
export const WIZARD_STEPS = ['basics', 'network', 'instance', 'services', 'scale', 'access', 'review'] as const;
export type WizardStepName = (typeof WIZARD_STEPS)[number];

/** The engine's tiers, from the tier table (plain data: it keeps the engine schema's zod out of the webview). */
export const WIZARD_TIERS = TIERS;
const tier = z.enum(WIZARD_TIERS);
const market = z.enum(['spot', 'on-demand']);
const usd = z.number().nonnegative().max(1_000_000);
const short = text(64);

/**
 * A number field as typed: a number, or the text when it is not one (the host's check says "must be a whole
 * number"). Not range-checked here: the engine's scale schema answers a wrong count with its own message.
 */
const count = z.union([z.number().min(-1_000_000).max(1_000_000), text(16)]);
const poolDraft = { min: count, max: count, instanceTypes: z.array(short).max(32), market };

/** The scale section as the wizard edits it (src/engine/stack/scale-config.ts judges it; docs/scaling.md). */
export const scaleDraftSchema = z.strictObject({
  n8nWorkers: z.strictObject({ ...poolDraft, scaleOn: z.enum(['cpu', 'queue']), targetCpuPercent: count, targetWaitingPerWorker: count }),
  ollamaWorkers: z.strictObject({ ...poolDraft, targetRequestsPerWorker: count }).optional(),
  database: z.enum(['rds', 'instance']),
  queue: z.enum(['elasticache', 'instance']),
  // No step edits these; a config file's values are kept.
  databaseClass: short.optional(),
  databaseStorageGb: count.optional(),
  cacheNodeType: short.optional(),
});
export type ScaleDraft = z.infer<typeof scaleDraftSchema>;
export type OllamaWorkersDraft = NonNullable<ScaleDraft['ollamaWorkers']>;

/** Scale-out as it starts when turned on: the engine schema's own defaults (one source for both). */
export function defaultScaleDraft(): ScaleDraft {
  const { n8nWorkers, database, queue } = scaleSchema.parse({});
  return { n8nWorkers: { ...n8nWorkers, instanceTypes: [...n8nWorkers.instanceTypes] }, database, queue };
}

/** The Ollama pool as it starts when added. */
export function defaultOllamaWorkersDraft(): OllamaWorkersDraft {
  const pool = scaleSchema.parse({ ollamaWorkers: {} }).ollamaWorkers!;
  return { ...pool, instanceTypes: [...pool.instanceTypes] };
}

/**
 * What the user has typed so far. Only shapes and sizes are checked here: a wrong value (a bad name, a wide
 * CIDR) must reach the host's validation, which answers with the engine schema's message for it.
 */
export const draftSchema = z.strictObject({
  name: short,
  tier,
  profile: short.optional(),
  region: short,
  network: z.discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('new') }),
    z.strictObject({ mode: z.literal('existing'), vpcId: short, subnetIds: z.array(short).max(32) }),
  ]),
  instanceType: short,
  market,
  onDemandFallback: z.boolean(),
  services: z.strictObject({ n8n: z.boolean(), ollama: z.boolean(), qdrant: z.boolean(), crawl4ai: z.boolean(), postgres: z.boolean() }),
  ollamaModels: z.array(short).max(16),
  access: z.discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('ssm') }),
    z.strictObject({ mode: z.literal('cidr'), cidr: short }),
    z.strictObject({ mode: z.literal('load-balancer'), cidr: short.optional() }),
  ]),
  /** CloudFront in front of the load balancer: the automation tier's choice (gpu always has it). */
  cloudFront: z.boolean().optional(),
  /** Where the Auto Scaling group's notices go (an instance replaced, a launch failed); empty means none. */
  notifyEmail: text(254).optional(),
  /** n8n in queue mode with worker pools (off when absent): the services step turns it on, the scale step edits it. */
  scale: scaleDraftSchema.optional(),
});
export type Draft = z.infer<typeof draftSchema>;

/** The steps this draft walks through: the scale step only while scale-out is on. */
export function wizardSteps(draft: Pick<Draft, 'scale'>): WizardStepName[] {
  return WIZARD_STEPS.filter((step) => step !== 'scale' || draft.scale !== undefined);
}

/** A step the draft no longer has (scale-out turned off, a saved state) gives way to the one before it. */
export function visibleStep(step: WizardStepName, draft: Pick<Draft, 'scale'>): WizardStepName {
  return wizardSteps(draft).includes(step) ? step : WIZARD_STEPS[WIZARD_STEPS.indexOf(step) - 1] ?? 'basics';
}

/** Types with NVIDIA GPUs the gpu tier can use; anything else is not a GPU type. */
const GPU_TYPE = /^(g\d+[a-z]*|p\d+[a-z]*)\./;

/**
 * A new tier keeps what still fits and changes what cannot: the tiers with a load balancer are reached only
 * through it (the others never are), and a GPU tier needs a GPU type. The host's checks judge the result as usual.
 */
export function retier(draft: Draft, tier: Draft['tier'], fallbackType: string): Draft {
  const { cloudFront: _cloudFront, ...rest } = draft;
  // A load balancer's cidr survives only where CloudFront is not always in front (the engine refuses the pair).
  const access: Draft['access'] = isLoadBalanced(tier)
    ? (draft.access.mode === 'load-balancer' && !cloudFrontIsAlways(tier) ? draft.access : { mode: 'load-balancer' })
    : (draft.access.mode === 'load-balancer' ? { mode: 'ssm' } : draft.access);
  const gpuType = GPU_TYPE.test(draft.instanceType);
  const tierDefault = TIER_TABLE[tier].defaultInstanceType;
  const instanceType = isGpuTier(tier) ? (gpuType ? draft.instanceType : tierDefault) : (gpuType ? (GPU_TYPE.test(fallbackType) ? tierDefault : fallbackType) : draft.instanceType);
  return { ...rest, tier, access, instanceType, ...(cloudFrontIsChoice(tier) && draft.cloudFront ? { cloudFront: true } : {}) };
}

export const fieldErrorSchema = z.strictObject({ field: text(80), message: text(500) });
export type WizardFieldError = z.infer<typeof fieldErrorSchema>;

export const tierChoiceSchema = z.strictObject({ tier, adds: text(300) });

/**
 * The cost engine's monthly estimate of the draft as each tier would make it (the chosen tier's is the stack's
 * own), with the assumptions the review lists; no figure means no believable price is known.
 */
export const estimatesSchema = z.strictObject({
  type: z.literal('estimates'), id: requestId,
  tiers: z.array(z.strictObject({ tier, monthlyUsd: usd.optional() })).max(8),
  basis: text(400),
});
export type WizardEstimates = z.infer<typeof estimatesSchema>;

/** The buttons an account problem can offer; the host runs the one pressed (the same fixes as its error messages). */
export const ACCOUNT_FIXES = ['Choose AWS Profile', 'Sign In', 'Open Endpoint Setting', 'Open Settings', 'Open IAM Console'] as const;
export type AccountFix = (typeof ACCOUNT_FIXES)[number];

/** Who the chosen credentials are (sts:GetCallerIdentity), or why they could not be used, for one region and profile. */
export const identitySchema = z.strictObject({
  type: z.literal('identity'),
  region: short,
  profile: short.optional(),
  account: z.string().regex(/^\d{12}$/).optional(),
  arn: text(2048).optional(),
  problem: z.strictObject({ title: text(1000), detail: text(1000), fixes: z.array(z.enum(ACCOUNT_FIXES)).max(3) }).optional(),
});
export type WizardIdentity = z.infer<typeof identitySchema>;

/** The settings changed (a profile was chosen, the endpoint fixed): the account is checked again; `profile` is the one now chosen. */
export const accountSchema = z.strictObject({ type: z.literal('account'), profiles: z.array(short).max(100), profile: short.optional(), chosen: z.boolean() });
export const modelChoiceSchema = z.strictObject({ name: short, sizeGB: z.number().nonnegative().max(1000), what: text(120) });

/** Sent once the webview is ready: everything the first steps need, and the settings' defaults. */
export const initSchema = z.strictObject({
  type: z.literal('init'),
  draft: draftSchema,
  tiers: z.array(tierChoiceSchema).max(8),
  profiles: z.array(short).max(100),
  regions: z.array(short).max(64),
  models: z.array(modelChoiceSchema).max(32),
  /** A workspace folder is open, so "Save as geusemaker.yaml" has somewhere to write. */
  canSave: z.boolean(),
  /** The workspace's geusemaker.yaml (or .yml/.json), when there is one to start from. */
  configFile: text(300).optional(),
});
export type WizardInit = z.infer<typeof initSchema>;

export const subnetSchema = z.strictObject({ id: short, zone: short, cidr: short, public: z.boolean() });
export const vpcSchema = z.strictObject({
  id: short, name: text(256).optional(), cidr: short, isDefault: z.boolean(), stack: short.optional(),
  subnets: z.array(subnetSchema).max(200), publicZones: z.array(short).max(32),
});
export type WizardVpc = z.infer<typeof vpcSchema>;
export const networksSchema = z.strictObject({ type: z.literal('networks'), region: short, vpcs: z.array(vpcSchema).max(100) });

/** Where a price came from, as the UI shows it next to the number ("live", "cached 12 min ago", "estimated"). */
export const priceSourceSchema = z.strictObject({ kind: z.enum(['live', 'cached', 'estimated']), label: text(200) });
export type WizardPriceSource = z.infer<typeof priceSourceSchema>;

export const instanceChoiceSchema = z.strictObject({
  type: short, vcpus: z.number().int().nonnegative().max(1024), memoryGiB: z.number().nonnegative().max(100_000),
  gpus: z.number().int().nonnegative().max(64), gpuName: short.optional(), gpuMemoryGiB: z.number().nonnegative().max(10_000).optional(),
  zones: z.array(short).max(32),
  /** From the cost engine: live, cached or the bundled table (estimated), each labelled. */
  onDemand: z.strictObject({ usd, source: priceSourceSchema }).optional(),
  /** The cheapest spot price among the AZs that offer the type, and that AZ. */
  spot: z.strictObject({ usd, zone: short, source: priceSourceSchema }).optional(),
  /** How much cheaper spot is than on-demand, in percent. */
  savingsPercent: z.number().int().min(-1000).max(100).optional(),
  recommended: z.strictObject({ market, why: text(300) }).optional(),
});
export type InstanceChoice = z.infer<typeof instanceChoiceSchema>;
export const instanceTypesSchema = z.strictObject({ type: z.literal('instanceTypes'), region: short, tier, types: z.array(instanceChoiceSchema).max(64) });

/** The host's verdict on one step of a draft (the answer to `check`, by its id). */
export const checkedSchema = z.strictObject({ type: z.literal('checked'), id: requestId, errors: z.array(fieldErrorSchema).max(40) });

export const reviewSchema = z.strictObject({
  summary: z.array(text(500)).max(10),
  /** The scale section in words (pools, database, queue), when the stack has one. */
  scale: z.array(text(500)).max(8).optional(),
  items: z.array(z.strictObject({ title: text(200), action: z.enum(['create', 'reuse', 'keep', 'use', 'wait', 'update', 'replace', 'delete', 'unchanged']), ids: z.array(text(128)).max(20), note: text(500).optional() })).max(100),
  /** An existing stack's plan is a diff: each changed setting ("instanceType t3.xlarge → t3.2xlarge"), and what the user will notice. */
  changes: z.array(text(500)).max(40).optional(),
  effects: z.array(text(1000)).max(20).optional(),
  warnings: z.array(text(1000)).max(20),
  monthly: z.strictObject({
    totalUsd: usd, lines: z.array(z.strictObject({ item: text(120), usd })).max(16),
    source: z.enum(['live', 'cached', 'estimated']), assumptions: z.array(text(300)).max(16),
    /** A scaled stack: the whole month with every worker pool at its min, and at its max. */
    pools: z.strictObject({ atMinUsd: usd, atMaxUsd: usd }).optional(),
  }).optional(),
});
export type WizardReview = z.infer<typeof reviewSchema>;
export const planSchema = z.strictObject({ type: z.literal('plan'), review: reviewSchema });

/** Lines of the bootstrap log the progress view keeps. */
export const BOOTSTRAP_TAIL_LINES = 40;

export const progressRowSchema = z.strictObject({
  step: short, title: text(200), state: z.enum(['running', 'waiting', 'done', 'failed']),
  elapsedMs: z.number().nonnegative().max(86_400_000), detail: text(2000).optional(),
});
/**
 * What the progress view shows: a deploy, or the deletion of what a failed first deploy created ("Delete What Was
 * Created": a destroy of the new stack, not a return to an earlier configuration).
 */
export const WIZARD_OPERATIONS = ['deploy', 'delete-created'] as const;
export type WizardOperation = (typeof WIZARD_OPERATIONS)[number];

export const progressStateSchema = z.strictObject({
  operation: z.enum(WIZARD_OPERATIONS),
  phase: z.enum(['running', 'cancelling', 'done', 'failed', 'cancelled', 'interrupted']),
  stack: short,
  startedAt: isoTime,
  endedAt: isoTime.optional(),
  rows: z.array(progressRowSchema).max(100),
  notes: z.array(text(1000)).max(50),
  error: z.strictObject({ message: text(2000), nextStep: text(1000) }).optional(),
  /** The instance's bootstrap log, followed over SSM once the instance is up, until it reports ok or failed. */
  bootstrap: z.strictObject({
    state: z.enum(['waiting', 'running', 'ok', 'failed', 'interrupted', 'stopped']),
    step: short.optional(),
    lines: z.array(text(500)).max(BOOTSTRAP_TAIL_LINES),
    note: text(500).optional(),
  }).optional(),
  /** After a deploy: what can be opened. */
  services: z.array(z.strictObject({ name: z.enum(CATALOGUE_SERVICES), displayName: short, canOpen: z.boolean() })).max(16).optional(),
});
export type WizardProgress = z.infer<typeof progressStateSchema>;
export const progressSchema = z.strictObject({ type: z.literal('progress'), progress: progressStateSchema });

/** A draft the host filled in (from geusemaker.yaml): the webview replaces its own and goes to the first step. */
export const draftMessageSchema = z.strictObject({ type: z.literal('draft'), draft: draftSchema, source: text(300), extras: z.array(text(300)).max(20) });

export const hostToWizardSchema = z.discriminatedUnion('type', [
  initSchema, networksSchema, instanceTypesSchema, checkedSchema, planSchema, progressSchema, draftMessageSchema, responseSchema, estimatesSchema, identitySchema, accountSchema,
]);
export type HostToWizard = z.infer<typeof hostToWizardSchema>;

const request = <K extends string, S extends z.ZodRawShape>(type: K, shape: S) => z.strictObject({ type: z.literal(type), id: requestId, ...shape });

export const wizardToHostSchema = z.discriminatedUnion('type', [
  readySchema,
  rejectedSchema,
  request('check', { step: z.enum(WIZARD_STEPS), draft: draftSchema }),
  request('discover', { region: short, profile: short.optional() }),
  request('instanceTypes', { region: short, tier, profile: short.optional() }),
  request('plan', { draft: draftSchema }),
  request('save', { draft: draftSchema }),
  request('deploy', { draft: draftSchema }),
  request('cancel', {}),
  /** After a failed or cancelled first deploy: destroy what it created (the host asks first). */
  request('deleteCreated', {}),
  request('open', { service: z.enum(CATALOGUE_SERVICES) }),
  request('loadFile', {}),
  request('identity', { region: short, profile: short.optional() }),
  request('fix', { fix: z.enum(ACCOUNT_FIXES) }),
  request('estimates', { draft: draftSchema }),
  /** After a deploy: the stack in the Stacks view, a fresh wizard, or close the panel. */
  request('showInStacks', {}),
  request('another', {}),
  request('close', {}),
]);
export type WizardToHost = z.infer<typeof wizardToHostSchema>;
export type WizardRequest = Extract<WizardToHost, { id: number }>;

/** Progress saved before the operation "rollback" was named "delete-created": read under its new name, so a reload keeps the record. */
const savedProgressSchema = z.preprocess(
  (value) => (typeof value === 'object' && value !== null && 'operation' in value && value.operation === 'rollback' ? { ...value, operation: 'delete-created' } : value),
  progressStateSchema,
);

/** What the webview keeps with setState; the serializer checks it before reopening the panel. */
export const wizardPanelStateSchema = z.strictObject({
  version: z.literal(1),
  step: z.enum(WIZARD_STEPS),
  draft: draftSchema,
  progress: savedProgressSchema.optional(),
  /** The config file the draft started from: after a reload the host reads its other settings again. */
  fromFile: text(300).optional(),
});
export type WizardPanelState = z.infer<typeof wizardPanelStateSchema>;
