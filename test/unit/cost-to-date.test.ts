import assert from 'node:assert/strict';
import { newStackState } from '../../src/engine/deploy';
import { costToDate, integrateSpot, type HistoricPrices } from '../../src/engine/cost/to-date';
import { stackConfigSchema } from '../../src/engine/stack/config';
import type { ResourceRecord } from '../../src/engine/state/schema';

/** The stack's file system, created at `at` (and deleted at `deletedAt`, when given). */
function efsRecord(at: string, deletedAt?: string): ResourceRecord {
  return { key: 'efs', kind: 'efs', status: deletedAt ? 'deleted' : 'created', id: 'fs-0123', attrs: { createdAt: at }, external: false, updatedAt: deletedAt ?? at };
}

const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-6, `${actual} ≈ ${expected}`);

describe('cost to date', () => {
  it('integrates spot prices as a step function over the interval', () => {
    const points = [{ at: '2026-11-01T00:00:00Z', usdPerHour: 0.05 }, { at: '2026-11-01T02:00:00Z', usdPerHour: 0.08 }];
    // From 01:00 to 03:00: one hour at 0.05, one at 0.08.
    near(integrateSpot(points, new Date('2026-11-01T01:00:00Z'), new Date('2026-11-01T03:00:00Z')), 0.13);
    near(integrateSpot([], new Date(0), new Date(HOUR)), 0);
  });

  it('across a spot interruption: two instances at different prices with a gap, storage for the whole time', async () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo', rootVolumeGb: 73 }));
    state.createdAt = '2026-11-01T00:00:00.000Z';
    state.resources.efs = efsRecord('2026-11-01T00:00:00.000Z');
    state.compute = [
      // 10 h on spot in us-east-1a at 0.05, then interrupted
      { instanceId: 'i-1', instanceType: 't3.xlarge', market: 'spot', zone: 'us-east-1a', startedAt: '2026-11-01T00:00:00.000Z', endedAt: '2026-11-01T10:00:00.000Z' },
      // 2 h gap, then 8 h on demand (fallback) at 0.1664, still running at "now"
      { instanceId: 'i-2', instanceType: 't3.xlarge', market: 'on-demand', zone: 'us-east-1b', startedAt: '2026-11-01T12:00:00.000Z' },
    ];
    const prices: HistoricPrices = {
      onDemandHourly: async () => 0.1664,
      spotHistory: async (_type, zone) => (zone === 'us-east-1a' ? [{ at: '2026-10-31T20:00:00Z', usdPerHour: 0.05 }] : []),
    };
    const now = new Date('2026-11-01T20:00:00.000Z');
    const result = await costToDate(state, prices, { sizeNowGb: 7.3, usdPerGbMonth: 0.3, history: [] }, now);
    near(result.intervals[0]!.usd, 0.5);
    near(result.intervals[1]!.usd, 8 * 0.1664);
    near(result.computeUsd, 0.5 + 1.3312);
    // root volume: 73 GB × $0.08 × 18 h / 730 h = 0.144; EFS: 7.3 GB × $0.3 × 20 h / 730 h = 0.06
    near(result.storageUsd, 0.144 + 0.06);
    near(result.ipv4Usd, 18 * 0.005);
    near(result.totalUsd, 1.8312 + 0.204 + 0.09);
    assert.equal(result.intervals[0]!.priced, 'spot history');
  });

  it('after a destroy that kept data, compute stops and EFS keeps accruing', async () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo' }));
    state.createdAt = '2026-11-01T00:00:00.000Z';
    state.resources.efs = efsRecord('2026-11-01T00:00:00.000Z');
    state.status = 'destroyed';
    state.compute = [{ instanceId: 'i-1', instanceType: 't3.xlarge', market: 'on-demand', zone: 'us-east-1a', startedAt: '2026-11-01T00:00:00.000Z', endedAt: '2026-11-01T01:00:00.000Z' }];
    const prices: HistoricPrices = { onDemandHourly: async () => 0.2, spotHistory: async () => [] };
    const day1 = await costToDate(state, prices, { sizeNowGb: 73, usdPerGbMonth: 0.3, history: [] }, new Date('2026-11-02T00:00:00.000Z'));
    const day2 = await costToDate(state, prices, { sizeNowGb: 73, usdPerGbMonth: 0.3, history: [] }, new Date('2026-11-03T00:00:00.000Z'));
    near(day1.computeUsd, 0.2);
    near(day2.computeUsd, 0.2);
    // 73 GB × 0.3 / 730 h = $0.03 per hour of EFS, 24 h more on day 2
    near(day2.storageUsd - day1.storageUsd, 24 * 0.03);
  });

  it('prices EFS from its CloudWatch size readings over its own life, and stops when the data was deleted', async () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo' }));
    state.createdAt = '2026-11-01T00:00:00.000Z';
    state.resources.efs = efsRecord('2026-11-01T06:00:00.000Z');
    const prices: HistoricPrices = { onDemandHourly: async () => 0.2, spotHistory: async () => [] };
    const now = new Date('2026-11-03T06:00:00.000Z');
    // Daily readings: 2 GB on Nov 1 (also covers 06:00 before it), 50 GB from Nov 2, 10 GB from Nov 3; size now 10 GB.
    const history = [{ at: '2026-11-01T00:00:00.000Z', gb: 2 }, { at: '2026-11-02T00:00:00.000Z', gb: 50 }, { at: '2026-11-03T00:00:00.000Z', gb: 10 }];
    const measured = await costToDate(state, prices, { sizeNowGb: 10, usdPerGbMonth: 0.3, history }, now);
    // GB-hours: 18 h × 2 + 24 h × 50 + 6 h × 10 = 1296; × $0.3 / 730 h
    near(measured.storageUsd, (1296 * 0.3) / 730);
    assert.match(measured.basis, /EFS from 3 daily CloudWatch size reading\(s\), 2\.00–50 GB, over 48\.0 h of its life/);
    // Without readings the size now stands in for the whole life, and the basis says so.
    const guessed = await costToDate(state, prices, { sizeNowGb: 10, usdPerGbMonth: 0.3, history: [] }, now);
    near(guessed.storageUsd, (48 * 10 * 0.3) / 730);
    assert.match(guessed.basis, /EFS at 10 GB \(its size now; CloudWatch had no size history\) for 48\.0 h of its life/);
    // Data deleted on Nov 2 at 06:00: storage stops there.
    state.resources.efs = efsRecord('2026-11-01T06:00:00.000Z', '2026-11-02T06:00:00.000Z');
    const deleted = await costToDate(state, prices, { sizeNowGb: 0, usdPerGbMonth: 0.3, history }, now);
    near(deleted.storageUsd, ((18 * 2 + 6 * 50) * 0.3) / 730);
  });
});

