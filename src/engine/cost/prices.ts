import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { PRICE_TTL_MS, type PriceCache } from './cache';
import { ELASTICACHE_VALKEY_USD_PER_HOUR, FALLBACK_REGION, ON_DEMAND_USD_PER_HOUR, RDS_GP3_USD_PER_GB_MONTH, RDS_POSTGRES_USD_PER_HOUR } from './fallback-prices';
import { BUNDLED_LIST_USD, LIST_ITEMS, listPriceQueries, type ListItem, type ListPriceQuery } from './list-price-queries';
import { onDemandInstanceFilters, pickListPrice, pickOnDemandPrice } from './price-list';
import type { PricingApi } from './pricing-api';
import { plausibleOnDemand } from './plausible';
import { cacheNodeQuery, databaseInstanceQuery, databaseStorageQuery } from './scale-price-queries';
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

/** A non-compute list price, with its source and, when tiered, the tier it is. */
export interface ListQuote {
  usd: number;
  source: PriceSource;
  tier?: string;
}
export type ListQuotes = Record<ListItem, ListQuote>;

/** A bundled us-east-1 price marked estimated with the reason; undefined when the table lacks it. */
function bundledQuote(usd: number | undefined, reason: string): ListQuote | undefined {
  return usd === undefined ? undefined : { usd, source: { kind: 'estimated', reason: `${FALLBACK_REGION} list price from the bundled table (${reason})` } };
}

/** The bundled us-east-1 list prices, every one marked estimated with the reason. */
export function bundledListQuotes(reason = 'no live price asked for'): ListQuotes {
  const source: PriceSource = { kind: 'estimated', reason: `${FALLBACK_REGION} list price from the bundled table (${reason})` };
  return Object.fromEntries(LIST_ITEMS.map((item) => [item, { usd: BUNDLED_LIST_USD[item], source }])) as ListQuotes;
}

const listSchema = z.object({ usd: z.number(), tier: z.string().optional() });

/** A cached on-demand price is read back only when it is believable (an older cache may hold a bad record). */
const onDemandSchema = z.number().refine(plausibleOnDemand);

const spotSchema = z.array(z.object({ zone: z.string(), usdPerHour: z.number(), since: z.string() }));

/**
 * Prices for one account: live from AWS, else the on-disk cache (even stale), else the bundled table.
 * Never throws for a price it can estimate: a denied or unreachable Price List must not stop a plan.
 */
export class PriceBook {
  constructor(private readonly deps: { clients: AwsClients; pricing: PricingApi; cache: PriceCache; spot?: (instanceType: string) => Promise<SpotPrice[]> }) {}

  async onDemandHourly(instanceType: string, region: string, signal?: AbortSignal): Promise<Priced | undefined> {
    const key = `ondemand:${region}:${instanceType}`;
    const fresh = await this.deps.cache.get(key, onDemandSchema, PRICE_TTL_MS.list);
    if (fresh) return { value: fresh.value, source: { kind: 'cached', ageMs: fresh.ageMs } };
    let reason: string;
    try {
      const filters = onDemandInstanceFilters(instanceType, region);
      const picked = pickOnDemandPrice(await this.deps.pricing.getProducts('AmazonEC2', filters, signal), 'Hrs', filters);
      if (!('usd' in picked)) reason = picked.problem;
      else if (!plausibleOnDemand(picked.usd)) reason = `the Price List API answered $${picked.usd}/h, which is not a believable price`;
      else {
        await this.deps.cache.set(key, picked.usd);
        return { value: picked.usd, source: { kind: 'live' } };
      }
    } catch (error) {
      reason = reasonOf(error);
    }
    const stale = await this.deps.cache.get(key, onDemandSchema, PRICE_TTL_MS.list, { stale: true });
    if (stale) return { value: stale.value, source: { kind: 'cached', ageMs: stale.ageMs } };
    const bundled = ON_DEMAND_USD_PER_HOUR[instanceType];
    if (bundled === undefined) return undefined;
    return { value: bundled, source: { kind: 'estimated', reason: `${FALLBACK_REGION} list price from the bundled table (${reason})` } };
  }

