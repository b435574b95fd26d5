import { describeEfsBasis, efsGbHours, type EfsStorage } from './efs-size';
import { SCALE_KEYS } from '../scale/names';
import type { WorkerPoolName } from '../stack/scale-config';
import type { ComputeInterval, ResourceRecord, StackState } from '../state/schema';
import { BUNDLED_LIST_USD } from './list-price-queries';
import { EBS_GP3_USD_PER_GB_MONTH, HOURS_PER_MONTH, PUBLIC_IPV4_USD_PER_HOUR } from './fallback-prices';
import { plausibleSpot } from './plausible';

/** A spot price record: the price from `at` until the next record. */
export interface PricePoint {
  at: string;
  usdPerHour: number;
}

/** What cost to date needs to know about prices; the engine answers from AWS, tests from fixed numbers. */
export interface HistoricPrices {
  onDemandHourly(instanceType: string): Promise<number | undefined>;
  /** Spot records for the zone covering [start, end], including the one in force at start. */
  spotHistory(instanceType: string, zone: string, start: Date, end: Date): Promise<PricePoint[]>;
}

const HOUR_MS = 3_600_000;

/** Integrates a step function of prices over [start, end): each record holds until the next one. */
export function integrateSpot(points: readonly PricePoint[], start: Date, end: Date): number {
  const sorted = [...points].map((p) => ({ at: Date.parse(p.at), usd: p.usdPerHour })).sort((a, b) => a.at - b.at);
  if (sorted.length === 0 || end <= start) return 0;
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const from = Math.max(i === 0 ? start.getTime() : sorted[i]!.at, start.getTime());
    const to = Math.min(sorted[i + 1]?.at ?? end.getTime(), end.getTime());
    if (to > from) total += ((to - from) / HOUR_MS) * sorted[i]!.usd;
  }
  return total;
}

export interface CostToDate {
  computeUsd: number;
  storageUsd: number;
  ipv4Usd: number;
  /** Hourly items that bill while they exist, whatever the instance does (the load balancers; a scaled stack's database and queue). */
  fixedUsd: number;
  totalUsd: number;
  /** Hours each instance ran, for the breakdown; a worker's run names its pool. */
  intervals: { instanceId: string; market: string; hours: number; usd: number; priced: 'spot history' | 'on-demand' | 'unknown'; pool?: WorkerPoolName }[];
  /** A scaled stack's parts: its workers' compute (within computeUsd), its database and its queue (within fixedUsd). */
  scale?: { workersUsd: number; databaseUsd: number; cacheUsd: number };
  basis: string;
}

/** Rates of the hourly items cost to date counts besides compute. */
export interface FixedRates {
  loadBalancerUsdPerHour: number;
}

/** What cost to date needs of a scaled stack besides its runs (the workers' runs are among state.compute, in memory). */
export interface ScaleActuals {
  /** The worker runs among state.compute: instance id → its pool. */
  workers: ReadonlyMap<string, WorkerPoolName>;
  /** Worker runs priced as their pool's first type and market: EC2 no longer describes them. */
  assumed: ReadonlySet<string>;
  /** A worker's root volume per pool (GiB): not the main instance's size. */
  workerRootGb: Partial<Record<WorkerPoolName, number>>;
  /** RDS: its price (undefined: unknown), storage, and its creation as RDS says (else the journal's). */
  database?: { instanceClass: string; usdPerHour?: number; storageGb: number; storageUsdPerGbMonth: number; createdAt?: string; stoppedSince?: string };
  /** ElastiCache: the node price (undefined: unknown), nodes, and its creation as ElastiCache says (else the journal's). */
  cache?: { nodeType: string; usdPerHour?: number; nodes: number; createdAt?: string };
}

/**
 * When a journaled resource existed: from its recorded creation time (attrs.createdAt, else the created
 * record's updatedAt, else the stack's creation) until its deletion (a deleted record's updatedAt) or now.
 */
function lifetime(record: ResourceRecord, state: StackState, now: Date): { start: Date; end: Date } | undefined {
  if (record.status === 'intent') return undefined;
  const created = record.attrs.createdAt ?? (record.status === 'created' ? record.updatedAt : state.createdAt);
  const end = record.status === 'deleted' ? new Date(record.updatedAt) : now;
  return { start: new Date(created), end: end > now ? now : end };
}

/**
 * What the stack has cost so far: every instance's running time at the price in force (spot history over the
 * interval, else on-demand), its root volume and public IPv4 while it ran, plus EFS storage since creation
 * (at the file system's size now, stated as an assumption) — which keeps accruing after a destroy that kept data.
 */
