import type { StackConfig } from '../stack/config';
import { EBS_GP3_USD_PER_GB_MONTH, FALLBACK_REGION, HOURS_PER_MONTH, ON_DEMAND_USD_PER_HOUR, PUBLIC_IPV4_USD_PER_HOUR } from './fallback-prices';
import { scaleMonthlyRange } from './scale-estimate';

/** What a running stack costs per hour, with where the number comes from. */
export interface HourlyEstimate {
  usd: number;
  /** Spot: the on-demand price is the most it can cost (the default maximum spot price), not what it costs. */
  upperBound: boolean;
  source: 'estimated';
  basis: string;
}

/**
 * The hourly cost of a running stack's compute-time items (instance, root volume, public IPv4) from the
 * bundled table; undefined for an instance type the table does not know. EFS is billed by size, not by the hour.
 */
export function estimateHourly(config: Pick<StackConfig, 'instanceType' | 'market' | 'rootVolumeGb' | 'region'> & Partial<Pick<StackConfig, 'scale'>>): HourlyEstimate | undefined {
  const instance = ON_DEMAND_USD_PER_HOUR[config.instanceType];
  if (instance === undefined) return undefined;
  const volume = (config.rootVolumeGb * EBS_GP3_USD_PER_GB_MONTH) / HOURS_PER_MONTH;
  // A scaled stack: its pools at their min (spot workers at on-demand, their ceiling), database, queue and internal load balancer.
  const scaled = scaleMonthlyRange(config);
  const scaleUsd = scaled ? scaled.atMinUsd / HOURS_PER_MONTH : 0;
  const usd = instance + volume + PUBLIC_IPV4_USD_PER_HOUR + scaleUsd;
  const spot = config.market === 'spot' || (scaled?.pools.some((pool) => pool.market === 'spot') ?? false);
  const workers = scaled ? ` + the scale section at its pools' min ($${scaleUsd.toFixed(3)}/h: ${scaled.pools.map((p) => `${p.min} ${p.pool} worker(s)`).join(', ')}${scaled.fixedUsd > 0 ? ', database, queue and load balancer' : ''})` : '';
  return {
    usd, upperBound: spot, source: 'estimated',
    basis: `${config.instanceType} on-demand $${instance}/h${config.market === 'spot' ? ' (spot costs less; this is its ceiling)' : ''} + ${config.rootVolumeGb} GiB gp3 + public IPv4${workers}, ${FALLBACK_REGION} list prices${config.region === FALLBACK_REGION ? '' : ` (stack in ${config.region}: may differ)`}`,
  };
}

/** "$0.172/h est." or "≤ $0.172/h est." for spot. */
export function formatHourly(estimate: HourlyEstimate): string {
  return `${estimate.upperBound ? '≤ ' : ''}$${estimate.usd.toFixed(3)}/h est.`;
}
