import assert from 'node:assert/strict';
import { AUTO_SCALING, generateExecutions, percentile, simulate, targetTracking, type Pool, type ScalingInput, type Workload } from '../../scripts/capacity-model';
import { capacityRows } from '../../scripts/capacity-report';

const HOUR = 3600;
const execution = { medianS: 15, p95S: 60 };
/** One storm of `size` executions in the first minute of a 2-hour window, nothing else. */
const stormOnly = (size: number, hours = 2): Workload => ({ hours, backgroundPerMinute: 0, peaks: [], storm: { everyMinutes: hours * 60, atMinute: 0, size, spreadS: 60 }, execution });
const ONE_INSTANCE: Pool = { min: 1, max: 1, concurrency: 20 };
const POOL_1_4: Pool = { min: 1, max: 4, concurrency: 10 };

describe('capacity model (the bench simulation of one instance vs Auto Scaling worker pools)', () => {
  it('gives the same day and the same table for the same seed, and a different day for another seed', () => {
    const workload: Workload = { hours: 3, backgroundPerMinute: 5, peaks: [{ fromHour: 1, toHour: 2, perMinute: 30 }], storm: { everyMinutes: 60, atMinute: 30, size: 200, spreadS: 60 }, execution };
    assert.deepEqual(generateExecutions(workload, 7), generateExecutions(workload, 7));
    assert.notDeepEqual(generateExecutions(workload, 7), generateExecutions(workload, 8));
    const executions = generateExecutions(workload, 7);
    assert.deepEqual(simulate(executions, POOL_1_4, AUTO_SCALING, 3 * HOUR), simulate(executions, POOL_1_4, AUTO_SCALING, 3 * HOUR));
    assert.deepEqual(capacityRows(3, workload), capacityRows(3, workload));
  });

  it('with zero arrivals runs nothing, scales nothing and bills only the minimum pool', () => {
    const idle: Workload = { hours: 2, backgroundPerMinute: 0, peaks: [], execution };
    const executions = generateExecutions(idle, 1);
    assert.equal(executions.length, 0);
    const result = simulate(executions, { min: 2, max: 8, concurrency: 10 }, AUTO_SCALING, 2 * HOUR);
    assert.equal(result.completed, 0);
    assert.deepEqual(result.waitsS, []);
    assert.deepEqual(result.activities, []);
    assert.equal(result.workers.length, 2);
    assert.equal(result.workerSeconds, 2 * 2 * HOUR);
    assert.ok(result.datapoints.every((d) => d === 0), 'an idle pool reports 0% CPU every minute');
  });

  it('completes every execution, each started once and never before it arrived', () => {
    const executions = generateExecutions(stormOnly(400), 5);
    const result = simulate(executions, POOL_1_4, AUTO_SCALING, 2 * HOUR);
    assert.equal(result.completed, executions.length);
    assert.equal(new Set(result.starts.map((s) => s.executionId)).size, executions.length);
    assert.ok(result.starts.every((s) => s.startAt >= s.arriveAt));
  });

  it('a pool already at its maximum with enough slots waits far less at p95 than one instance under a burst', () => {
    const executions = generateExecutions(stormOnly(600), 11);
    const one = simulate(executions, ONE_INSTANCE, AUTO_SCALING, 2 * HOUR);
    const pool = simulate(executions, { min: 8, max: 8, concurrency: 10 }, AUTO_SCALING, 2 * HOUR);
    const p95 = (waits: number[]) => percentile(waits, 95);
    assert.ok(p95(one.waitsS) > 5 * 60, `one instance with 20 slots queues a 600-execution storm for minutes (p95 ${p95(one.waitsS).toFixed(0)} s)`);
    assert.ok(p95(pool.waitsS) < p95(one.waitsS) / 2, `8 workers × 10 slots: p95 ${p95(pool.waitsS).toFixed(0)} s vs ${p95(one.waitsS).toFixed(0)} s`);
  });

  it('scale-out waits for 3 datapoints above target, and a new worker takes no job before its warm-up has passed', () => {
    const policy = { ...AUTO_SCALING, warmupS: 600 };
    const executions = generateExecutions(stormOnly(1500), 3);
    const result = simulate(executions, POOL_1_4, policy, 2 * HOUR);
    const outs = result.activities.filter((a) => a.direction === 'out');
    assert.ok(outs.length > 0, 'the storm scales the pool out');
    // The storm starts at 0 s: datapoints for minutes 0, 1 and 2 are known at 180 s at the earliest.
    assert.ok(outs[0]!.atS >= 3 * 60, `first scale-out at ${outs[0]!.atS} s`);
    const scaledOut = result.workers.filter((w) => w.launchedAt > 0);
    assert.ok(scaledOut.every((w) => w.readyAt - w.launchedAt === policy.warmupS));
    const byId = new Map(result.workers.map((w) => [w.id, w]));
    assert.ok(result.starts.every((s) => s.startAt >= byId.get(s.workerId)!.readyAt), 'no execution starts on a worker still warming up');
    assert.ok(result.starts.some((s) => byId.get(s.workerId)!.launchedAt > 0), 'the new workers do run executions once warm');
  });

  it('scale-in waits for 15 datapoints below 70% of the target and never goes below the minimum', () => {
    const executions = generateExecutions(stormOnly(1500, 3), 4);
    const result = simulate(executions, POOL_1_4, AUTO_SCALING, 3 * HOUR);
    const ins = result.activities.filter((a) => a.direction === 'in');
    assert.ok(ins.length > 0, 'the quiet hours after the storm scale the pool back in');
    const low = AUTO_SCALING.targetCpuPercent * AUTO_SCALING.scaleInThresholdRatio;
    for (const scaleIn of ins) {
      const last = scaleIn.atS / 60 - 1; // datapoints[k] covers minute k and is known at (k + 1) × 60 s
      const window = result.datapoints.slice(last - 14, last + 1);
      assert.equal(window.length, 15);
      assert.ok(window.every((d) => d !== null && d < low), `15 low datapoints before the scale-in at ${scaleIn.atS} s`);
      assert.ok(scaleIn.to >= POOL_1_4.min && scaleIn.to === scaleIn.from - 1);
    }
  });

  it('target tracking: 2 high datapoints do nothing, 3 scale out in proportion; 14 low do nothing, 15 remove one worker', () => {
    const base: ScalingInput = { datapoints: [], ready: 2, desired: 2, warming: 0, sinceLastActivityS: 3600 };
    const pool: Pool = { min: 1, max: 8, concurrency: 10 };
    assert.equal(targetTracking({ ...base, datapoints: [10, 100, 100] }, pool, AUTO_SCALING), 2);
    assert.equal(targetTracking({ ...base, datapoints: [100, 100, 100] }, pool, AUTO_SCALING), 4);
    assert.equal(targetTracking({ ...base, datapoints: [100, 100, 100], desired: 4, warming: 2 }, pool, AUTO_SCALING), 4, 'warming workers count as capacity: no second launch');
    assert.equal(targetTracking({ ...base, datapoints: [100, 100, 100], ready: 8, desired: 8 }, pool, AUTO_SCALING), 8, 'never above max');
    const lows = (n: number) => Array.from({ length: n }, () => 5);
    assert.equal(targetTracking({ ...base, datapoints: [60, ...lows(14)] }, pool, AUTO_SCALING), 2);
    assert.equal(targetTracking({ ...base, datapoints: lows(15) }, pool, AUTO_SCALING), 1);
    assert.equal(targetTracking({ ...base, datapoints: lows(15), warming: 1, desired: 3 }, pool, AUTO_SCALING), 3, 'no scale-in while a worker warms up');
    assert.equal(targetTracking({ ...base, datapoints: lows(15), sinceLastActivityS: 120 }, pool, AUTO_SCALING), 2, 'no scale-in within the cooldown');
    assert.equal(targetTracking({ ...base, datapoints: [null, ...lows(14)] }, pool, AUTO_SCALING), 2, 'a missing datapoint is not a low one');
  });
});
