import {
  budgetStatus, classifyAwsError, type CostPoint, type CostToDate, type Engine, estimateHourly, type EstimateLine, HOURS_PER_MONTH, keptLines, type MonthlyEstimate, type StackState, startOfMonth,
} from '../../engine';
import { COST_ITEMS, MAX_STACKS, SCALE_COST_ITEMS, type CostItem, type CostPointView, type CostSnapshot, type EstimateLineView, type PriceSourceView, type StackCost } from '../../protocol/cost';
import type { StackTarget } from '../../protocol/health';

/** Every item the cost engine prices (the panel's table shows COST_ITEMS of them). */
const LABELS: Record<CostItem | EstimateLine['item'], string> = {
  compute: 'Compute', ebs: 'EBS root volume', efs: 'EFS storage', 'public-ipv4': 'Public IPv4',
  alb: 'Load balancer (ALB)', cloudfront: 'CloudFront', 'data-transfer': 'Data transfer out', backup: 'AWS Backup storage',
  'n8n-workers': 'n8n workers', 'ollama-workers': 'Ollama workers', database: 'PostgreSQL (RDS)', 'queue-cache': 'Queue (ElastiCache)', 'internal-alb': 'Internal load balancer',
};

const cut = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);
const money = (usd: number) => Math.max(0, usd);

/** What the engine answered for one stack; a piece is absent when its call failed (the failure is in `errors`). */
export interface StackCostInput {
  target: StackTarget;
  state: StackState;
  now: Date;
  estimate?: MonthlyEstimate;
  monthToDate?: CostToDate;
  series?: CostPoint[];
  errors: unknown[];
}

const sourceView = (line: Pick<EstimateLine, 'source' | 'sourceText'>): PriceSourceView => ({ kind: line.source, label: cut(line.sourceText, 64) });

/**
 * Every item, in a fixed order; those the tier lacks are shown as not used rather than left out. A scaled stack's own
 * items (pools, database, queue, internal load balancer) appear only where the estimate prices them.
 */
function lines(estimate: MonthlyEstimate, tier: string): EstimateLineView[] {
  return COST_ITEMS.flatMap((item): EstimateLineView[] => {
    const line = estimate.lines.find((l) => l.item === item);
    if (!line && SCALE_COST_ITEMS.includes(item)) return [];
    if (!line) return [{ item, label: LABELS[item], usd: 0, basis: `Not used by this stack (${tier} tier).`, source: { kind: 'estimated', label: 'not used' }, included: false }];
    const pool = line.pool ? { pool: { ...line.pool, atMaxUsd: money(line.pool.atMaxUsd) } } : {};
    return [{ item, label: LABELS[item], usd: money(line.usd), basis: cut(line.basis, 500), source: sourceView(line), included: true, ...pool }];
  });
}

/** An instance runs while its interval is open: that, not the stack's status, is what bills by the hour. */
const isRunning = (state: StackState) => state.compute.some((run) => !run.endedAt);

/** Today's rate: running, the whole estimate by the hour; otherwise only what is kept (as the budget projects it). */
function hourly(input: StackCostInput): Pick<StackCost, 'hourlyUsd' | 'hourlyBasis' | 'hourlySource'> {
  const { state, estimate } = input;
  const compute = estimate?.lines.find((l) => l.item === 'compute');
  if (isRunning(state)) {
    if (estimate) {
      return { hourlyUsd: estimate.totalUsd / HOURS_PER_MONTH, hourlyBasis: `The monthly estimate ($${estimate.totalUsd.toFixed(2)}) over ${HOURS_PER_MONTH} h.`, hourlySource: compute ? sourceView(compute) : { kind: 'estimated', label: 'estimated' } };
    }
    const bundled = estimateHourly(state.config);
    if (bundled) return { hourlyUsd: bundled.usd, hourlyBasis: cut(bundled.basis, 500), hourlySource: { kind: 'estimated', label: 'estimated' } };
    return { hourlyBasis: `No believable price is known for ${state.config.instanceType} in ${state.region}.`, hourlySource: { kind: 'estimated', label: 'unknown' } };
  }
  // What bills while no instance runs (the engine's rule): kept storage, load balancers, a scaled stack's queue and stopped database's storage.
  const kept = estimate ? keptLines(state, estimate) : [];
  if (kept.length === 0) return { hourlyUsd: 0, hourlyBasis: 'No instance runs and nothing billed by the hour is kept.', hourlySource: { kind: 'estimated', label: 'estimated' } };
  const monthly = kept.reduce((sum, line) => sum + line.usd, 0);
  return {
    hourlyUsd: monthly / HOURS_PER_MONTH,
    hourlyBasis: cut(`No instance runs; still billing: ${kept.map((line) => `${LABELS[line.item]} $${line.usd.toFixed(2)}/month`).join(', ')}.`, 500),
    hourlySource: sourceView(kept[0]!),
  };
}

