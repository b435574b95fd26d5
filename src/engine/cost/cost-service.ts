import type { AwsClients } from '../aws/clients';
import { describeCandidateTypes } from '../discovery/instance-types';
import { GeuseError, refused } from '../errors';
import { LIVE_READ_TIMEOUT_MS, sightInstances, type InstanceSighting } from '../live';
import { groupOf, launchedByActivities, needsActivities, unrecordedRuns } from '../compute-live';
import { describeGroup, scalingActivities } from '../resources/group-view';
import { describeFileSystemById } from '../resources/efs-describe';
import type { StackConfig } from '../stack/config';
import type { StackState } from '../state/schema';
import type { Tier } from '../tiers';
import { DEFAULT_ASSUMPTIONS, estimateKept, estimateMonthly, type Assumptions, type EstimateLine, type KeptBackups, type MonthlyEstimate } from './estimate';
import { HOURS_PER_MONTH } from './fallback-prices';
import { historicInputs, type HistoricInputs } from './historic-inputs';
import { hourlyNow, hourlyUnknown, keptLines, type HourlyNow } from './hourly-now';
import { BACKUP_KEYS } from '../backup/names';
import { DEFAULT_SPOT_MIN_SAVING, rankPlacements, recommendForStack, type Placement } from './placement';
import { cheapestPlausible, spotSaving } from './plausible';
import { PriceBooks, type PriceBooksOptions } from './price-books';
import type { PriceBook, Priced, PriceSource } from './prices';
import { openRuns, reconcileRuns } from './runs';
import { costSeries, monthDays, type CostPoint } from './series';
import type { SpotPrice } from './spot';
import type { PoolPrice, ScalePrices } from './scale-estimate';
import { budgetStatus, costToDate, startOfMonth, type BudgetStatus, type CostToDate, type ScaleActuals } from './to-date';
import { costedPools, workerRuns } from './worker-runs';
import { readPools } from '../scale/pools';
import { workerPools, type WorkerPoolName, type WorkerPoolSettings } from '../stack/scale-config';

export interface CostServiceOptions extends PriceBooksOptions {
  /** The recorded stack, or the engine's "not found" refusal. */
  requireState: (name: string) => Promise<StackState>;
  /** Spot must save at least this share (0–0.9) over on-demand to be recommended; a function reads a live setting. */
  spotMinSaving?: number | (() => number);
}

/** On-demand and cheapest spot price for a stack's type and region, and which market the threshold recommends. */
export interface MarketAdvice {
  onDemand?: Priced;
  spot?: SpotPrice & { source: PriceSource };
  recommendation: ReturnType<typeof recommendForStack>;
}

/** Everything the engine says about money: prices, estimates, actuals and budgets, composed from the cost modules. */
export class CostService {
  private readonly books: PriceBooks;

  constructor(private readonly options: CostServiceOptions) {
    this.books = new PriceBooks(options);
  }

  dispose(): void {
    this.books.dispose();
  }

  /** The spot-saving threshold in force (the option may follow a live setting). */
  get spotMinSaving(): number {
    const option = this.options.spotMinSaving;
    const value = typeof option === 'function' ? option() : option;
    return value !== undefined && Number.isFinite(value) ? Math.min(0.9, Math.max(0, value)) : DEFAULT_SPOT_MIN_SAVING;
  }

  priceBook(region: string, profile?: string): PriceBook {
    return this.books.priceBook(region, profile);
  }

  /** The tier's instance types offered in the region, cheapest first, with the cheapest AZ and a market recommendation. */
  async placements(region: string, tier: Tier, profile?: string, only?: readonly string[]): Promise<Placement[]> {
    const types = await describeCandidateTypes(this.clients(region, profile), tier, only);
    return rankPlacements(this.priceBook(region, profile), types, region, this.spotMinSaving);
  }

  async marketAdvice(config: StackConfig, book = this.priceBook(config.region, config.profile)): Promise<MarketAdvice> {
    const [onDemand, spot] = await Promise.all([book.onDemandHourly(config.instanceType, config.region), book.spotHourly(config.instanceType, config.region)]);
    const { cheapest, answered } = cheapestPlausible(spot?.value ?? [], onDemand?.value);
    return { onDemand, spot: cheapest && spot ? { ...cheapest, source: spot.source } : undefined, recommendation: recommendForStack(onDemand?.value, answered, this.spotMinSaving) };
  }