export async function costToDate(state: StackState, prices: HistoricPrices, efs: EfsStorage, now: Date = new Date(), from?: Date,
  rates: FixedRates = { loadBalancerUsdPerHour: BUNDLED_LIST_USD.albHour }, scale?: ScaleActuals): Promise<CostToDate> {
  // `from` clips everything to a period (month to date); intervals entirely before it cost nothing in it.
  const clip = (at: Date) => (from && at < from ? from : at);
  const runs = state.compute.filter((interval) => !from || !interval.endedAt || new Date(interval.endedAt) > from);
  const intervals = await Promise.all(runs.map(async (interval: ComputeInterval) => {
    const start = clip(new Date(interval.startedAt));
    const end = interval.endedAt ? new Date(interval.endedAt) : now;
    const hours = Math.max(0, (end.getTime() - start.getTime()) / HOUR_MS);
    const hourly = await prices.onDemandHourly(interval.instanceType);
    const pool = scale?.workers.get(interval.instanceId);
    const run = { instanceId: interval.instanceId, market: interval.market, hours, ...(pool ? { pool } : {}) };
    if (interval.market === 'spot' && interval.zone) {
      // A $0 record (the emulator) or a wild one is unknown: without a believable history, on-demand (spot's ceiling) stands.
      const points = (await prices.spotHistory(interval.instanceType, interval.zone, start, end)).filter((p) => plausibleSpot(p.usdPerHour, hourly));
      if (points.length > 0) return { ...run, usd: integrateSpot(points, start, end), priced: 'spot history' as const };
    }
    return { ...run, usd: hourly === undefined ? 0 : hourly * hours, priced: hourly === undefined ? 'unknown' as const : 'on-demand' as const };
  }));
  const runningHours = intervals.reduce((sum, i) => sum + i.hours, 0);
  const computeUsd = intervals.reduce((sum, i) => sum + i.usd, 0);
  // Each run's root volume while it ran: a worker's is its pool's size, not the main instance's.
  const rootGb = (pool: WorkerPoolName | undefined) => (pool ? scale?.workerRootGb[pool] : undefined) ?? state.config.rootVolumeGb;
  const volumeUsd = intervals.reduce((sum, i) => sum + rootGb(i.pool) * i.hours, 0) * EBS_GP3_USD_PER_GB_MONTH / HOURS_PER_MONTH;
  // The file system's own life (created → deleted, or now): kept data accrues after a destroy, deleted data stops.
  const efsRecord = Object.values(state.resources).find((record) => record.kind === 'efs');
  const efsLife = efsRecord ? lifetime(efsRecord, state, now) : undefined;
  const efsStart = efsLife ? clip(efsLife.start) : now;
  const efsEnd = efsLife ? efsLife.end : now;
  const efsHours = Math.max(0, (efsEnd.getTime() - efsStart.getTime()) / HOUR_MS);
  const efsUsd = (efsGbHours(efs, efsStart, efsEnd) * efs.usdPerGbMonth) / HOURS_PER_MONTH;
  const ipv4Usd = PUBLIC_IPV4_USD_PER_HOUR * runningHours;
  const storageUsd = volumeUsd + efsUsd;
  // Matched on the kind string: load balancers bill by the hour from creation to deletion, instance or not.
  const balancers = Object.values(state.resources).filter((record) => record.kind === 'load-balancer');
  const balancerHours = balancers.reduce((sum, record) => {
    const life = lifetime(record, state, now);
    return life ? sum + Math.max(0, (life.end.getTime() - clip(life.start).getTime()) / HOUR_MS) : sum;
  }, 0);
  const balancerBasis = balancers.length > 0
    ? `; ${balancers.length} load balancer(s) for ${balancerHours.toFixed(1)} h at $${rates.loadBalancerUsdPerHour}/h, from their journaled creation to deletion or now`
    : '';
  const scaled = scale ? scaleToDate(state, scale, intervals, now, clip) : undefined;
  const fixedUsd = balancerHours * rates.loadBalancerUsdPerHour + (scaled ? scaled.usd.databaseUsd + scaled.usd.cacheUsd : 0);
  return {
    computeUsd, storageUsd, ipv4Usd, fixedUsd, totalUsd: computeUsd + storageUsd + ipv4Usd + fixedUsd, intervals, ...(scaled ? { scale: scaled.usd } : {}),
    basis: `${intervals.length} instance run(s), ${runningHours.toFixed(1)} h in all${scaled?.workersBasis ?? ''}; ${efsRecord ? describeEfsBasis(efs, efsHours) : 'no EFS file system'}${balancerBasis}${scaled?.servicesBasis ?? ''}`,
  };
}

