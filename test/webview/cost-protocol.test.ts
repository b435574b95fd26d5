import assert from 'node:assert/strict';
import { estimateMonthly } from '../../src/engine/cost/estimate';
import { HOURS_PER_MONTH, ON_DEMAND_USD_PER_HOUR } from '../../src/engine/cost/fallback-prices';
import { refused } from '../../src/engine/errors';
import { checkMessage, MAX_MESSAGE_CHARS } from '../../src/protocol/receiver';
import { costSnapshotSchema, costToHostSchema, hostToCostSchema, MAX_STACKS, type CostToHost } from '../../src/protocol/cost';
import { gatherStackCost, toCostSnapshot, toStackCost } from '../../src/vscode/panels/cost-snapshot';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { demoCost, demoState, gpuCost, gpuState, NOW, sampleCostSnapshot, STATE_DIR } from './cost-fixtures';
import { itRejectsEach, throughListen } from './hostile';

const target = { name: 'demo', stateDir: STATE_DIR };
const near = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);

/** What a compromised or buggy cost webview could send the extension. */
const HOSTILE: [string, unknown][] = [
  ['unknown type', { type: 'destroy', id: 1, stack: target }],
  ['pause without a stack', { type: 'pause', id: 1 }],
  ['pause of a stack given by name only', { type: 'pause', id: 1, stack: 'demo' }],
  ['pause with an empty name', { type: 'pause', id: 1, stack: { name: '', stateDir: STATE_DIR } }],
  ['pause with extra keys', { type: 'pause', id: 1, stack: target, deleteData: true, finalBackup: false }],
  ['stack with extra keys', { type: 'pause', id: 1, stack: { ...target, force: true } }],
  ['oversized state folder', { type: 'pause', id: 1, stack: { name: 'demo', stateDir: '/'.repeat(5000) } }],
  ['request without id', { type: 'refresh' }],
  ['id zero', { type: 'refresh', id: 0 }],
  ['id as string', { type: 'refresh', id: '1' }],
  ['script as type', { type: '<script>alert(1)</script>', id: 1 }],
  ['a cost update sent the wrong way', { type: 'cost', snapshot: {} }],
  ['oversized payload', { type: 'ready', padding: 'x'.repeat(MAX_MESSAGE_CHARS) }],
  ['prototype key', JSON.parse('{"type":"ready","__proto__":{"polluted":true}}')],
  ['null', null],
  ['array', [{ type: 'refresh', id: 1 }]],
];

describe('cost panel protocol on the host side', () => {
  it('accepts every message the webview may send', () => {
    const valid: CostToHost[] = [
      { type: 'ready' }, { type: 'rejected', reason: 'unknown message type at type' }, { type: 'refresh', id: 1 },
      { type: 'pause', id: 2, stack: target },
    ];
    for (const message of valid) assert.deepEqual(checkMessage(costToHostSchema, message), { ok: true, message });
  });

  itRejectsEach(costToHostSchema, HOSTILE, /<script|deleteData|force/);

  it('listen() passes on only valid messages and logs the rest', () => {
    const { received, logged } = throughListen(costToHostSchema, [...HOSTILE.map(([, message]) => message), { type: 'pause', id: 9, stack: target }]);
    assert.deepEqual(received, [{ type: 'pause', id: 9, stack: target }]);
    assert.equal(logged.length, HOSTILE.length);
  });

  it('what the host sends is valid by the webview\'s schema, and a snapshot of the most stacks fits the size limit', async () => {
    const snapshot = await sampleCostSnapshot({ focus: 'demo' });
    assert.ok(hostToCostSchema.safeParse({ type: 'cost', snapshot }).success);
    const many = toCostSnapshot(Array.from({ length: MAX_STACKS + 5 }, (_, i) => ({ ...snapshot.stacks[i % 2]!, target: { name: `stack-${i}`, stateDir: STATE_DIR } })));
    assert.equal(many.stacks.length, MAX_STACKS, 'capped');
    assert.ok(checkMessage(hostToCostSchema, { type: 'cost', snapshot: many }).ok, 'within MAX_MESSAGE_CHARS and valid');
  });
});

