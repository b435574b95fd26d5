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
import { DEFAULT_ASSUMPTIONS, estimateKept, estimateMonthly, type Assumptions, type KeptBackups, type MonthlyEstimate } from './estimate';
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
import { budgetStatus, costToDate, startOfMonth, type BudgetStatus, type CostToDate } from './to-date';

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

  /** A month of the stack `config` describes: compute at the chosen market's price (spot: cheapest AZ), the rest from list prices. */
  async estimate(config: StackConfig, assumptions: Assumptions = DEFAULT_ASSUMPTIONS): Promise<MonthlyEstimate> {
    const book = this.priceBook(config.region, config.profile);
    const [{ onDemand, spot, recommendation }, list] = await Promise.all([this.marketAdvice(config, book), book.listPrices(config.region)]);
    const cheapest = config.market === 'spot' ? spot : undefined;
    const compute = cheapest ? { usdPerHour: cheapest.usdPerHour, source: cheapest.source }
      : onDemand ? { usdPerHour: onDemand.value, source: onDemand.source, ...(config.market === 'spot' ? { note: 'no plausible spot price is known: priced at on-demand, the most spot costs' } : {}) } : undefined;
    if (!compute) {
      throw refused('NO_PRICE', `No price is known for ${config.instanceType} in ${config.region}: the Price List API gave none and the bundled table lacks it.`,
        'Check the instance type, or allow pricing:GetProducts for these credentials.');
    }
    const estimate = estimateMonthly(config, compute, assumptions, list);
    estimate.recommendation = recommendation;
    const saving = cheapest && onDemand ? spotSaving(onDemand.value, cheapest.usdPerHour) : undefined;
    if (saving !== undefined && onDemand) {
      const onDemandComputeUsd = Math.round(onDemand.value * HOURS_PER_MONTH * 100) / 100;
      const spotCompute = estimate.lines.find((line) => line.item === 'compute')?.usd ?? 0;
      estimate.spotSavings = { onDemandComputeUsd, savedUsd: Math.round((onDemandComputeUsd - spotCompute) * 100) / 100, percent: Math.round(saving * 100) };
    }
    return estimate;
  }

  /** What the recorded stack costs per month as it is: a destroyed stack prices only what it kept (EFS, secrets, recovery points). */
  async stackEstimate(state: StackState, assumptions: Assumptions = DEFAULT_ASSUMPTIONS): Promise<MonthlyEstimate> {
    if (state.status !== 'destroyed') return this.estimate(state.config, assumptions);
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
    const state = await this.withRunsAsEc2Says(await this.options.requireState(name), now);
    const inputs = await this.historicInputs(state, from ?? new Date(state.createdAt), now);
    return costToDate(state, inputs.prices, inputs.efs, now, from, inputs.rates);
  }

  /** Cumulative cost at each UTC midnight of the month so far and now: the cost panel's chart. */
  async costOverTime(name: string, now: Date = new Date()): Promise<CostPoint[]> {
    const state = await this.withRunsAsEc2Says(await this.options.requireState(name), now);
    const days = monthDays(now);
    const inputs = await this.historicInputs(state, days[0] ?? now, now);
    return costSeries(state, inputs.prices, inputs.efs, days, inputs.rates);
  }

  /**
   * What the stack costs per hour now: running, priced at the market and type the instance in service has (a
   * fallback to on-demand, an interchangeable type); stopped, what it keeps. An unknown price is said, never 0.
   */
  async hourlyNow(state: StackState, live: { running: boolean; market?: 'spot' | 'on-demand'; instanceType?: string }): Promise<HourlyNow> {
    try {
      if (!live.running) return hourlyNow(state, await this.stackEstimate(state), false);
      const config = { ...state.config, ...(live.market ? { market: live.market } : {}), ...(live.instanceType ? { instanceType: live.instanceType } : {}) };
      return hourlyNow(state, await this.estimate(config), true);
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
    // Running: the whole estimate accrues by the hour; otherwise only the kept storage (file system, recovery points) does.
    const perHour = state.status === 'deployed' || state.status === 'deploying'
      ? estimate.totalUsd / HOURS_PER_MONTH
      : keptLines(state, estimate).filter((line) => line.item === 'efs' || line.item === 'backup').reduce((sum, line) => sum + line.usd, 0) / HOURS_PER_MONTH;
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

  /**
   * The state with its open runs ended where EC2 says their instances are gone (in memory only: reads take no
   * lock; the next deploy records it). When EC2 cannot be asked, the runs stand as recorded.
   */
  private async withRunsAsEc2Says(state: StackState, now: Date): Promise<StackState> {
    const name = groupOf(state);
    if (openRuns(state).length === 0 && !name) return state;
    try {
      const clients = this.clients(state.region, state.config.profile);
      const signal = AbortSignal.timeout(LIVE_READ_TIMEOUT_MS);
      const group = name ? await describeGroup(clients, name, signal) : undefined;
      // A group still on the recorded instance replaced nothing since: its activities are read only otherwise.
      const activities = name && needsActivities(state, group) ? await scalingActivities(clients, name, signal).catch(() => []) : [];
      const ids = [...openRuns(state).map((run) => run.instanceId), ...(group?.instances.map((i) => i.id) ?? []), ...launchedByActivities(activities)];
      const sightings = ids.length > 0 ? await sightInstances(clients, ids, signal) : new Map<string, InstanceSighting>();
      // The group may have replaced the instance (once or more) since the record was written: each counts from its launch.
      const withGroup = { ...state, compute: [...state.compute, ...unrecordedRuns(state, group, sightings, activities)] };
      return { ...withGroup, compute: reconcileRuns(withGroup, sightings, now) };
    } catch {
      return state;
    }
  }
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
