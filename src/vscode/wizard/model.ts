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
 * Checks one step with the same schema the engine uses (so the wizard can never accept what deploy refuses),
 * plus what only the wizard knows: names in use and the discovered network.
 */
export function validateStep(step: WizardStep, draft: StackConfigInput, ctx: StepContext): FieldError[] {
  const parsed = stackConfigSchema.safeParse(draft);
  const fields = step === 'review' ? undefined : STEP_FIELDS[step];
  const mine = (field: string) => fields === undefined || fields.some((f) => field === f || field.startsWith(`${f}.`));
  const errors = parsed.success ? [] : issuesOf(parsed.error).filter((e) => mine(e.field));
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
};

function isEmpty(draft: StackConfigInput, field: string): boolean {
  let value: unknown = draft;
  for (const key of field.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/**
 * What a step shows: validateStep's verdict with one error per field (the first is what to fix now; an empty
 * name breaks three rules at once), and an empty field asked for in words about that field.
 */
export function stepErrors(step: WizardStep, draft: StackConfigInput, ctx: StepContext): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of validateStep(step, draft, ctx)) {
    if (seen.has(error.field)) continue;
    seen.add(error.field);
    const empty = EMPTY_WORDS[error.field];
    out.push(empty && isEmpty(draft, error.field) ? { field: error.field, message: empty } : error);
  }
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
