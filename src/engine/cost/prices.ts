import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { PRICE_TTL_MS, type PriceCache } from './cache';
import { FALLBACK_REGION, ON_DEMAND_USD_PER_HOUR } from './fallback-prices';
import { onDemandInstanceFilters, pickOnDemandPrice } from './price-list';
import type { PricingApi } from './pricing-api';
import { currentSpotPrices, type SpotPrice } from './spot';

/** Where a number came from; the UI shows it next to every price. */
export type PriceSource = { kind: 'live' } | { kind: 'cached'; ageMs: number } | { kind: 'estimated'; reason: string };

export interface Priced<T = number> {
  value: T;
  source: PriceSource;
}

export function describeSource(source: PriceSource): string {
  if (source.kind === 'live') return 'live';
  if (source.kind === 'cached') return `cached ${Math.max(1, Math.round(source.ageMs / 60_000))} min ago`;
  return 'estimated';
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]!.slice(0, 200) : String(error);
}

const spotSchema = z.array(z.object({ zone: z.string(), usdPerHour: z.number(), since: z.string() }));

/**
 * Prices for one account: live from AWS, else the on-disk cache (even stale), else the bundled table.
 * Never throws for a price it can estimate: a denied or unreachable Price List must not stop a plan.
 */
export class PriceBook {
  constructor(private readonly deps: { clients: AwsClients; pricing: PricingApi; cache: PriceCache; spot?: (instanceType: string) => Promise<SpotPrice[]> }) {}

  async onDemandHourly(instanceType: string, region: string, signal?: AbortSignal): Promise<Priced | undefined> {
    const key = `ondemand:${region}:${instanceType}`;
    const fresh = await this.deps.cache.get(key, z.number(), PRICE_TTL_MS.list);
    if (fresh) return { value: fresh.value, source: { kind: 'cached', ageMs: fresh.ageMs } };
    let reason: string;
    try {
      const filters = onDemandInstanceFilters(instanceType, region);
      const picked = pickOnDemandPrice(await this.deps.pricing.getProducts('AmazonEC2', filters, signal), 'Hrs', filters);
      if ('usd' in picked) {
        await this.deps.cache.set(key, picked.usd);
        return { value: picked.usd, source: { kind: 'live' } };
      }
      reason = picked.problem;
    } catch (error) {
      reason = reasonOf(error);
    }
    const stale = await this.deps.cache.get(key, z.number(), PRICE_TTL_MS.list, { stale: true });
    if (stale) return { value: stale.value, source: { kind: 'cached', ageMs: stale.ageMs } };
    const bundled = ON_DEMAND_USD_PER_HOUR[instanceType];
    if (bundled === undefined) return undefined;
    return { value: bundled, source: { kind: 'estimated', reason: `${FALLBACK_REGION} list price from the bundled table (${reason})` } };
  }

  /** The spot price in force per AZ, cheapest first; undefined when neither AWS nor the cache has one. */
  async spotHourly(instanceType: string, region: string): Promise<Priced<SpotPrice[]> | undefined> {
    const key = `spot:${region}:${instanceType}`;
    const fresh = await this.deps.cache.get(key, spotSchema, PRICE_TTL_MS.spot);
    if (fresh) return { value: fresh.value, source: { kind: 'cached', ageMs: fresh.ageMs } };
    try {
      const prices = await (this.deps.spot ?? ((type: string) => currentSpotPrices(this.deps.clients, type)))(instanceType);
      if (prices.length > 0) {
        await this.deps.cache.set(key, prices);
        return { value: prices, source: { kind: 'live' } };
      }
    } catch {
      // fall through to the cache
    }
    const stale = await this.deps.cache.get(key, spotSchema, PRICE_TTL_MS.spot, { stale: true });
    return stale ? { value: stale.value, source: { kind: 'cached', ageMs: stale.ageMs } } : undefined;
  }
}