  /** Every non-compute list price for the region (storage, IPv4, load balancer, CloudFront, data out), each with its source. */
  async listPrices(region: string, signal?: AbortSignal): Promise<ListQuotes> {
    const queries = listPriceQueries(region);
    const quotes = await Promise.all(LIST_ITEMS.map(async (item): Promise<[ListItem, ListQuote]> => {
      const query = queries[item];
      // CloudFront prices by edge region group, the same whatever the stack's region.
      const got = await this.quote(`list:${query.serviceCode === 'AmazonCloudFront' ? 'global' : region}:${item}`, query, signal);
      return [item, 'usd' in got ? got : bundledListQuotes(got.reason)[item]];
    }));
    return Object.fromEntries(quotes) as ListQuotes;
  }

  /** RDS for PostgreSQL Single-AZ, per hour of `instanceClass`; undefined when neither AWS, the cache nor the bundled table knows it. */
  async databaseHourly(instanceClass: string, region: string, signal?: AbortSignal): Promise<ListQuote | undefined> {
    const got = await this.quote(`rds:${region}:${instanceClass}`, databaseInstanceQuery(instanceClass, region), signal, { positive: true });
    return 'usd' in got ? got : bundledQuote(RDS_POSTGRES_USD_PER_HOUR[instanceClass], got.reason);
  }

  /** RDS gp3 storage (Single-AZ), per GB-month. */
  async databaseStorage(region: string, signal?: AbortSignal): Promise<ListQuote> {
    const got = await this.quote(`rds:${region}:gp3`, databaseStorageQuery(region), signal, { positive: true });
    return 'usd' in got ? got : bundledQuote(RDS_GP3_USD_PER_GB_MONTH, got.reason)!;
  }

  /** ElastiCache for Valkey, per node hour of `nodeType`; undefined when nobody knows it. */
  async cacheHourly(nodeType: string, region: string, signal?: AbortSignal): Promise<ListQuote | undefined> {
    const got = await this.quote(`elasticache:${region}:valkey:${nodeType}`, cacheNodeQuery(nodeType, region), signal, { positive: true });
    return 'usd' in got ? got : bundledQuote(ELASTICACHE_VALKEY_USD_PER_HOUR[nodeType], got.reason);
  }

  /**
   * One list price: fresh from the cache, else live (and cached), else the stale cache; otherwise why not, for the
   * bundled price's reason. `positive`: a $0 answer is no price (an hour of a database is never free).
   */
  private async quote(key: string, query: ListPriceQuery, signal?: AbortSignal, options: { positive?: boolean } = {}): Promise<ListQuote | { reason: string }> {
    const fresh = await this.deps.cache.get(key, listSchema, PRICE_TTL_MS.list);
    if (fresh) return { ...fresh.value, source: { kind: 'cached', ageMs: fresh.ageMs } };
    let reason: string;
    try {
      const picked = pickListPrice(await this.deps.pricing.getProducts(query.serviceCode, query.filters, signal), query);
      if ('usd' in picked && !(options.positive && picked.usd <= 0)) {
        const value = { usd: picked.usd, ...(picked.tier ? { tier: picked.tier } : {}) };
        await this.deps.cache.set(key, value);
        return { ...value, source: { kind: 'live' } };
      }
      reason = `${query.label}: ${'usd' in picked ? `the Price List API answered $${picked.usd}, which is not a believable price` : picked.problem}`;
    } catch (error) {
      reason = reasonOf(error);
    }
    const stale = await this.deps.cache.get(key, listSchema, PRICE_TTL_MS.list, { stale: true });
    if (stale) return { ...stale.value, source: { kind: 'cached', ageMs: stale.ageMs } };
    return { reason };
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
