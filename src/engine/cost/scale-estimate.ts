import { workerPools, type ScaleSettings, type WorkerPoolName, type WorkerPoolSettings } from '../stack/scale-config';
import { line, price, round, weakest, type EstimateLine } from './estimate-line';
import {
  DETAILED_MONITORING_USD_PER_INSTANCE_MONTH, ELASTICACHE_VALKEY_USD_PER_HOUR, FALLBACK_REGION, HOURS_PER_MONTH, ON_DEMAND_USD_PER_HOUR,
  RDS_BACKUP_USD_PER_GB_MONTH, RDS_GP3_USD_PER_GB_MONTH, RDS_POSTGRES_USD_PER_HOUR,
} from './fallback-prices';
import { bundledListQuotes, type ListQuote, type ListQuotes, type PriceSource } from './prices';

/** What one worker of a pool is priced at: the type, market and hourly price chosen, and why that one. */
export interface PoolPrice {
  pool: WorkerPoolName;
  instanceType: string;
  market: 'spot' | 'on-demand';
  usdPerHour: number;
  source: PriceSource;
  /** In words: "the cheapest spot price now among c7i.large, c6i.large, m7i.large (c6i.large in us-east-1b)". */
  why: string;
}

/** Every price a scaled stack's own lines need, besides the list prices every stack has. */
export interface ScalePrices {
  pools: PoolPrice[];
  /** RDS instance hour of the configured class and its gp3 storage (scale.database rds); absent when no price is known. */
  database?: ListQuote;
  databaseStorage?: ListQuote;
  /** ElastiCache node hour of the configured type (scale.queue elasticache); absent when no price is known. */
  cache?: ListQuote;
  /** Workers per pool now, as EC2 Auto Scaling says (desired capacity); a pool not listed is priced at its min. */
  sizes?: Partial<Record<WorkerPoolName, number>>;
}

/** The assumptions a scaled stack's lines read (a part of the estimate's Assumptions). */
export interface ScaleAssumptions {
  internalAlbLcu: number;
}

export const DEFAULT_SCALE_ASSUMPTIONS: ScaleAssumptions = { internalAlbLcu: 1 };

/** What the estimate reads of a config for the scale lines. */
export interface ScaledConfig {
  scale?: ScaleSettings;
}

/** GPU families get a larger root volume (drivers and the CUDA image). */
const GPU_FAMILIES = /^(g\d|p\d)/;

/** A worker's root volume as the pool's launch template sets it (resources/workers.ts): 100 GiB on GPU types, else 30. */
export function workerRootVolumeGb(settings: Pick<WorkerPoolSettings, 'instanceTypes'>): number {
  return GPU_FAMILIES.test(settings.instanceTypes[0] ?? '') ? 100 : 30;
}

/** The month of a scaled stack's own parts at each pool's min and max: what docs/scaling.md and the closing note quote. */
export interface ScaleMonthlyRange {
  pools: {
    pool: WorkerPoolName;
    instanceType: string;
    market: 'spot' | 'on-demand';
    min: number;
    max: number;
    /** The size the estimate's line is priced at (now, else min). */
    workers: number;
    /** One worker for a month: instance, root volume and public IPv4. */
    perWorkerUsd: number;
    atMinUsd: number;
    atMaxUsd: number;
    source: PriceSource['kind'];
  }[];
  /** Database, queue and the internal load balancer: the same whatever size the pools are. */
  fixedUsd: number;
  /** The scale parts (pools + fixed) with every pool at its min, and at its max. */
  atMinUsd: number;
  atMaxUsd: number;
  /** The weakest source of the prices used. */
  source: PriceSource['kind'];
}

const LINE_ITEM: Record<WorkerPoolName, 'n8n-workers' | 'ollama-workers'> = { n8n: 'n8n-workers', ollama: 'ollama-workers' };
const POOL_WORDS: Record<WorkerPoolName, string> = { n8n: 'n8n worker', ollama: 'Ollama worker' };
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const dollars = (usd: number) => `$${usd.toFixed(2)}`;

