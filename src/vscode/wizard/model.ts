import { stringify } from 'yaml';
import type { z } from 'zod';
import {
  type DiscoveredVpc, isLoadBalanced, type StackConfig, type StackConfigInput, stackConfigSchema, type Tier, TIER_TABLE, TIERS,
} from '../../engine';

import { WIZARD_STEPS, type WizardStepName } from '../../protocol/wizard';

/** The wizard's steps, in order (declared with the protocol, which carries them). */
export { WIZARD_STEPS };
export type WizardStep = WizardStepName;

/** Which config fields each step edits: an error on a field is shown on (and blocks) that step. */
const STEP_FIELDS: Record<WizardStep, readonly string[]> = {
  basics: ['name', 'tier'],
  network: ['region', 'profile', 'network'],
  instance: ['instanceType', 'market', 'onDemandFallback', 'rootVolumeGb'],
  services: ['services', 'ollamaModels'],
  scale: ['scale'],
  access: ['access', 'cloudFront', 'certificateArn', 'notifyEmail'],
  review: [],
};

export interface FieldError {
  /** Dotted path into the config, e.g. "access.cidr". */
  field: string;
  message: string;
}

export interface StepContext {
  /** Stack names already used here (a second stack of the same name would be refused by the engine). */
  existingNames: ReadonlySet<string>;
  /** Networks discovered in the chosen region, to check an existing VPC's subnets. */
  networks?: readonly DiscoveredVpc[];
}

function issuesOf(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ field: issue.path.join('.') || 'config', message: issue.message }));
}

/**
 * What turning scale-out on breaks elsewhere (RDS and ElastiCache need two subnets of an existing network): the
 * errors the draft has with its scale section and lacks without it. They block the scale step, where the choice was made.
 */
function introducedByScale(draft: StackConfigInput, errors: readonly FieldError[]): FieldError[] {
  if (draft.scale === undefined) return [];
  const { scale: _scale, ...without } = draft;
  const parsed = stackConfigSchema.safeParse(without);
  const before = new Set(parsed.success ? [] : issuesOf(parsed.error).map((e) => `${e.field}\n${e.message}`));
  return errors.filter((e) => e.field !== 'scale' && !e.field.startsWith('scale.') && !before.has(`${e.field}\n${e.message}`));
}

/**
 * Checks one step with the same schema the engine uses (so the wizard can never accept what deploy refuses),
 * plus what only the wizard knows: names in use and the discovered network.
 */
export function validateStep(step: WizardStep, draft: StackConfigInput, ctx: StepContext): FieldError[] {
  const parsed = stackConfigSchema.safeParse(draft);
  const fields = step === 'review' ? undefined : STEP_FIELDS[step];
  const mine = (field: string) => fields === undefined || fields.some((f) => field === f || field.startsWith(`${f}.`));
  const all = parsed.success ? [] : issuesOf(parsed.error);
  const errors = all.filter((e) => mine(e.field));
  if (step === 'scale') errors.push(...introducedByScale(draft, all));
  if (mine('name') && typeof draft.name === 'string' && ctx.existingNames.has(draft.name)) {
    errors.push({ field: 'name', message: `a stack named ${draft.name} already exists here; choose another name or redeploy it from the Stacks view` });
  }
  if (mine('network') && draft.network?.mode === 'existing') errors.push(...networkErrors(draft, ctx));
  return errors;
}

/**
 * A field left empty gets what to do instead of the schema's rule for a value ("Choose a VPC", not "must look
 * like vpc-0123abcd"). Where the field has a value, the rule's message stays.
 */
const EMPTY_WORDS: Record<string, string> = {
  name: 'Enter a name for the stack.',
  'network.vpcId': 'Choose a VPC.',
  'network.subnetIds': 'Choose at least one subnet.',
  instanceType: 'Choose an instance type.',
  'access.cidr': 'Enter your address range, such as 203.0.113.7/32.',
  'scale.n8nWorkers.min': 'Enter the fewest n8n workers to keep running, such as 1.',
  'scale.n8nWorkers.max': 'Enter the most n8n workers to run, such as 4.',
  'scale.n8nWorkers.instanceTypes': 'Enter at least one instance type for the n8n workers, such as c7i.large.',
  'scale.n8nWorkers.targetCpuPercent': 'Enter the average CPU to hold the workers at, such as 60.',
  'scale.n8nWorkers.targetWaitingPerWorker': 'Enter how many waiting executions per worker to aim for, such as 10.',
  'scale.ollamaWorkers.min': 'Enter the fewest Ollama workers to keep running, such as 1.',
  'scale.ollamaWorkers.max': 'Enter the most Ollama workers to run, such as 2.',
  'scale.ollamaWorkers.instanceTypes': 'Enter at least one instance type for the Ollama workers, such as g4dn.xlarge.',
  'scale.ollamaWorkers.targetRequestsPerWorker': 'Enter how many requests per worker per minute to aim for, such as 30.',
};