const HOUR = 3_600_000;

describe('budgets', () => {
  it('projects the month from month-to-date plus the current hourly rate; 80% and 100% are reached in turn', async () => {
    const { budgetStatus } = await import('../../src/engine/cost/to-date');
    // 10 days left in a 30-day November at 00:00 on the 21st: 240 h
    const now = new Date('2026-11-21T00:00:00Z');
    const low = budgetStatus(100, 50, 0.1, now);
    near(low.projectedUsd, 74);
    assert.deepEqual(low.reached, []);
    assert.deepEqual(budgetStatus(100, 60, 0.1, now).reached, [80]);
    assert.deepEqual(budgetStatus(100, 80, 0.1, now).reached, [80, 100]);
  });

  it('month to date leaves out what ran before the month began', async () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo' }));
    state.createdAt = '2026-10-31T00:00:00.000Z';
    state.compute = [
      { instanceId: 'i-old', instanceType: 't3.xlarge', market: 'on-demand', zone: 'a', startedAt: '2026-10-31T00:00:00.000Z', endedAt: '2026-10-31T10:00:00.000Z' },
      { instanceId: 'i-new', instanceType: 't3.xlarge', market: 'on-demand', zone: 'a', startedAt: '2026-10-31T20:00:00.000Z' },
    ];
    const prices: HistoricPrices = { onDemandHourly: async () => 1, spotHistory: async () => [] };
    const result = await costToDate(state, prices, { sizeNowGb: 0, usdPerGbMonth: 0.3, history: [] }, new Date('2026-11-01T05:00:00.000Z'), new Date('2026-11-01T00:00:00.000Z'));
    assert.deepEqual(result.intervals.map((i) => [i.instanceId, i.hours]), [['i-new', 5]]);
    near(result.computeUsd, 5);
  });
});

