import { stringify } from 'yaml';
import type { z } from 'zod';
import {
  type DiscoveredVpc, estimateMonthly, isLoadBalanced, ON_DEMAND_USD_PER_HOUR, type StackConfig, type StackConfigInput, stackConfigSchema, type Tier, TIER_TABLE, TIERS,
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
  access: ['access', 'cloudFront', 'certificateArn'],
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
  /** Indicative monthly compute-time cost at the tier's typical instance (bundled list prices). */
  monthlyUsd?: number;
  basis?: string;
}

export function tierChoices(market: 'spot' | 'on-demand' = 'on-demand'): TierChoice[] {
  return TIERS.map((tier) => {
    const { adds, typicalInstanceType: typical } = TIER_TABLE[tier];
    const onDemand = ON_DEMAND_USD_PER_HOUR[typical];
    // The whole month of the tier (load balancer, CloudFront and all) at bundled list prices; spot at its ceiling.
    const estimate = onDemand === undefined ? undefined
      : estimateMonthly({ tier, instanceType: typical, market: 'on-demand', rootVolumeGb: 50 }, { usdPerHour: onDemand, source: { kind: 'estimated', reason: 'bundled list prices' } });
    return {
      tier, adds,
      monthlyUsd: estimate ? Math.round(estimate.totalUsd) : undefined,
      basis: estimate ? `${typical} around the clock at its on-demand price${market === 'spot' ? ' (spot usually costs much less)' : ''}, with the tier's load balancer and CloudFront, 20 GB on EFS and assumed traffic; estimated from us-east-1 list prices` : undefined,
    };
  });
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
