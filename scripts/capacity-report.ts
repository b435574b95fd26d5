/**
 * The capacity table for `npm run bench`: one day of the workload below through one instance (regular mode)
 * and through queue-mode worker pools on EC2 Auto Scaling (scripts/capacity-model.ts; docs/capacity-model.md).
 */
import { AUTO_SCALING, generateExecutions, percentile, simulate, type Pool, type ScalingPolicy, type SimResult, type Workload } from './capacity-model';

export const SEED = 19;

/** Quiet nights, a busy working day, and a webhook storm at half past every hour; AI-call-like execution times. */
export const WORKLOAD: Workload = {
  hours: 24,
  backgroundPerMinute: 1,
  peaks: [{ fromHour: 9, toHour: 17, perMinute: 40 }],
  storm: { everyMinutes: 60, atMinute: 30, size: 600, spreadS: 60 },
  execution: { medianS: 15, p95S: 60 },
};

/** On-demand list prices, us-east-1, USD per hour (Linux; RDS PostgreSQL Single-AZ; ElastiCache Redis OSS node). */
export const PRICES = {
  main: { type: 't3.xlarge', usdPerHour: 0.1664 },
  worker: { type: 'c7i.large', usdPerHour: 0.08925 },
  database: { type: 'db.t4g.medium', usdPerHour: 0.065 },
  queue: { type: 'cache.t4g.small', usdPerHour: 0.032 },
} as const;

export interface Scenario {
  label: string;
  mode: 'regular' | 'queue';
  pool: Pool;
}

export const SCENARIOS: readonly Scenario[] = [
  { label: `one ${PRICES.main.type}, regular mode, 20 at once`, mode: 'regular', pool: { min: 1, max: 1, concurrency: 20 } },
  { label: `queue mode, ${PRICES.worker.type} workers 1..4`, mode: 'queue', pool: { min: 1, max: 4, concurrency: 10 } },
  { label: `queue mode, ${PRICES.worker.type} workers 2..8`, mode: 'queue', pool: { min: 2, max: 8, concurrency: 10 } },
  { label: `queue mode, ${PRICES.worker.type} workers 8 (fixed)`, mode: 'queue', pool: { min: 8, max: 8, concurrency: 10 } },
];

export interface Row {
  label: string;
  completed: number;
  peakPerMinute: number;
  waitP50S: number;
  waitP95S: number;
  waitP99S: number;
  meanWorkers: number;
  maxWorkers: number;
  instanceHours: number;
  costUsd: number;
  usdPer1000: number;
}

function maxConcurrentWorkers(result: SimResult): number {
  const edges = result.workers.flatMap((w) => [{ t: w.launchedAt, d: 1 }, { t: w.stoppedAt, d: -1 }]).sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}

/** Cost over the simulated day: regular mode is the instance alone; queue mode adds workers, RDS and ElastiCache. */
export function summarise(scenario: Scenario, result: SimResult): Row {
  const hours = result.endS / 3600;
  const workerHours = result.workerSeconds / 3600;
  const costUsd = scenario.mode === 'regular'
    ? workerHours * PRICES.main.usdPerHour
    : hours * (PRICES.main.usdPerHour + PRICES.database.usdPerHour + PRICES.queue.usdPerHour) + workerHours * PRICES.worker.usdPerHour;
  return {
    label: scenario.label,
    completed: result.completed,
    peakPerMinute: Math.max(0, ...result.completionsPerMinute),
    waitP50S: percentile(result.waitsS, 50),
    waitP95S: percentile(result.waitsS, 95),
    waitP99S: percentile(result.waitsS, 99),
    meanWorkers: result.workerSeconds / result.endS,
    maxWorkers: maxConcurrentWorkers(result),
    instanceHours: scenario.mode === 'regular' ? workerHours : hours + workerHours,
    costUsd,
    usdPer1000: result.completed === 0 ? 0 : (1000 * costUsd) / result.completed,
  };
}

export function capacityRows(seed = SEED, workload: Workload = WORKLOAD, policy: ScalingPolicy = AUTO_SCALING): Row[] {
  const executions = generateExecutions(workload, seed);
  return SCENARIOS.map((s) => summarise(s, simulate(executions, s.pool, policy, workload.hours * 3600)));
}

const wait = (s: number) => (s < 60 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

export function formatTable(rows: readonly Row[]): string[] {
  const width = Math.max(...rows.map((r) => r.label.length));
  const header = `  ${'scenario'.padEnd(width)}  ${['done', 'peak/min', 'wait p50', 'p95', 'p99', 'workers', 'inst-h', '$/day', '$/1k'].map((h, i) => (i === 0 ? h.padStart(6) : h.padStart(9))).join('')}`;
  return [header, ...rows.map((r) => `  ${r.label.padEnd(width)}  ${String(r.completed).padStart(6)}${[
    String(r.peakPerMinute), wait(r.waitP50S), wait(r.waitP95S), wait(r.waitP99S), `${r.meanWorkers.toFixed(1)} (${r.maxWorkers})`,
    r.instanceHours.toFixed(1), r.costUsd.toFixed(2), r.usdPer1000.toFixed(3),
  ].map((c) => c.padStart(9)).join('')}`)];
}

/** The bench section: the table, and whether a second run with the same seed gives the same table. */
export function capacityReport(seed = SEED): string[] {
  const started = Date.now();
  const table = formatTable(capacityRows(seed));
  const again = formatTable(capacityRows(seed));
  const deterministic = table.join('\n') === again.join('\n');
  const w = WORKLOAD;
  const p = AUTO_SCALING;
  return [
    `Capacity model (docs/capacity-model.md; seed ${seed}; ${Date.now() - started} ms for two runs):`,
    `  ${w.hours} h: Poisson ${w.backgroundPerMinute}/min, ${w.peaks.map((k) => `${k.perMinute}/min ${k.fromHour}:00–${k.toHour}:00`).join(', ')}; storm of ${w.storm?.size ?? 0} in ${w.storm?.spreadS ?? 0} s every ${w.storm?.everyMinutes ?? 0} min; execution time lognormal, median ${w.execution.medianS} s, p95 ${w.execution.p95S} s`,
    `  target tracking on CPU ${p.targetCpuPercent}% (≈ busy slots / concurrency): out after ${p.scaleOutDatapoints} 1-min datapoints above, in after ${p.scaleInDatapoints} below ${p.targetCpuPercent * p.scaleInThresholdRatio}%, ${p.scaleInStep} per ${p.scaleInCooldownS} s; warm-up ${p.warmupS} s`,
    `  prices (on-demand list, us-east-1): ${PRICES.main.type} $${PRICES.main.usdPerHour}/h main; ${PRICES.worker.type} $${PRICES.worker.usdPerHour}/h per worker; queue mode adds RDS ${PRICES.database.type} $${PRICES.database.usdPerHour}/h and ElastiCache ${PRICES.queue.type} $${PRICES.queue.usdPerHour}/h`,
    ...table,
    `  workers = mean (max) billed workers; inst-h includes the main instance; $/day includes RDS and ElastiCache in queue mode`,
    `  ${deterministic ? 'PASS' : 'FAIL'}  the simulation is deterministic: two runs with seed ${seed} give the same table`,
  ];
}