describe('cost to date: the load balancer\'s hourly charge', () => {
  const prices: HistoricPrices = { onDemandHourly: async () => 0, spotHistory: async () => [] };
  const record = (key: string, status: 'created' | 'deleted', updatedAt: string, createdAt?: string): ResourceRecord => ({
    key, kind: 'load-balancer', status, id: `arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/${key}/1`,
    attrs: createdAt ? { createdAt } : {}, external: false, updatedAt,
  });

  it('accrues from the journaled creation until deletion or now, at the given rate, and says so', async () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo', tier: 'automation', access: { mode: 'load-balancer' } }));
    state.createdAt = '2026-11-01T00:00:00.000Z';
    state.resources = {
      // Created at 02:00 (attrs.createdAt), deleted at 12:00: 10 h.
      old: record('old', 'deleted', '2026-11-01T12:00:00.000Z', '2026-11-01T02:00:00.000Z'),
      // Created at 14:00 (its record's updatedAt), still there at 20:00: 6 h.
      alb: record('alb', 'created', '2026-11-01T14:00:00.000Z'),
      // Other kinds cost nothing here.
      tg: { ...record('tg', 'created', '2026-11-01T14:00:00.000Z'), kind: 'target-group' },
    };
    const now = new Date('2026-11-01T20:00:00.000Z');
    const result = await costToDate(state, prices, { sizeNowGb: 0, usdPerGbMonth: 0.3, history: [] }, now, undefined, { loadBalancerUsdPerHour: 0.0225 });
    near(result.fixedUsd, 16 * 0.0225);
    near(result.totalUsd, 16 * 0.0225);
    assert.match(result.basis, /2 load balancer\(s\) for 16\.0 h at \$0\.0225\/h, from their journaled creation to deletion or now/);
    // Month to date from 10:00: 2 h of the old one, 6 h of the new one.
    near((await costToDate(state, prices, { sizeNowGb: 0, usdPerGbMonth: 0.3, history: [] }, now, new Date('2026-11-01T10:00:00.000Z'), { loadBalancerUsdPerHour: 0.0225 })).fixedUsd, 8 * 0.0225);
  });

  it('a stack without a load balancer has no fixed charge and says nothing of one; the default rate is the bundled one', async () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo' }));
    state.createdAt = '2026-11-01T00:00:00.000Z';
    const result = await costToDate(state, prices, { sizeNowGb: 0, usdPerGbMonth: 0.3, history: [] }, new Date('2026-11-01T10:00:00.000Z'));
    assert.equal(result.fixedUsd, 0);
    assert.doesNotMatch(result.basis, /load balancer/);
    state.resources = { alb: record('alb', 'created', '2026-11-01T00:00:00.000Z') };
    near((await costToDate(state, prices, { sizeNowGb: 0, usdPerGbMonth: 0.3, history: [] }, new Date('2026-11-01T10:00:00.000Z'))).fixedUsd, 10 * 0.0225);
  });
});

describe('budget notices in the editor', () => {
  it('shows each threshold once per month, the highest first, and again next month', async () => {
    const { budgetNoticeKey, thresholdsToNotify } = await import('../../src/vscode/budget-watcher-rules');
    const shown = new Set<string>();
    const november = new Date('2026-11-21T00:00:00Z');
    const status = { budgetUsd: 100, monthToDateUsd: 90, projectedUsd: 120, reached: [80, 100] as (80 | 100)[] };
    assert.deepEqual(thresholdsToNotify(status, (p) => shown.has(budgetNoticeKey('s', p, november))), [100, 80]);
    for (const p of status.reached) shown.add(budgetNoticeKey('s', p, november));
    assert.deepEqual(thresholdsToNotify(status, (p) => shown.has(budgetNoticeKey('s', p, november))), []);
    const december = new Date('2026-12-02T00:00:00Z');
    assert.deepEqual(thresholdsToNotify(status, (p) => shown.has(budgetNoticeKey('s', p, december))), [100, 80]);
  });
});