  /**
   * A month of the stack `config` describes: compute at the chosen market's price (spot: cheapest AZ), the rest from
   * list prices; a scaled stack's pools at `sizes` (their size now; else their min), its database and queue.
   */
  async estimate(config: StackConfig, assumptions: Assumptions = DEFAULT_ASSUMPTIONS, sizes?: PoolSizesNow): Promise<MonthlyEstimate> {
    const book = this.priceBook(config.region, config.profile);
    const [{ onDemand, spot, recommendation }, list, scalePrices] = await Promise.all([
      this.marketAdvice(config, book), book.listPrices(config.region), config.scale ? this.scalePrices(config, book, sizes) : undefined,
    ]);
    const cheapest = config.market === 'spot' ? spot : undefined;
    const compute = cheapest ? { usdPerHour: cheapest.usdPerHour, source: cheapest.source }
      : onDemand ? { usdPerHour: onDemand.value, source: onDemand.source, ...(config.market === 'spot' ? { note: 'no plausible spot price is known: priced at on-demand, the most spot costs' } : {}) } : undefined;
    if (!compute) {
      throw refused('NO_PRICE', `No price is known for ${config.instanceType} in ${config.region}: the Price List API gave none and the bundled table lacks it.`,
        'Check the instance type, or allow pricing:GetProducts for these credentials.');
    }
    const estimate = estimateMonthly(config, compute, assumptions, list, scalePrices);
    estimate.recommendation = recommendation;
    const saving = cheapest && onDemand ? spotSaving(onDemand.value, cheapest.usdPerHour) : undefined;
    if (saving !== undefined && onDemand) {
      const onDemandComputeUsd = Math.round(onDemand.value * HOURS_PER_MONTH * 100) / 100;
      const spotCompute = estimate.lines.find((line) => line.item === 'compute')?.usd ?? 0;
      estimate.spotSavings = { onDemandComputeUsd, savedUsd: Math.round((onDemandComputeUsd - spotCompute) * 100) / 100, percent: Math.round(saving * 100) };
    }
    return estimate;
  }

  /**
   * A scaled stack's own prices in its region: each pool's worker (its types on its market, through the same on-demand
   * and spot paths as the stack's instance), the RDS class and gp3 storage, the ElastiCache node. An unknown price is
   * refused (NO_PRICE), never taken as $0.
   */
  async scalePrices(config: StackConfig, book = this.priceBook(config.region, config.profile), sizes?: PoolSizesNow): Promise<ScalePrices | undefined> {
    const scale = config.scale;
    if (!scale) return undefined;
    const region = config.region;
    const [pools, database, databaseStorage, cache] = await Promise.all([
      Promise.all(workerPools(scale).map(async ({ pool, settings }) => {
        const priced = await poolPrice(book, region, pool, settings);
        if (priced) return priced;
        throw refused('NO_PRICE', `No price is known for the ${pool} workers' types (${settings.instanceTypes.join(', ')}) in ${region}: the Price List API gave none and the bundled table lacks them.`,
          `Check scale.${pool}Workers.instanceTypes, or allow pricing:GetProducts for these credentials.`);
      })),
      scale.database === 'rds' ? book.databaseHourly(scale.databaseClass, region) : undefined,
      scale.database === 'rds' ? book.databaseStorage(region) : undefined,
      scale.queue === 'elasticache' ? book.cacheHourly(scale.cacheNodeType, region) : undefined,
    ]);
    if (scale.database === 'rds' && !database) {
      throw refused('NO_PRICE', `No price is known for RDS ${scale.databaseClass} (PostgreSQL) in ${region}: the Price List API gave none and the bundled table lacks it.`,
        'Check scale.databaseClass, or allow pricing:GetProducts for these credentials.');
    }
    if (scale.queue === 'elasticache' && !cache) {
      throw refused('NO_PRICE', `No price is known for ElastiCache ${scale.cacheNodeType} (Valkey) in ${region}: the Price List API gave none and the bundled table lacks it.`,
        'Check scale.cacheNodeType, or allow pricing:GetProducts for these credentials.');
    }
    return { pools, ...(database ? { database } : {}), ...(databaseStorage ? { databaseStorage } : {}), ...(cache ? { cache } : {}), ...(sizes ? { sizes } : {}) };
  }

