import type { EfsStorage } from './efs-size';
import type { StackState } from '../state/schema';
import { costToDate, startOfMonth, type FixedRates, type HistoricPrices, type PricePoint, type ScaleActuals } from './to-date';

/** Cumulative cost from the start of the period up to `at`. */
export interface CostPoint {
  at: string;
  usd: number;
}

const DAY_MS = 86_400_000;

/** The month's UTC midnights up to now, then now itself: where the cost panel's chart has a point. */
export function monthDays(now: Date): Date[] {
  const days: Date[] = [];
  for (let at = startOfMonth(now).getTime(); at <= now.getTime(); at += DAY_MS) days.push(new Date(at));
  if (days[days.length - 1]?.getTime() !== now.getTime()) days.push(now);
  return days;
}

/**
 * The stack as it was at `at`: runs that had not started yet are dropped, runs that ended later end at `at`.
 * costToDate ends open runs at its `now` but trusts recorded ends, which may lie after a historic point.
 */
function asOf(state: StackState, at: Date): StackState {
  const compute = state.compute
    .filter((run) => new Date(run.startedAt) < at)
    .map((run) => (run.endedAt && new Date(run.endedAt) > at ? { ...run, endedAt: at.toISOString() } : run));
  return { ...state, compute };
}

function once<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = load();
    cache.set(key, value);
  }
  return value;
}

/** Asks AWS once per instance type (and zone) for the whole range, not once per point. */
function memoized(prices: HistoricPrices, start: Date, end: Date): HistoricPrices {
  const onDemand = new Map<string, Promise<number | undefined>>();
  const spot = new Map<string, Promise<PricePoint[]>>();
  return {
    onDemandHourly: (type) => once(onDemand, type, () => prices.onDemandHourly(type)),
    // A superset of the records for any sub-range: integrateSpot clips to the interval it is given.
    spotHistory: (type, zone) => once(spot, `${type}|${zone}`, () => prices.spotHistory(type, zone, start, end)),
  };
}

/**
 * Cumulative cost at each of `days` (ascending; the first is the start of the period, so its point is 0),
 * computed by costToDate on the stack as it stood at each point (load balancers' lifetimes it already ends at
 * its `now`).
 */
export async function costSeries(state: StackState, prices: HistoricPrices, efs: EfsStorage, days: readonly Date[], rates?: FixedRates, scale?: ScaleActuals): Promise<CostPoint[]> {
  const from = days[0];
  const to = days[days.length - 1];
  if (!from || !to) return [];
  const cached = memoized(prices, from, to);
  return Promise.all(days.map(async (at) => ({ at: at.toISOString(), usd: (await costToDate(asOf(state, at), cached, efs, at, from, rates, scale)).totalUsd })));
}