function errorText(errors: unknown[]): string | undefined {
  if (errors.length === 0) return undefined;
  const messages = [...new Set(errors.map((error) => {
    const classified = classifyAwsError(error);
    return [classified.message, classified.nextStep].filter(Boolean).join(' ');
  }))];
  return cut(messages.join('\n'), 2000);
}

/** One stack's row (pure: the tests build their fixtures through it too). */
export function toStackCost(input: StackCostInput): StackCost {
  const { state, estimate, monthToDate } = input;
  const rate = hourly(input);
  const budgetUsd = state.config.monthlyBudgetUsd;
  const budget = budgetUsd !== undefined && monthToDate ? budgetStatus(budgetUsd, monthToDate.totalUsd, rate.hourlyUsd ?? 0, input.now) : undefined;
  const error = errorText(input.errors);
  return {
    target: input.target,
    region: cut(state.region, 32),
    tier: state.config.tier,
    status: state.status,
    instanceType: cut(state.config.instanceType, 64),
    market: state.config.market,
    running: isRunning(state),
    canPause: state.status === 'deployed' || state.status === 'deploy_failed',
    ...rate,
    ...(monthToDate ? { monthToDateUsd: money(monthToDate.totalUsd), monthToDateBasis: cut(monthToDate.basis, 500) } : {}),
    ...(estimate ? {
      estimate: { totalUsd: money(estimate.totalUsd), lines: lines(estimate, state.config.tier), ...(estimate.scale ? { totalAtMaxUsd: money(estimate.scale.totalAtMaxUsd) } : {}) },
    } : {}),
    ...(estimate?.spotSavings ? { spotSavings: estimate.spotSavings } : {}),
    ...(budget ? { budget: { budgetUsd: money(budget.budgetUsd), monthToDateUsd: money(budget.monthToDateUsd), projectedUsd: money(budget.projectedUsd), reached: budget.reached } } : {}),
    series: (input.series ?? []).slice(-33).map((point) => ({ at: point.at, usd: money(point.usd) })),
    ...(error ? { error } : {}),
  };
}

/** The sum of the stacks' series, point by point (all share one `now`, so one set of days). */
function totalSeries(stacks: readonly StackCost[]): CostPointView[] {
  const sums = new Map<string, number>();
  for (const stack of stacks) for (const point of stack.series) sums.set(point.at, (sums.get(point.at) ?? 0) + point.usd);
  return [...sums].sort(([a], [b]) => a.localeCompare(b)).slice(-33).map(([at, usd]) => ({ at, usd }));
}

/** Every stack and the total row across them. */
export function toCostSnapshot(stacks: StackCost[], options: { checkedAt?: string; focus?: StackTarget; error?: string } = {}): CostSnapshot {
  const shown = stacks.slice(0, MAX_STACKS);
  const sum = (pick: (stack: StackCost) => number) => shown.reduce((total, stack) => total + pick(stack), 0);
  return {
    stacks: shown,
    total: {
      hourlyUsd: sum((s) => s.hourlyUsd ?? 0),
      unknownHourly: shown.filter((s) => s.hourlyUsd === undefined).length,
      monthToDateUsd: sum((s) => s.monthToDateUsd ?? 0),
      monthlyAtRateUsd: sum((s) => (s.hourlyUsd ?? 0) * HOURS_PER_MONTH),
      spotSavedUsd: sum((s) => (s.running ? s.spotSavings?.savedUsd ?? 0 : 0)),
      series: totalSeries(shown),
    },
    refreshing: false,
    ...(options.checkedAt ? { checkedAt: options.checkedAt } : {}),
    ...(options.focus ? { focus: options.focus } : {}),
    ...(options.error ? { error: cut(options.error, 2000) } : {}),
  };
}

/** Asks the engine for everything the panel shows about one stack; a failing piece leaves the rest standing. */
export async function gatherStackCost(engine: Engine, target: StackTarget, state: StackState, now: Date): Promise<StackCost> {
  const [estimate, monthToDate, series] = await Promise.allSettled([
    engine.stackEstimate(state),
    engine.costToDate(target.name, now, startOfMonth(now)),
    engine.costOverTime(target.name, now),
  ]);
  const value = <T>(result: PromiseSettledResult<T>) => (result.status === 'fulfilled' ? result.value : undefined);
  const errors = [estimate, monthToDate, series].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  return toStackCost({ target, state, now, estimate: value(estimate), monthToDate: value(monthToDate), series: value(series), errors });
}