  /**
   * A scaled stack's month at every pool's min and at its max (pools, database, queue, internal load balancer), and the
   * whole stack's either way, at live prices where AWS gives them; undefined without `scale`.
   */
  async scaleMonthlyRange(config: StackConfig, assumptions: Assumptions = DEFAULT_ASSUMPTIONS): Promise<MonthlyEstimate['scale']> {
    return config.scale ? (await this.estimate(config, assumptions)).scale : undefined;
  }

  /** What the recorded stack costs per month as it is: a destroyed stack prices only what it kept (EFS, secrets, recovery points). */
  async stackEstimate(state: StackState, assumptions: Assumptions = DEFAULT_ASSUMPTIONS): Promise<MonthlyEstimate> {
    if (state.status !== 'destroyed') return this.estimate(state.config, assumptions, await this.poolSizesNow(state));
    const backups = keptBackups(state);
    const efs = state.resources.efs;
    const kept = efs?.status === 'created' && efs.id ? efs.id : undefined;
    const clients = this.clients(state.region, state.config.profile);
    const [list, sizeBytes] = await Promise.all([
      this.priceBook(state.region, state.config.profile).listPrices(state.region),
      kept ? describeFileSystemById(clients, kept).then((fs) => (fs ? fs.SizeInBytes?.Value ?? null : 'gone' as const), () => undefined) : Promise.resolve(undefined),
    ]);
    // A kept file system deleted since (outside the tool) costs nothing; one AWS would not describe is priced at the assumed size.
    if (sizeBytes === 'gone') return estimateKept(false, undefined, assumptions, list, backups);
    return estimateKept(kept !== undefined, typeof sizeBytes === 'number' ? sizeBytes / 1024 ** 3 : undefined, assumptions, list, backups);
  }

  /** What the stack has cost so far, from its recorded instance runs and the prices in force then. */
  async costToDate(name: string, now: Date = new Date(), from?: Date): Promise<CostToDate> {
    const recorded = await this.options.requireState(name);
    const since = from ?? new Date(recorded.createdAt);
    const { state, workers } = await this.withRunsAsEc2Says(recorded, now, since);
    const inputs = await this.historicInputs(state, since, now);
    return costToDate(state, inputs.prices, inputs.efs, now, from, inputs.rates, scaleActuals(inputs, workers));
  }

  /** Cumulative cost at each UTC midnight of the month so far and now: the cost panel's chart. */
  async costOverTime(name: string, now: Date = new Date()): Promise<CostPoint[]> {
    const days = monthDays(now);
    const { state, workers } = await this.withRunsAsEc2Says(await this.options.requireState(name), now, days[0] ?? now);
    const inputs = await this.historicInputs(state, days[0] ?? now, now);
    return costSeries(state, inputs.prices, inputs.efs, days, inputs.rates, scaleActuals(inputs, workers));
  }

  /**
   * What the stack costs per hour now: running, priced at the market and type the instance in service has (a
   * fallback to on-demand, an interchangeable type); stopped, what it keeps. An unknown price is said, never 0.
   */
  async hourlyNow(state: StackState, live: { running: boolean; market?: 'spot' | 'on-demand'; instanceType?: string }): Promise<HourlyNow> {
    try {
      if (!live.running) return hourlyNow(state, await this.stackEstimate(state), false);
      const config = { ...state.config, ...(live.market ? { market: live.market } : {}), ...(live.instanceType ? { instanceType: live.instanceType } : {}) };
      return hourlyNow(state, await this.estimate(config, DEFAULT_ASSUMPTIONS, await this.poolSizesNow(state)), true);
    } catch (error) {
      if (error instanceof GeuseError && error.code === 'NO_PRICE') return hourlyUnknown(error.message);
      throw error;
    }
  }

