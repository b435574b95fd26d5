/**
 * Capacity model for n8n on one instance vs queue mode with a worker pool on EC2 Auto Scaling (issue 19,
 * "Measured, not assumed"). A seeded discrete-event simulation: pure, no AWS, no I/O. The model, where its
 * numbers come from and its limits: docs/capacity-model.md. The table: scripts/capacity-report.ts.
 */

export type Rand = () => number;

/** mulberry32: a tiny seeded PRNG, so the same seed gives the same day, run after run. */
export function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ─── Workload: arrivals and execution times ────────────────────────────────────────────────────────────

export interface RatePeriod {
  fromHour: number;
  toHour: number;
  perMinute: number;
}

/** A webhook storm: `size` executions spread evenly at random over `spreadS`, every `everyMinutes` from `atMinute`. */
export interface Storm {
  everyMinutes: number;
  atMinute: number;
  size: number;
  spreadS: number;
}

export interface Workload {
  hours: number;
  /** Poisson rate outside the peaks. */
  backgroundPerMinute: number;
  /** Hours of the day (0–24, repeating) with a different Poisson rate. */
  peaks: readonly RatePeriod[];
  storm?: Storm;
  /** Lognormal execution time, given as its median and 95th percentile. */
  execution: { medianS: number; p95S: number };
}

export interface Execution {
  id: number;
  arriveAt: number;
  durationS: number;
}

const Z95 = 1.6448536269514722;