/** The scale section's lines (pools, database, queue, internal load balancer), their notes, and the min–max range. */
export function scaleEstimate(config: ScaledConfig, prices: ScalePrices, list: ListQuotes, assumptions: ScaleAssumptions): { lines: EstimateLine[]; notes: string[]; range: ScaleMonthlyRange } | undefined {
  const scale = config.scale;
  if (!scale) return undefined;
  const lines: EstimateLine[] = [];
  const notes: string[] = [];
  const range: ScaleMonthlyRange = { pools: [], fixedUsd: 0, atMinUsd: 0, atMaxUsd: 0, source: 'live' };
  const sources: PriceSource[] = [];
  for (const { pool, settings } of workerPools(scale)) {
    const priced = prices.pools.find((p) => p.pool === pool);
    if (!priced) {
      notes.push(`The ${POOL_WORDS[pool]}s are not priced: no price is known for ${settings.instanceTypes.join(', ')} here.`);
      continue;
    }
    const rootGb = workerRootVolumeGb(settings);
    const perWorker = (priced.usdPerHour + list.publicIpv4.usd) * HOURS_PER_MONTH + rootGb * list.ebsGp3.usd;
    const now = prices.sizes?.[pool];
    const workers = now ?? settings.min;
    const atMin = round(perWorker * settings.min);
    const atMax = round(perWorker * settings.max);
    const size = now === undefined ? `${plural(workers, 'worker')} (the pool's min; up to ${settings.max}` : `${plural(workers, 'worker')} now (min ${settings.min}, up to ${settings.max}`;
    const each = `each ${priced.instanceType} ${priced.market} at $${Number(priced.usdPerHour.toFixed(5))}/h (${priced.why}) + ${rootGb} GiB gp3 root volume at ${price(list.ebsGp3, 'GB-month')} + a public IPv4 address at ${price(list.publicIpv4, 'h')}, × ${HOURS_PER_MONTH} h`;
    const quotes = [priced, list.publicIpv4, list.ebsGp3];
    lines.push({
      ...line(LINE_ITEM[pool], perWorker * workers, `${size}: ${dollars(atMin)}–${dollars(atMax)}/month): ${each}`, quotes),
      pool: { workers, min: settings.min, max: settings.max, atMaxUsd: atMax },
    });
    sources.push(...quotes.map((q) => q.source));
    range.pools.push({
      pool, instanceType: priced.instanceType, market: priced.market, min: settings.min, max: settings.max, workers, perWorkerUsd: round(perWorker),
      atMinUsd: atMin, atMaxUsd: atMax, source: weakest(quotes.map((q) => q.source)).kind,
    });
  }
  if (range.pools.length > 0) {
    const metric = scale.n8nWorkers.scaleOn === 'queue' ? ' plus the queue-depth metric the main instance publishes ($0.30 a month)' : '';
    notes.push(`Worker instances run with detailed monitoring (1-minute metrics, which target tracking needs): about $${DETAILED_MONITORING_USD_PER_INSTANCE_MONTH.toFixed(2)} per worker a month of CloudWatch metrics${metric}, not in the lines.`);
  }
  const fixed: EstimateLine[] = [];
  const fixedLine = (item: EstimateLine['item'], usd: number, basis: string, quotes: readonly { source: PriceSource }[], more: Partial<EstimateLine> = {}) => {
    fixed.push({ ...line(item, usd, basis, quotes), ...more });
    sources.push(...quotes.map((q) => q.source));
  };
  if (scale.database === 'rds') {
    const storage = prices.databaseStorage;
    if (prices.database && storage) {
      fixedLine('database', prices.database.usd * HOURS_PER_MONTH + scale.databaseStorageGb * storage.usd,
        `RDS ${scale.databaseClass} PostgreSQL Single-AZ at ${price(prices.database, 'h')} × ${HOURS_PER_MONTH} h + ${scale.databaseStorageGb} GiB gp3 storage at ${price(storage, 'GB-month')}; automated backups (7 days) are free up to the allocated ${scale.databaseStorageGb} GiB, about $${RDS_BACKUP_USD_PER_GB_MONTH}/GB-month beyond`,
        [prices.database, storage], { pausedUsd: round(scale.databaseStorageGb * storage.usd) });
    } else {
      notes.push(`The RDS database is not priced: no price is known for ${scale.databaseClass} here.`);
    }
  }
  if (scale.queue === 'elasticache') {
    if (prices.cache) fixedLine('queue-cache', prices.cache.usd * HOURS_PER_MONTH, `ElastiCache ${scale.cacheNodeType} Valkey node at ${price(prices.cache, 'h')} × ${HOURS_PER_MONTH} h (one node)`, [prices.cache]);
    else notes.push(`The ElastiCache queue is not priced: no price is known for ${scale.cacheNodeType} here.`);
  }
  if (scale.ollamaWorkers) {
    fixedLine('internal-alb', (list.albHour.usd + assumptions.internalAlbLcu * list.albLcu.usd) * HOURS_PER_MONTH,
      `internal load balancer in front of the Ollama workers at ${price(list.albHour, 'h')} plus ${assumptions.internalAlbLcu} LCU (assumed) at ${price(list.albLcu, 'LCU-h')}, × ${HOURS_PER_MONTH} h`,
      [list.albHour, list.albLcu]);
  }
  lines.push(...fixed);
  range.fixedUsd = round(fixed.reduce((sum, l) => sum + l.usd, 0));
  range.atMinUsd = round(range.fixedUsd + range.pools.reduce((sum, p) => sum + p.atMinUsd, 0));
  range.atMaxUsd = round(range.fixedUsd + range.pools.reduce((sum, p) => sum + p.atMaxUsd, 0));
  range.source = sources.length > 0 ? weakest(sources).kind : 'estimated';
  return { lines, notes, range };
}