  /** The month projected from month-to-date and today's hourly rate, against the stack's budget (undefined without one). */
  async budget(name: string, now: Date = new Date()): Promise<BudgetStatus | undefined> {
    const state = await this.options.requireState(name);
    const budget = state.config.monthlyBudgetUsd;
    if (budget === undefined) return undefined;
    const [monthToDate, estimate] = await Promise.all([this.costToDate(name, now, startOfMonth(now)), this.stackEstimate(state)]);
    // Running: the whole estimate accrues by the hour; otherwise only what is kept (storage, a scaled stack's queue and load balancer) does.
    const perHour = state.status === 'deployed' || state.status === 'deploying'
      ? estimate.totalUsd / HOURS_PER_MONTH
      : keptLines(state, estimate).filter((line) => KEPT_WHILE_PAUSED.includes(line.item)).reduce((sum, line) => sum + line.usd, 0) / HOURS_PER_MONTH;
    return budgetStatus(budget, monthToDate.totalUsd, perHour, now);
  }

  async refuseOverBudget(config: StackConfig, budget: number): Promise<void> {
    const estimate = await this.estimate(config);
    if (estimate.totalUsd <= budget) return;
    throw refused('OVER_BUDGET', `Stack ${config.name} is estimated at $${estimate.totalUsd.toFixed(2)}/month, over its budget of $${budget.toFixed(2)}/month (${estimate.lines.map((l) => `${l.item} $${l.usd.toFixed(2)}`).join(', ')}).`,
      'Choose a smaller instance type or spot, raise monthlyBudgetUsd, or deploy anyway with --allow-over-budget.');
  }

  historicInputs(state: StackState, start: Date, end: Date): Promise<HistoricInputs> {
    return historicInputs(this.clients(state.region, state.config.profile), this.priceBook(state.region, state.config.profile), state, start, end);
  }

  private clients(region: string, profile?: string): AwsClients {
    return this.options.clients(region, profile);
  }

  /** Each pool's workers now (the groups' desired capacity, read back); a pool at 0 (paused) or unreadable is priced at its min. */
  private async poolSizesNow(state: StackState): Promise<PoolSizesNow | undefined> {
    if (!state.config.scale || state.status === 'destroyed') return undefined;
    try {
      const pools = await readPools(this.clients(state.region, state.config.profile), state, AbortSignal.timeout(LIVE_READ_TIMEOUT_MS));
      return Object.fromEntries(pools.filter((p) => p.ours && !p.missing && p.desired > 0).map((p) => [p.pool, p.desired]));
    } catch {
      return undefined;
    }
  }

  /**
   * The state with its open runs ended where EC2 says their instances are gone, and the worker pools' runs since
   * `since` added (in memory only: reads take no lock; the next deploy records the main instance's). When EC2 cannot
   * be asked, the runs stand as recorded.
   */
  private async withRunsAsEc2Says(state: StackState, now: Date, since: Date): Promise<{ state: StackState; workers?: WorkerRunsFound }> {
    const name = groupOf(state);
    const pools = costedPools(state).length > 0;
    if (openRuns(state).length === 0 && !name && !pools) return { state };
    try {
      const clients = this.clients(state.region, state.config.profile);
      const signal = AbortSignal.timeout(LIVE_READ_TIMEOUT_MS);
      const [group, found] = await Promise.all([
        name ? describeGroup(clients, name, signal) : Promise.resolve(undefined),
        pools ? workerRuns(clients, state, since, signal).catch(() => undefined) : Promise.resolve(undefined),
      ]);
      // A group still on the recorded instance replaced nothing since: its activities are read only otherwise.
      const activities = name && needsActivities(state, group) ? await scalingActivities(clients, name, signal).catch(() => []) : [];
      const ids = [...openRuns(state).map((run) => run.instanceId), ...(group?.instances.map((i) => i.id) ?? []), ...launchedByActivities(activities)];
      const sightings = ids.length > 0 ? await sightInstances(clients, ids, signal) : new Map<string, InstanceSighting>();
      for (const [id, seen] of found?.sightings ?? []) if (!sightings.has(id)) sightings.set(id, seen);
      // The group may have replaced the instance (once or more) since the record was written: each counts from its launch.
      const main = unrecordedRuns(state, group, sightings, activities);
      const mainIds = new Set(main.map((run) => run.instanceId));
      const runs = (found?.runs ?? []).filter((run) => !mainIds.has(run.instanceId));
      const withGroup = { ...state, compute: [...state.compute, ...main, ...runs.map(({ pool: _pool, assumed: _assumed, ...run }) => run)] };
      const workers = runs.length > 0 || found ? {
        workers: new Map(runs.map((run) => [run.instanceId, run.pool] as const)), assumed: new Set(runs.filter((run) => run.assumed).map((run) => run.instanceId)),
      } : undefined;
      return { state: { ...withGroup, compute: reconcileRuns(withGroup, sightings, now) }, ...(workers ? { workers } : {}) };
    } catch {
      return { state };
    }
  }
}