/** Hours from a journaled resource's start (as AWS says, else the journal's) to its deletion or `now`, clipped to the period. */
function serviceHours(record: ResourceRecord | undefined, state: StackState, now: Date, clip: (at: Date) => Date, createdAt?: string): number {
  const life = record ? lifetime(record, state, now) : undefined;
  if (!life) return 0;
  const start = clip(createdAt && record?.status === 'created' ? new Date(createdAt) : life.start);
  return Math.max(0, (life.end.getTime() - start.getTime()) / HOUR_MS);
}

/** A scaled stack's workers (already among the intervals), database and queue: their cost and the words for the basis. */
function scaleToDate(state: StackState, scale: ScaleActuals, intervals: CostToDate['intervals'], now: Date, clip: (at: Date) => Date) {
  const workers = intervals.filter((i) => i.pool);
  const workersUsd = workers.reduce((sum, i) => sum + i.usd, 0);
  const assumed = workers.filter((i) => scale.assumed.has(i.instanceId)).length;
  const workersBasis = workers.length > 0
    ? ` (${workers.length} of them worker runs, ${workers.reduce((sum, i) => sum + i.hours, 0).toFixed(1)} h${assumed > 0 ? `, ${assumed} priced as their pool's first type: EC2 no longer describes them` : ''})`
    : '';
  const parts: string[] = [];
  let databaseUsd = 0;
  const db = scale.database;
  if (db) {
    const record = state.resources[SCALE_KEYS.database];
    const hours = serviceHours(record, state, now, clip, db.createdAt);
    // Stopped (a paused stack): instance hours end where the stack's last run did; its storage bills on. Earlier pauses count as running.
    const stoppedAt = db.stoppedSince ? new Date(db.stoppedSince) : undefined;
    const running = stoppedAt && stoppedAt < now ? serviceHours(record, state, stoppedAt, clip, db.createdAt) : hours;
    databaseUsd = running * (db.usdPerHour ?? 0) + (db.storageGb * db.storageUsdPerGbMonth * hours) / HOURS_PER_MONTH;
    const runWords = running < hours ? `${running.toFixed(1)} h running (stopped since ${db.stoppedSince}, storage only since) of ${hours.toFixed(1)} h` : `${hours.toFixed(1)} h`;
    parts.push(`database ${db.instanceClass} for ${runWords} ${db.usdPerHour === undefined ? '(its hourly price is unknown: storage only)' : `at $${db.usdPerHour}/h`} plus ${db.storageGb} GiB gp3 at $${db.storageUsdPerGbMonth}/GB-month${db.createdAt ? ', from its creation as RDS says' : ''}`);
  }
  let cacheUsd = 0;
  const cache = scale.cache;
  if (cache) {
    const hours = serviceHours(state.resources[SCALE_KEYS.cache], state, now, clip, cache.createdAt);
    cacheUsd = hours * (cache.usdPerHour ?? 0) * cache.nodes;
    parts.push(`queue ${cache.nodes} × ${cache.nodeType} for ${hours.toFixed(1)} h ${cache.usdPerHour === undefined ? '(its hourly price is unknown: not counted)' : `at $${cache.usdPerHour}/h`}${cache.createdAt ? ', from its creation as ElastiCache says' : ''}`);
  }
  return { usd: { workersUsd, databaseUsd, cacheUsd }, workersBasis, servicesBasis: parts.length > 0 ? `; ${parts.join('; ')}` : '' };
}

export interface BudgetStatus {
  budgetUsd: number;
  monthToDateUsd: number;
  /** Month to date plus the current hourly rate until the month ends. */
  projectedUsd: number;
  /** Thresholds (percent of the budget) the projection has reached: 80, 100. */
  reached: (80 | 100)[];
}

export function startOfMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** Projects the month from what it has cost so far and what it costs per hour now. */
export function budgetStatus(budgetUsd: number, monthToDateUsd: number, hourlyNowUsd: number, now: Date): BudgetStatus {
  const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const hoursLeft = Math.max(0, (monthEnd.getTime() - now.getTime()) / HOUR_MS);
  const projectedUsd = monthToDateUsd + hourlyNowUsd * hoursLeft;
  const reached = ([80, 100] as const).filter((percent) => projectedUsd >= (budgetUsd * percent) / 100);
  return { budgetUsd, monthToDateUsd, projectedUsd, reached: [...reached] };
}