describe('cost snapshot (what the host sends)', () => {
  it('a running stack bills its whole estimate by the hour; the total adds the stacks up', async () => {
    const [demo, gpu] = [await demoCost(), await gpuCost()];
    // $50.15 of compute, disk, EFS and IPv4, and $1.65 of backups (on by default).
    near(demo.hourlyUsd, 51.8 / HOURS_PER_MONTH);
    assert.deepEqual(demo.hourlySource, { kind: 'live', label: 'live' });
    assert.equal(demo.running, true);
    assert.equal(demo.canPause, true);
    // Paused: only the kept EFS (20 GB assumed × $0.3 = $6/month) bills; pause does not apply.
    near(gpu.hourlyUsd, 6 / HOURS_PER_MONTH);
    assert.equal(gpu.canPause, false);
    assert.match(gpu.hourlyBasis, /No instance runs; still billing: EFS storage \$6\.00\/month/);
    const snapshot = toCostSnapshot([demo, gpu]);
    near(snapshot.total.hourlyUsd, 57.8 / HOURS_PER_MONTH);
    near(snapshot.total.monthlyAtRateUsd, 57.8);
    near(snapshot.total.monthToDateUsd, demo.monthToDateUsd! + gpu.monthToDateUsd!);
    near(snapshot.total.spotSavedUsd, 84.97);
    assert.equal(snapshot.total.series.length, 24);
    near(snapshot.total.series.at(-1)?.usd, demo.series.at(-1)!.usd + gpu.series.at(-1)!.usd);
    // The chart's last point is the month to date.
    near(demo.series.at(-1)?.usd, demo.monthToDateUsd!);
  });

  it('a paused stack with a load balancer bills it too; a destroyed stack that kept nothing costs nothing per hour', () => {
    const paused = gpuState();
    paused.resources.alb = { key: 'alb', kind: 'load-balancer', status: 'created', id: 'arn:alb', attrs: {}, external: false, updatedAt: NOW.toISOString() };
    const estimate = estimateMonthly(paused.config, { usdPerHour: 1.006, source: { kind: 'live' } });
    const alb = estimate.lines.find((l) => l.item === 'alb')!.usd;
    near(toStackCost({ target, state: paused, now: NOW, estimate, errors: [] }).hourlyUsd, (6 + alb) / HOURS_PER_MONTH);
    const destroyed = { ...gpuState(), status: 'destroyed' as const, resources: {} };
    const cost = toStackCost({ target, state: destroyed, now: NOW, estimate, errors: [] });
    assert.equal(cost.hourlyUsd, 0);
    assert.equal(cost.hourlyBasis, 'No instance runs and nothing billed by the hour is kept.');
  });

  it('without an estimate a running stack falls back to the bundled hourly price, and the failure is shown classified with its next step', () => {
    const state = demoState();
    const cost = toStackCost({ target, state, now: NOW, errors: [refused('NO_PRICE', 'No price is known for t3.xlarge in us-east-1.', 'Check the instance type.')] });
    near(cost.hourlyUsd, ON_DEMAND_USD_PER_HOUR['t3.xlarge']! + (50 * 0.08) / HOURS_PER_MONTH + 0.005);
    assert.deepEqual(cost.hourlySource, { kind: 'estimated', label: 'estimated' });
    assert.equal(cost.estimate, undefined);
    assert.equal(cost.budget, undefined, 'no month to date, no projection');
    assert.equal(cost.error, 'No price is known for t3.xlarge in us-east-1. Check the instance type.');
    assert.ok(costSnapshotSchema.safeParse(toCostSnapshot([cost])).success);
  });

  it('projects the budget from month to date and today\'s rate (80% and 100% reached in turn)', async () => {
    const under = await demoCost(100);
    assert.deepEqual(under.budget?.reached, []);
    const alert = await demoCost(55);
    assert.deepEqual(alert.budget?.reached, [80]);
    // Nov 23 15:00 → Dec 1: 177 h left at $51.80/730 per hour (backups included).
    near(alert.budget?.projectedUsd, alert.monthToDateUsd! + 177 * (51.8 / HOURS_PER_MONTH));
    assert.deepEqual((await demoCost(40)).budget?.reached, [80, 100]);
  });
});

describe('cost snapshot from the engine against moto (no Price List API there: prices fall back to estimated)', function () {
  this.timeout(120_000);

  it('a freshly deployed stack: $/hour, month to date and a series ending now, each price marked with its source', async () => {
    const engine = testEngine({ stateDir: tempDir('gm-cost-') });
    try {
      await engine.deploy(devConfig({ market: 'on-demand' }));
      const state = (await engine.show('demo'))!;
      const now = new Date();
      const cost = await gatherStackCost(engine, { name: 'demo', stateDir: 'x' }, state, now);
      assert.equal(cost.error, undefined, cost.error);
      assert.equal(cost.running, true);
      assert.ok((cost.hourlyUsd ?? 0) > 0.1664, `$${cost.hourlyUsd}/h: at least the instance's bundled on-demand price`);
      assert.equal(cost.hourlySource.kind, 'estimated', 'moto has no Pricing API: the bundled price, marked estimated');
      assert.deepEqual(cost.estimate?.lines.find((l) => l.item === 'compute')?.source, { kind: 'estimated', label: 'estimated' });
      assert.ok((cost.monthToDateUsd ?? -1) >= 0);
      assert.equal(cost.series.at(-1)?.at, now.toISOString());
      assert.ok(costSnapshotSchema.safeParse(toCostSnapshot([cost])).success);
    } finally {
      engine.dispose();
    }
  });
});