/** Each pool's workers now, by pool. */
export type PoolSizesNow = Partial<Record<WorkerPoolName, number>>;

/** The worker runs found for cost to date: which runs are workers, and which are priced as their pool's settings. */
interface WorkerRunsFound {
  workers: Map<string, WorkerPoolName>;
  assumed: Set<string>;
}

/** What still bills, by the hour, while a stack is paused: the kept storage, and a scaled stack's queue, load balancer and stopped database's storage. */
const KEPT_WHILE_PAUSED: readonly EstimateLine['item'][] = ['efs', 'backup', 'database', 'queue-cache', 'internal-alb'];

/** Cost to date's view of a scaled stack: the inputs' database and queue, plus the worker runs found. */
function scaleActuals(inputs: HistoricInputs, workers: WorkerRunsFound | undefined): ScaleActuals | undefined {
  if (!inputs.scale && !workers) return undefined;
  return { workerRootGb: {}, ...inputs.scale, workers: workers?.workers ?? new Map(), assumed: workers?.assumed ?? new Set() };
}

/** One worker of a pool: spot at the cheapest plausible price among its types now, on-demand at the first listed type. */
async function poolPrice(book: PriceBook, region: string, pool: WorkerPoolName, settings: WorkerPoolSettings): Promise<PoolPrice | undefined> {
  const types = settings.instanceTypes;
  const listed = types.length <= 4 ? types.join(', ') : `its ${types.length} types`;
  const quotes = await Promise.all(types.map(async (type) => {
    const [onDemand, spot] = await Promise.all([book.onDemandHourly(type, region), settings.market === 'spot' ? book.spotHourly(type, region) : Promise.resolve(undefined)]);
    return { type, onDemand, spot };
  }));
  if (settings.market === 'spot') {
    const offers = quotes.flatMap(({ type, onDemand, spot }) => {
      const { cheapest } = cheapestPlausible(spot?.value ?? [], onDemand?.value);
      return cheapest && spot ? [{ type, zone: cheapest.zone, usd: cheapest.usdPerHour, source: spot.source }] : [];
    }).sort((a, b) => a.usd - b.usd || a.type.localeCompare(b.type));
    const best = offers[0];
    if (best) {
      const dearest = offers.at(-1)!;
      const more = dearest.usd > best.usd ? `; price-capacity-optimized may launch a pool with more spare capacity, up to $${dearest.usd.toFixed(4)}/h (${dearest.type})` : '';
      return { pool, instanceType: best.type, market: 'spot', usdPerHour: best.usd, source: best.source, why: `the cheapest spot price now among ${listed}: ${best.type} in ${best.zone}${more}` };
    }
  }
  const first = quotes.find((q) => q.onDemand);
  if (!first?.onDemand) return undefined;
  const why = settings.market === 'spot' ? `no plausible spot price is known for ${listed}: ${first.type} at its on-demand price, the most spot costs`
    : first.type === types[0] ? 'the first listed type: on-demand "prioritized" launches it first' : `the first listed type with a known price (${types[0]} has none)`;
  return { pool, instanceType: first.type, market: settings.market, usdPerHour: first.onDemand.value, source: first.onDemand.source, why };
}

/**
 * Recovery points a destroyed stack kept, from its state only: the vault's record, and the size destroy recorded
 * (attrs.keptBackupBytes, the sum of the kept points' BackupSizeInBytes) when it did.
 */
function keptBackups(state: StackState): KeptBackups | undefined {
  const vault = state.resources[BACKUP_KEYS.vault];
  if (vault?.status !== 'created' || !vault.id) return undefined;
  const bytes = Number(vault.attrs.keptBackupBytes);
  return { vault: vault.id, ...(vault.attrs.keptBackupBytes !== undefined && Number.isFinite(bytes) && bytes >= 0 ? { bytes } : {}) };
}
