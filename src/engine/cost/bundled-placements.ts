import { TIER_TABLE, type Tier } from '../tiers';
import { BUNDLED_SIZES, FALLBACK_REGION, ON_DEMAND_USD_PER_HOUR } from './fallback-prices';
import type { Placement } from './placement';

/**
 * The tier's types from the bundled table, cheapest first, for when AWS cannot be asked: on-demand list prices
 * only, each marked estimated with `reason`; no spot prices and no AZs, since only AWS knows those.
 */
export function bundledPlacements(tier: Tier, region: string, reason: string, only?: readonly string[]): Placement[] {
  const why = `${FALLBACK_REGION} list price from the bundled table (${reason})${region === FALLBACK_REGION ? '' : `; ${region} may cost up to about 30% more`}`;
  const placements = (only ?? TIER_TABLE[tier].candidateTypes).flatMap((type): Placement[] => {
    const usd = ON_DEMAND_USD_PER_HOUR[type];
    const size = BUNDLED_SIZES[type];
    if (usd === undefined || size === undefined) return [];
    return [{
      type: {
        type, vcpus: size.vcpus, memoryGiB: size.memoryGiB, architecture: size.architecture, gpus: size.gpu ? 1 : 0,
        ...(size.gpu ? { gpuName: size.gpu.name, gpuMemoryGiB: size.gpu.memoryGiB } : {}), zones: [],
      },
      onDemand: { usd, source: { kind: 'estimated', reason: why } },
      recommended: { market: 'on-demand', why: 'spot prices need AWS, which could not be asked' },
    }];
  });
  return placements.sort((a, b) => (a.onDemand?.usd ?? 0) - (b.onDemand?.usd ?? 0) || a.type.type.localeCompare(b.type.type));
}