/** Fields the wizard types as numbers; text that is not one gets this instead of zod's "expected number". */
const NUMBER_FIELDS = new Set([
  'scale.n8nWorkers.min', 'scale.n8nWorkers.max', 'scale.n8nWorkers.targetCpuPercent', 'scale.n8nWorkers.targetWaitingPerWorker',
  'scale.ollamaWorkers.min', 'scale.ollamaWorkers.max', 'scale.ollamaWorkers.targetRequestsPerWorker', 'scale.databaseStorageGb',
]);

function valueAt(draft: StackConfigInput, field: string): unknown {
  let value: unknown = draft;
  for (const key of field.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function isEmpty(draft: StackConfigInput, field: string): boolean {
  const value = valueAt(draft, field);
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/**
 * What a step shows: validateStep's verdict with one error per field (the first is what to fix now; an empty
 * name breaks three rules at once), and an empty field asked for in words about that field.
 */
export function stepErrors(step: WizardStep, draft: StackConfigInput, ctx: StepContext): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of foldItems(draft, validateStep(step, draft, ctx))) {
    if (seen.has(error.field)) continue;
    seen.add(error.field);
    const empty = EMPTY_WORDS[error.field];
    if (empty && isEmpty(draft, error.field)) out.push({ field: error.field, message: empty });
    else if (NUMBER_FIELDS.has(error.field) && typeof valueAt(draft, error.field) === 'string') out.push({ field: error.field, message: 'must be a whole number' });
    else out.push(error);
  }
  return out;
}

/**
 * A list's items share one field on the page (a text field of instance types): their errors become one on the list,
 * the schema's message kept and the items it refuses named ("… such as c7i.large (not C7I, LARGE)").
 */
function foldItems(draft: StackConfigInput, errors: readonly FieldError[]): FieldError[] {
  const lists = new Map<string, { error: FieldError; message: string; items: string[] }>();
  const out: FieldError[] = [];
  for (const error of errors) {
    const item = /^(.+)\.(\d+)$/.exec(error.field);
    const list = item ? valueAt(draft, item[1]!) : undefined;
    if (!item || !Array.isArray(list)) {
      out.push(error);
      continue;
    }
    const value = String(list[Number(item[2])]);
    const folded = lists.get(item[1]!);
    if (folded) {
      if (folded.message === error.message) folded.items.push(value);
      continue;
    }
    const entry = { error: { field: item[1]!, message: error.message }, message: error.message, items: [value] };
    lists.set(item[1]!, entry);
    out.push(entry.error);
  }
  for (const { error, message, items } of lists.values()) error.message = `${message} (not ${items.join(', ')})`;
  return out;
}

function networkErrors(draft: StackConfigInput, ctx: StepContext): FieldError[] {
  if (draft.network?.mode !== 'existing' || !ctx.networks) return [];
  const { vpcId, subnetIds } = draft.network;
  const vpc = ctx.networks.find((v) => v.id === vpcId);
  if (!vpc) return [{ field: 'network.vpcId', message: `${vpcId} is not a VPC in ${draft.region ?? 'this region'}` }];
  const chosen = vpc.subnets.filter((s) => subnetIds.includes(s.id));
  const errors: FieldError[] = [];
  const foreign = subnetIds.filter((id) => !vpc.subnets.some((s) => s.id === id));
  if (foreign.length > 0) errors.push({ field: 'network.subnetIds', message: `${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not in ${vpcId}` });
  if (chosen.length > 0 && !chosen.some((s) => s.public)) errors.push({ field: 'network.subnetIds', message: 'none of these subnets routes to an internet gateway, so the instance could not pull its images' });
  const zones = new Set(chosen.filter((s) => s.public).map((s) => s.zone));
  // A load balancer needs public subnets in two AZs (AWS requires two for an ALB).
  if (draft.tier && isLoadBalanced(draft.tier) && zones.size < 2) {
    errors.push({ field: 'network.subnetIds', message: `the ${draft.tier} tier's load balancer needs public subnets in two availability zones; these cover ${zones.size}` });
  }
  return errors;
}

/** The config the wizard produces, or the errors that stop it. */
export function draftToConfig(draft: StackConfigInput, ctx: StepContext): { config: StackConfig } | { errors: FieldError[] } {
  // The review checks every field, including settings kept from a file that no step edits.
  const errors = validateStep('review', draft, ctx);
  if (errors.length > 0) return { errors };
  return { config: stackConfigSchema.parse(draft) };
}

export interface TierChoice {
  tier: Tier;
  adds: string;
}

/** The tiers and what each adds; their prices come from the cost engine with the draft (estimates.ts). */
export function tierChoices(): TierChoice[] {
  return TIERS.map((tier) => ({ tier, adds: TIER_TABLE[tier].adds }));
}

/** "Save as geusemaker.yaml": the chosen settings, only those that differ from the defaults, plus the name. */
export function configYaml(config: StackConfig): string {
  const defaults = stackConfigSchema.parse({ name: config.name });
  const out: Record<string, unknown> = { name: config.name };
  for (const [key, value] of Object.entries(config) as [keyof StackConfig, unknown][]) {
    if (key !== 'name' && JSON.stringify(value) !== JSON.stringify(defaults[key])) out[key] = value;
  }
  return `# Written by the GeuseMaker deploy wizard; every setting is in docs/configuration.md.\n${stringify(out)}`;
}
