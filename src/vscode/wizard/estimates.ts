import { type MonthlyEstimate, type StackConfig, type StackConfigInput, stackConfigSchema, TIERS, TIER_TABLE } from '../../engine';
import { retier, type Draft, type WizardEstimates } from '../../protocol/wizard';
import { draftInput } from './draft';

/**
 * One estimate everywhere: the tier step, every step's footer and the review all price the draft with the cost
 * engine (`engine.estimate`), at the same assumptions. Only the tier differs on the tier step, so the figure
 * beside the chosen tier is the one the review shows.
 */

/** A name that passes the schema: an estimate does not depend on it, and the user may not have typed one yet. */
const PLACEHOLDER_NAME = 'estimate';

/**
 * The config the draft would be with `tier` chosen (the chosen tier: the draft itself), over the file's other
 * settings (a root volume from geusemaker.yaml is priced too). Undefined when even the priced fields are invalid.
 */
export function pricedConfig(draft: Draft, tier: Draft['tier'], extras: Record<string, unknown>, fallbackType: string): StackConfig | undefined {
  const shaped = tier === draft.tier ? draft : retier(draft, tier, fallbackType);
  const input = { ...extras, ...draftInput(shaped) } as StackConfigInput;
  // Only what a price depends on must be valid: a half-typed address range or an unpicked VPC does not change it.
  const priced = {
    name: PLACEHOLDER_NAME, tier: input.tier, region: input.region, instanceType: input.instanceType, market: input.market,
    ...(input.profile ? { profile: input.profile } : {}), ...(input.rootVolumeGb === undefined ? {} : { rootVolumeGb: input.rootVolumeGb }),
    ...(input.cloudFront ? { cloudFront: input.cloudFront } : {}),
    access: TIER_TABLE[tier].loadBalancer ? { mode: 'load-balancer' } : { mode: 'ssm' },
  };
  // Scale-out is priced with the rest once its own fields are valid; a half-typed pool does not hide the figure.
  const scaled = input.scale === undefined ? undefined : stackConfigSchema.safeParse({ ...priced, scale: input.scale });
  if (scaled?.success) return scaled.data;
  const parsed = stackConfigSchema.safeParse(priced);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A month whose compute costs nothing is not a price (an emulator's spot record, a broken price list): it is
 * unknown, never $0. The engine already refuses implausible spot prices; this keeps any other zero out.
 */
export function believable(estimate: MonthlyEstimate): boolean {
  const compute = estimate.lines.find((line) => line.item === 'compute');
  return compute !== undefined && Number.isFinite(compute.usd) && compute.usd > 0 && Number.isFinite(estimate.totalUsd);
}

/** What the tier step says the figures are. */
export function estimateBasis(draft: Draft): string {
  return `${draft.market === 'spot' ? 'Spot at the cheapest availability zone (on-demand when no believable spot price is known)' : 'On-demand'} in ${draft.region}, around the clock, with each tier's instance type, load balancer and CloudFront, 20 GB on EFS and the traffic the review lists; the figures follow the choices of the next steps`;
}

/** Each tier's month for this draft, from `estimate` (the engine's); a tier it cannot price is unknown. */
export async function tierEstimates(
  id: number, draft: Draft, extras: Record<string, unknown>, fallbackType: string, estimate: (config: StackConfig) => Promise<MonthlyEstimate>,
): Promise<WizardEstimates> {
  const tiers = await Promise.all(TIERS.map(async (tier) => {
    const config = pricedConfig(draft, tier, extras, fallbackType);
    const monthly = config ? await estimate(config).catch(() => undefined) : undefined;
    return { tier, ...(monthly && believable(monthly) ? { monthlyUsd: Math.round(monthly.totalUsd * 100) / 100 } : {}) };
  }));
  return { type: 'estimates', id, tiers, basis: estimateBasis(draft).slice(0, 400) };
}
