import { EBS_GP3_USD_PER_GB_MONTH, FALLBACK_REGION, HOURS_PER_MONTH, ON_DEMAND_USD_PER_HOUR, PUBLIC_IPV4_USD_PER_HOUR } from '../../engine/cost/fallback-prices';
import type { EstimateLine, MonthlyEstimate } from '../../engine/cost/estimate';
import type { DeployPlan } from '../../engine/plan/plan';
import type { StackConfig } from '../../engine/stack/config';
import type { WizardReview } from '../../protocol/wizard';

const cut = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);
const cents = (usd: number) => Math.round(usd * 100) / 100;

/**
 * A month around the clock from the bundled list prices. Spot is shown at its ceiling (the on-demand price):
 * what spot really costs needs live prices, which this version does not fetch.
 */
export function monthlyEstimate(config: StackConfig): WizardReview['monthly'] {
  const hourly = ON_DEMAND_USD_PER_HOUR[config.instanceType];
  if (hourly === undefined) return undefined;
  const lines = [
    { item: `${config.instanceType} ${config.market === 'spot' ? 'spot (at most)' : 'on-demand'}`, usd: cents(hourly * HOURS_PER_MONTH) },
    { item: `${config.rootVolumeGb} GiB gp3 root disk`, usd: cents(config.rootVolumeGb * EBS_GP3_USD_PER_GB_MONTH) },
    { item: 'Public IPv4 address', usd: cents(PUBLIC_IPV4_USD_PER_HOUR * HOURS_PER_MONTH) },
  ];
  return {
    totalUsd: cents(lines.reduce((sum, line) => sum + line.usd, 0)), lines, source: 'estimated',
    assumptions: [
      `Running ${HOURS_PER_MONTH} hours a month; pausing the stack stops the instance's share.`,
      `${FALLBACK_REGION} list prices${config.region === FALLBACK_REGION ? '' : `; ${config.region} may cost up to about 30% more`}.`,
      ...(config.market === 'spot' ? ['Spot usually costs 60–70% less than shown; the on-demand price is its ceiling.'] : []),
      'EFS storage and data transfer are billed by use and not included.',
    ],
  };
}

const ITEM_WORDS: Record<EstimateLine['item'], string> = {
  compute: 'Instance', ebs: 'Root disk (gp3)', efs: 'EFS storage', 'public-ipv4': 'Public IPv4 address', alb: 'Load balancer', cloudfront: 'CloudFront', 'data-transfer': 'Data out',
};

/** The cost engine's estimate in the protocol's shape: each line's basis (price, assumption) becomes an assumption line. */
export function fromEngineEstimate(estimate: MonthlyEstimate): NonNullable<WizardReview['monthly']> {
  const compute = estimate.lines.find((line) => line.item === 'compute');
  return {
    totalUsd: cents(estimate.totalUsd),
    lines: estimate.lines.slice(0, 12).map((line) => ({ item: cut(ITEM_WORDS[line.item], 120), usd: cents(line.usd) })),
    source: compute?.source ?? 'estimated',
    assumptions: [
      ...estimate.lines.slice(0, 6).map((line) => cut(`${ITEM_WORDS[line.item]}: ${line.basis} (${line.source})`, 300)),
      ...(estimate.spotSavings ? [cut(`Spot saves ${estimate.spotSavings.percent}% on compute against on-demand.`, 300)] : []),
    ].slice(0, 8),
  };
}

/** What the review step shows: the engine's plan, bounded for the protocol, and the estimate (the cost engine's when given). */
export function reviewOf(plan: DeployPlan, estimate?: MonthlyEstimate): WizardReview {
  const { config, facts } = plan;
  const services = Object.entries(config.services).filter(([, on]) => on).map(([name]) => name);
  const monthly = estimate ? fromEngineEstimate(estimate) : monthlyEstimate(config);
  return {
    summary: [
      `Stack ${config.name}: ${config.tier} tier in ${config.region}, account ${facts.accountId}`,
      `${config.instanceType} (${facts.architecture}), ${config.market}${config.market === 'spot' && config.onDemandFallback ? ' with on-demand fallback' : ''}, ${config.rootVolumeGb} GiB root disk, AZs ${facts.zones.join(', ')}`,
      `Network: ${config.network.mode === 'new' ? 'a new VPC' : `${config.network.vpcId} (${config.network.subnetIds.join(', ')})`}. Access: ${config.access.mode === 'ssm' ? 'SSM tunnels only' : `port 80 from ${config.access.cidr}`}.`,
      `Services: ${services.join(', ')}${config.services.ollama && config.ollamaModels.length > 0 ? `; models ${config.ollamaModels.join(', ')}` : ''}.`,
    ].map((line) => cut(line, 500)),
    items: plan.items.slice(0, 100).map((item) => ({
      title: cut(item.title, 200), action: item.action, ids: item.ids.slice(0, 20).map((id) => cut(id, 128)),
      ...(item.note ? { note: cut(item.note, 500) } : {}),
    })),
    warnings: plan.warnings.slice(0, 20).map((w) => cut(w, 1000)),
    ...(monthly ? { monthly } : {}),
  };
}
