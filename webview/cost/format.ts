import type { BudgetView, CostPointView, StackCost } from '../../src/protocol/cost';

/** Words and numbers the cost panel shows (pure, no DOM). */

const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Cents, except under a dollar, where cents would show a young stack's cost as $0.00. */
export function usd(value: number): string {
  return value !== 0 && Math.abs(value) < 1 ? `${value < 0 ? '-' : ''}$${Math.abs(value).toFixed(3)}` : dollars.format(value);
}

/** Per hour needs more digits than a month: $0.233/h; a kept file system's fraction of a cent is not "$0.000/h". */
export function perHour(value: number | undefined): string {
  if (value === undefined) return 'unknown';
  if (value === 0) return '$0.00/h';
  if (value < 0.0005) return 'under $0.001/h';
  return `$${value.toFixed(value < 10 ? 3 : 2)}/h`;
}

/** The chart's axis top: the smallest round amount (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × a power of ten) at or above `value`. */
export function niceCeiling(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * power >= value * (1 - 1e-9)) ?? 10;
  return Number((step * power).toPrecision(2));
}

/** Axis amounts are round: "$60", "$2.5", "$0.02". */
export function axisUsd(value: number): string {
  return `$${Number(value.toPrecision(2))}`;
}

export function percent(value: number): string {
  return `${Math.round(value)}%`;
}

/** "Nov 23" in UTC: the series' days are UTC midnights. */
export function day(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

export function timeOfDay(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleTimeString();
}

export function stackFacts(stack: StackCost): string {
  return [stack.status, stack.tier, `${stack.instanceType} ${stack.market}`, stack.region].filter(Boolean).join(' · ');
}

export function savingsWords(stack: StackCost): string | undefined {
  const savings = stack.spotSavings;
  if (!savings) return stack.market === 'spot' ? 'unknown: no believable spot price, so the estimate uses on-demand' : undefined;
  return `${usd(savings.savedUsd)}/month (${percent(savings.percent)} less than ${usd(savings.onDemandComputeUsd)} on demand)`;
}

export function budgetWords(budget: BudgetView): string {
  const share = budget.budgetUsd > 0 ? (budget.projectedUsd / budget.budgetUsd) * 100 : 0;
  const state = budget.reached.includes(100) ? 'over budget' : budget.reached.includes(80) ? 'past the 80% alert' : 'within budget';
  return `Projected ${usd(budget.projectedUsd)} of ${usd(budget.budgetUsd)} this month (${percent(share)}, ${state}); ${usd(budget.monthToDateUsd)} so far. Alert at 80%.`;
}

export function seriesWords(series: readonly CostPointView[]): string {
  const last = series[series.length - 1];
  if (!last) return 'No cost recorded this month yet';
  return `Cost this month, cumulative by day: ${usd(last.usd)} by ${day(last.at)} (${series.length} points)`;
}