/**
 * A pool's price from the bundled table, for when AWS cannot be asked: the first listed type the table knows, on
 * demand (spot prices need AWS; on-demand is the most spot costs, its default maximum price).
 */
function bundledPool(pool: WorkerPoolName, settings: WorkerPoolSettings, reason: string): PoolPrice | undefined {
  const type = settings.instanceTypes.find((t) => ON_DEMAND_USD_PER_HOUR[t] !== undefined);
  if (!type) return undefined;
  const spot = settings.market === 'spot' ? '; spot prices need AWS: priced at on-demand, the most spot costs' : '';
  return {
    pool, instanceType: type, market: settings.market, usdPerHour: ON_DEMAND_USD_PER_HOUR[type]!,
    source: { kind: 'estimated', reason: `${FALLBACK_REGION} list price from the bundled table (${reason})` },
    why: `${FALLBACK_REGION} on-demand list price of the first listed type the bundled table knows${spot}`,
  };
}

/** Every scale price from the bundled us-east-1 tables, each marked estimated: what docs and offline estimates use. */
export function bundledScalePrices(scale: ScaleSettings, reason = 'no live price asked for'): ScalePrices {
  const source: PriceSource = { kind: 'estimated', reason: `${FALLBACK_REGION} list price from the bundled table (${reason})` };
  const database = RDS_POSTGRES_USD_PER_HOUR[scale.databaseClass];
  const cache = ELASTICACHE_VALKEY_USD_PER_HOUR[scale.cacheNodeType];
  return {
    pools: workerPools(scale).flatMap(({ pool, settings }) => bundledPool(pool, settings, reason) ?? []),
    ...(database !== undefined ? { database: { usd: database, source } } : {}),
    databaseStorage: { usd: RDS_GP3_USD_PER_GB_MONTH, source },
    ...(cache !== undefined ? { cache: { usd: cache, source } } : {}),
  };
}

/**
 * The month of a scaled stack's own parts with every pool at its min and at its max, plus the database, queue and
 * internal load balancer; undefined without `scale`. Prices default to the bundled tables (all estimated): pass the
 * live ones (CostService.scalePrices) for a stack's own region.
 */
export function scaleMonthlyRange(config: ScaledConfig, prices?: ScalePrices, list: ListQuotes = bundledListQuotes(),
  assumptions: ScaleAssumptions = DEFAULT_SCALE_ASSUMPTIONS): ScaleMonthlyRange | undefined {
  if (!config.scale) return undefined;
  return scaleEstimate(config, prices ?? bundledScalePrices(config.scale), list, assumptions)?.range;
}
