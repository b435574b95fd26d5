import type { InstanceTypeInfo } from '../discovery/instance-types';
import type { PriceBook, PriceSource } from './prices';
import { cheapestPlausible, plausibleSpot, spotSaving } from './plausible';

/** Below this saving, spot's interruptions are not worth it (EngineOptions.spotMinSaving; a setting in the extension). */
export const DEFAULT_SPOT_MIN_SAVING = 0.2;

const percent = (share: number) => Math.round(share * 100);

export interface Placement {
  type: InstanceTypeInfo;
  onDemand?: { usd: number; source: PriceSource };
  /** Cheapest spot price among the AZs that offer the type. */
  spot?: { usd: number; zone: string; source: PriceSource };
  /** 1 - spot / on-demand, when both are known. */
  savings?: number;
  recommended: { market: 'spot' | 'on-demand'; why: string };
}

export function recommendMarket(onDemand: number | undefined, spot: number | undefined, minSaving = DEFAULT_SPOT_MIN_SAVING): Placement['recommended'] {
  if (spot === undefined) return { market: 'on-demand', why: 'no spot price is available for this type here' };
  if (!plausibleSpot(spot, onDemand)) return { market: 'on-demand', why: `no plausible spot price is known for this type here (AWS answered $${Number(spot.toPrecision(3))}/h)` };
  if (onDemand === undefined) return { market: 'spot', why: 'no on-demand price to compare with' };
  const saving = spotSaving(onDemand, spot) ?? 0;
  if (saving < minSaving) {
    return { market: 'on-demand', why: `spot saves only ${percent(saving)}% (under ${percent(minSaving)}%), not worth interruptions` };
  }
  return { market: 'spot', why: `spot saves ${percent(saving)}% versus on-demand` };
}

/** A stack's recommendation, phrased to stand alone (the estimate shows it, the plan warns with it). */
export function recommendForStack(onDemand: number | undefined, spot: number | undefined, minSaving = DEFAULT_SPOT_MIN_SAVING): Placement['recommended'] {
  const recommended = recommendMarket(onDemand, spot, minSaving);
  const saving = spotSaving(onDemand, spot);
  if (recommended.market === 'on-demand' && saving !== undefined) {
    return { market: 'on-demand', why: `on-demand recommended: spot saves only ${percent(saving)}% (under ${percent(minSaving)}%)` };
  }
  return recommended;
}

/** Types ranked by their cheapest price (spot where recommended), with the cheapest offered AZ for each. */
export async function rankPlacements(book: PriceBook, types: readonly InstanceTypeInfo[], region: string, minSaving = DEFAULT_SPOT_MIN_SAVING): Promise<Placement[]> {
  const placements = await Promise.all(types.map(async (type): Promise<Placement> => {
    const [onDemand, spot] = await Promise.all([book.onDemandHourly(type.type, region), book.spotHourly(type.type, region)]);
    const offered = spot?.value.filter((price) => type.zones.includes(price.zone)) ?? [];
    const { cheapest, answered } = cheapestPlausible(offered, onDemand?.value);
    const recommended = recommendMarket(onDemand?.value, answered, minSaving);
    return {
      type: type,
      onDemand: onDemand ? { usd: onDemand.value, source: onDemand.source } : undefined,
      spot: cheapest && spot ? { usd: cheapest.usdPerHour, zone: cheapest.zone, source: spot.source } : undefined,
      savings: spotSaving(onDemand?.value, cheapest?.usdPerHour),
      recommended,
    };
  }));
  const price = (p: Placement) => (p.recommended.market === 'spot' ? p.spot?.usd : p.onDemand?.usd) ?? Number.POSITIVE_INFINITY;
  return placements.sort((a, b) => price(a) - price(b) || a.type.type.localeCompare(b.type.type));
}