function standardNormal(rand: Rand): number {
  const u = 1 - rand(); // (0, 1]: log(0) never happens
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Lognormal with the given median and p95: μ = ln(median), σ = ln(p95 / median) / z₀.₉₅. */
export function lognormalSampler(medianS: number, p95S: number, rand: Rand): () => number {
  const mu = Math.log(medianS);
  const sigma = Math.log(p95S / medianS) / Z95;
  return () => Math.exp(mu + sigma * standardNormal(rand));
}

export function ratePerMinuteAt(workload: Workload, hourOfDay: number): number {
  return workload.peaks.find((p) => hourOfDay >= p.fromHour && hourOfDay < p.toHour)?.perMinute ?? workload.backgroundPerMinute;
}

/** Poisson arrivals, the rate constant within each hour (exponential gaps restart at the hour: memoryless). */
export function poissonArrivals(workload: Workload, rand: Rand): number[] {
  const times: number[] = [];
  for (let hour = 0; hour < workload.hours; hour++) {
    const perSecond = ratePerMinuteAt(workload, hour % 24) / 60;
    if (perSecond <= 0) continue;
    const end = (hour + 1) * 3600;
    for (let t = hour * 3600 - Math.log(1 - rand()) / perSecond; t < end; t -= Math.log(1 - rand()) / perSecond) times.push(t);
  }
  return times;
}

export function stormArrivals(workload: Workload, rand: Rand): number[] {
  const storm = workload.storm;
  if (!storm || storm.size <= 0) return [];
  const times: number[] = [];
  for (let start = storm.atMinute * 60; start < workload.hours * 3600; start += storm.everyMinutes * 60) {
    for (let i = 0; i < storm.size; i++) times.push(start + rand() * storm.spreadS);
  }
  return times;
}

/** The day's executions, in arrival order. Every scenario gets the same list for the same seed. */
export function generateExecutions(workload: Workload, seed: number): Execution[] {
  const rand = mulberry32(seed);
  const times = [...poissonArrivals(workload, rand), ...stormArrivals(workload, rand)].sort((a, b) => a - b);
  const duration = lognormalSampler(workload.execution.medianS, workload.execution.p95S, rand);
  return times.map((arriveAt, id) => ({ id, arriveAt, durationS: duration() }));
}

// ─── Auto Scaling: target tracking on average CPU ──────────────────────────────────────────────────────

/** Where `min === max` the pool is fixed: the policy can never change it. One instance is a pool of 1..1. */
export interface Pool {
  min: number;
  max: number;
  /** Executions a worker runs at once (`n8n worker --concurrency`; on one instance, its production limit). */
  concurrency: number;
}

export interface ScalingPolicy {
  targetCpuPercent: number;
  /** AlarmHigh: this many consecutive 1-minute datapoints above the target. */
  scaleOutDatapoints: number;
  /** AlarmLow: this many consecutive 1-minute datapoints below `target × scaleInThresholdRatio`. */
  scaleInDatapoints: number;
  scaleInThresholdRatio: number;
  /** From launch to taking jobs and counting in the metric: boot, image pull, n8n start (the group's instance warm-up). */
  warmupS: number;
  /** No scale-in within this long after any scaling activity. */
  scaleInCooldownS: number;
  /** Workers removed per scale-in activity (target tracking removes capacity gradually). */
  scaleInStep: number;
  /** EC2 bills a Linux instance for at least this long. */
  minBilledS: number;
}

export const AUTO_SCALING: ScalingPolicy = {
  targetCpuPercent: 50,
  scaleOutDatapoints: 3,
  scaleInDatapoints: 15,
  scaleInThresholdRatio: 0.7,
  warmupS: 240,
  scaleInCooldownS: 300,
  scaleInStep: 1,
  minBilledS: 60,
};

export interface ScalingInput {
  /** Average CPU percent per minute, oldest first; null where no worker reported (insufficient data). */
  datapoints: readonly (number | null)[];
  /** Workers past warm-up and not draining: the ones the metric averages. */
  ready: number;
  /** Desired capacity: ready plus warming up. */
  desired: number;
  warming: number;
  sinceLastActivityS: number;
}

function lastDatapoints(datapoints: readonly (number | null)[], n: number): number[] | undefined {
  if (datapoints.length < n) return undefined;
  const tail = datapoints.slice(-n);
  return tail.every((v) => v !== null) ? (tail as number[]) : undefined;
}

const clamp = (n: number, pool: Pool) => Math.min(pool.max, Math.max(pool.min, n));

/**
 * The new desired capacity. Scale out when AlarmHigh holds: capacity proportional to the metric
 * (ready × metric / target), with warming instances already counted in `desired`, so a launch is never
 * repeated while it warms up. Scale in when AlarmLow holds, no instance is warming up and the cooldown has passed.
 */
export function targetTracking(input: ScalingInput, pool: Pool, policy: ScalingPolicy): number {
  const target = policy.targetCpuPercent;
  const high = lastDatapoints(input.datapoints, policy.scaleOutDatapoints);
  if (high && high.every((v) => v > target)) {
    return clamp(Math.max(input.desired, Math.ceil((input.ready * high[high.length - 1]!) / target)), pool);
  }
  const low = lastDatapoints(input.datapoints, policy.scaleInDatapoints);
  if (low && low.every((v) => v < target * policy.scaleInThresholdRatio) && input.warming === 0 && input.sinceLastActivityS >= policy.scaleInCooldownS) {
    const proportional = Math.ceil((input.ready * low[low.length - 1]!) / target);
    return clamp(Math.max(proportional, input.desired - policy.scaleInStep), pool);
  }
  return input.desired;
}

// ─── The simulation ────────────────────────────────────────────────────────────────────────────────────

interface Worker {
  id: number;
  launchedAt: number;
  readyAt: number;
  drainingSince?: number;
  stoppedAt?: number;
  running: number;
  busySlotS: number;
  lastT: number;
  busyAtTick: number;
}

export interface WorkerRecord {
  id: number;
  launchedAt: number;
  readyAt: number;
  stoppedAt: number;
}

export interface Start {
  executionId: number;
  workerId: number;
  arriveAt: number;
  startAt: number;
}

export interface Activity {
  atS: number;
  direction: 'out' | 'in';
  from: number;
  to: number;
}

export interface SimResult {
  completed: number;
  starts: Start[];
  /** Queue waits in seconds, ascending. */
  waitsS: number[];
  completionsPerMinute: number[];
  datapoints: (number | null)[];
  activities: Activity[];
  workers: WorkerRecord[];
  /** The end of the day, or of the last execution if later. */
  endS: number;
  /** Billed worker-seconds (launch to stop, at least the minimum). */
  workerSeconds: number;
}

type EventBody = { kind: 'done'; worker: Worker } | { kind: 'ready'; worker: Worker } | { kind: 'arrive'; execution: Execution } | { kind: 'tick' };
type Event = EventBody & { t: number; order: number; seq: number };
const ORDER = { done: 0, ready: 1, arrive: 2, tick: 3 } as const;

/** A binary min-heap of events by time, then kind (completions first), then insertion: deterministic. */
class EventQueue {
  private readonly heap: Event[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(event: EventBody & { t: number }): void {
    this.heap.push({ ...event, order: ORDER[event.kind], seq: this.seq++ });
    for (let i = this.heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): Event | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last) {
      this.heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.heap.length && this.before(l, m)) m = l;
        if (r < this.heap.length && this.before(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private before(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.t !== b.t ? a.t < b.t : a.order !== b.order ? a.order < b.order : a.seq < b.seq;
  }

  private swap(i: number, j: number): void {
    [this.heap[i], this.heap[j]] = [this.heap[j]!, this.heap[i]!];
  }
}

class Simulation {
  private readonly events = new EventQueue();
  private readonly workers: Worker[] = [];
  private readonly waiting: Execution[] = [];
  private waitingHead = 0;
  private readonly starts: Start[] = [];
  private readonly completionsPerMinute: number[] = [];
  private readonly datapoints: (number | null)[] = [];
  private readonly activities: Activity[] = [];
  private lastActivityAt = 0;
  private lastCompletion = 0;
  private completed = 0;

  constructor(private readonly executions: readonly Execution[], private readonly pool: Pool, private readonly policy: ScalingPolicy, private readonly horizonS: number) {}

  run(): SimResult {
    // The pool's minimum is already up and warm when the day starts.
    for (let i = 0; i < this.pool.min; i++) this.launch(0, 0);
    for (const execution of this.executions) this.events.push({ t: execution.arriveAt, kind: 'arrive', execution });
    this.events.push({ t: 60, kind: 'tick' });
    for (let event = this.events.pop(); event; event = this.events.pop()) this.handle(event);
    return this.result();
  }

  private handle(event: Event): void {
    if (event.kind === 'arrive') this.waiting.push(event.execution);
    else if (event.kind === 'done') this.finish(event.worker, event.t);
    else if (event.kind === 'tick') this.tick(event.t);
    this.dispatch(event.t);
  }

  private launch(now: number, warmupS: number): void {
    const worker: Worker = { id: this.workers.length, launchedAt: now, readyAt: now + warmupS, running: 0, busySlotS: 0, lastT: now, busyAtTick: 0 };
    this.workers.push(worker);
    if (warmupS > 0) this.events.push({ t: worker.readyAt, kind: 'ready', worker });
  }

  private accrue(worker: Worker, now: number): void {
    worker.busySlotS += worker.running * (now - worker.lastT);
    worker.lastT = now;
  }

  private takesJobs(worker: Worker, now: number): boolean {
    return worker.readyAt <= now && worker.drainingSince === undefined && worker.running < this.pool.concurrency;
  }

  /** FIFO: the oldest waiting execution goes to the first worker with a free slot (workers poll one queue). */
  private dispatch(now: number): void {
    while (this.waitingHead < this.waiting.length) {
      const worker = this.workers.find((w) => this.takesJobs(w, now));
      if (!worker) return;
      const execution = this.waiting[this.waitingHead++]!;
      this.accrue(worker, now);
      worker.running++;
      this.starts.push({ executionId: execution.id, workerId: worker.id, arriveAt: execution.arriveAt, startAt: now });
      this.events.push({ t: now + execution.durationS, kind: 'done', worker });
    }
  }

  private finish(worker: Worker, now: number): void {
    this.accrue(worker, now);
    worker.running--;
    this.completed++;
    this.lastCompletion = now;
    const minute = Math.floor(now / 60);
    this.completionsPerMinute[minute] = (this.completionsPerMinute[minute] ?? 0) + 1;
    if (worker.drainingSince !== undefined && worker.running === 0) worker.stoppedAt = now;
  }

  /** One CloudWatch datapoint per minute: average busy-slot share of the workers past warm-up all that minute. */
  private datapoint(now: number): number | null {
    let sum = 0;
    let n = 0;
    for (const w of this.workers) {
      if (w.stoppedAt !== undefined) continue;
      this.accrue(w, now);
      if (w.readyAt <= now - 60 && w.drainingSince === undefined) {
        sum += (w.busySlotS - w.busyAtTick) / (60 * this.pool.concurrency);
        n++;
      }
      w.busyAtTick = w.busySlotS;
    }
    return n === 0 ? null : (100 * sum) / n;
  }

  private tick(now: number): void {
    this.datapoints.push(this.datapoint(now));
    const live = this.workers.filter((w) => w.drainingSince === undefined && w.stoppedAt === undefined);
    const warming = live.filter((w) => w.readyAt > now).length;
    const input = { datapoints: this.datapoints, ready: live.length - warming, desired: live.length, warming, sinceLastActivityS: now - this.lastActivityAt };
    const desired = targetTracking(input, this.pool, this.policy);
    if (desired > live.length) this.scaleOut(now, live.length, desired);
    if (desired < live.length) this.scaleIn(now, live, desired);
    const busy = this.waitingHead < this.waiting.length || this.workers.some((w) => w.running > 0);
    if (now < this.horizonS || busy) this.events.push({ t: now + 60, kind: 'tick' });
  }

  private scaleOut(now: number, from: number, to: number): void {
    for (let i = from; i < to; i++) this.launch(now, this.policy.warmupS);
    this.activities.push({ atS: now, direction: 'out', from, to });
    this.lastActivityAt = now;
  }

  /** The least busy workers (newest first among equals) stop taking jobs, finish what they run, then stop. */
  private scaleIn(now: number, live: Worker[], to: number): void {
    const victims = [...live].sort((a, b) => a.running - b.running || b.id - a.id).slice(0, live.length - to);
    for (const w of victims) {
      w.drainingSince = now;
      if (w.running === 0) w.stoppedAt = now;
    }
    this.activities.push({ atS: now, direction: 'in', from: live.length, to });
    this.lastActivityAt = now;
  }

  private result(): SimResult {
    const endS = Math.max(this.horizonS, this.lastCompletion);
    const workers = this.workers.map((w) => ({ id: w.id, launchedAt: w.launchedAt, readyAt: w.readyAt, stoppedAt: w.stoppedAt ?? endS }));
    const workerSeconds = workers.reduce((sum, w) => sum + Math.max(this.policy.minBilledS, w.stoppedAt - w.launchedAt), 0);
    const waitsS = this.starts.map((s) => s.startAt - s.arriveAt).sort((a, b) => a - b);
    const completionsPerMinute = Array.from(this.completionsPerMinute, (n) => n ?? 0);
    return { completed: this.completed, starts: this.starts, waitsS, completionsPerMinute, datapoints: this.datapoints, activities: this.activities, workers, endS, workerSeconds };
  }
}

export function simulate(executions: readonly Execution[], pool: Pool, policy: ScalingPolicy, horizonS: number): SimResult {
  if (!Number.isInteger(pool.min) || pool.min < 1 || pool.max < pool.min || pool.concurrency < 1) {
    throw new Error(`pool: need 1 ≤ min ≤ max and concurrency ≥ 1 (got min ${pool.min}, max ${pool.max}, concurrency ${pool.concurrency}); CPU target tracking cannot scale from zero workers`);
  }
  return new Simulation(executions, pool, policy, horizonS).run();
}

/** Nearest-rank percentile of an ascending list (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
