import assert from 'node:assert/strict';
import { newStackState } from '../../src/engine/deploy';
import { costSeries, monthDays } from '../../src/engine/cost/series';
import type { HistoricPrices } from '../../src/engine/cost/to-date';
import { stackConfigSchema } from '../../src/engine/stack/config';

const near = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);
const EFS = { sizeNowGb: 7.3, usdPerGbMonth: 0.3, history: [] };

/**
 * Hand-computed: 73 GiB root volume = 73 × 0.08 / 730 = $0.008 per running hour, public IPv4 $0.005 per
 * running hour, EFS 7.3 GB × 0.3 / 730 = $0.003 per hour since creation.
 */
function stack() {
  const state = newStackState(stackConfigSchema.parse({ name: 'demo', rootVolumeGb: 73 }));
  state.createdAt = '2026-11-01T00:00:00.000Z';
  state.resources.efs = { key: 'efs', kind: 'efs', status: 'created', id: 'fs-0123', attrs: { createdAt: '2026-11-01T00:00:00.000Z' }, external: false, updatedAt: '2026-11-03T00:00:00.000Z' };
  state.compute = [
    // 24 h on demand at $0.2, ended before now.
    { instanceId: 'i-1', instanceType: 't3.xlarge', market: 'on-demand', zone: 'us-east-1a', startedAt: '2026-11-01T12:00:00.000Z', endedAt: '2026-11-02T12:00:00.000Z' },
    // Spot from Nov 3, still running: $0.05 until 12:00, then $0.1.
    { instanceId: 'i-2', instanceType: 't3.xlarge', market: 'spot', zone: 'us-east-1a', startedAt: '2026-11-03T00:00:00.000Z' },
  ];
  return state;
}

function recordingPrices() {
  const calls: string[] = [];
  const prices: HistoricPrices = {
    onDemandHourly: async (type) => (calls.push(`ondemand ${type}`), 0.2),
    spotHistory: async (type, zone, start, end) => {
      calls.push(`spot ${type} ${zone} ${start.toISOString()} ${end.toISOString()}`);
      return [{ at: '2026-10-31T00:00:00Z', usdPerHour: 0.05 }, { at: '2026-11-03T12:00:00Z', usdPerHour: 0.1 }];
    },
  };
  return { prices, calls };
}

describe('cost over time (cumulative daily series)', () => {
  it('has a point at each UTC midnight of the month so far, then now (no duplicate at exactly midnight)', () => {
    assert.deepEqual(monthDays(new Date('2026-11-03T18:00:00Z')).map((d) => d.toISOString()),
      ['2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z', '2026-11-03T00:00:00.000Z', '2026-11-03T18:00:00.000Z']);
    assert.deepEqual(monthDays(new Date('2026-11-03T00:00:00Z')).map((d) => d.toISOString()),
      ['2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z', '2026-11-03T00:00:00.000Z']);
    assert.equal(monthDays(new Date('2026-12-31T23:00:00Z')).length, 32);
  });

  it('clips runs that ended after a point, drops runs not started yet, and matches hand-computed totals', async () => {
    const { prices, calls } = recordingPrices();
    const series = await costSeries(stack(), prices, EFS, monthDays(new Date('2026-11-03T18:00:00Z')));
    assert.deepEqual(series.map((p) => p.at), ['2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z', '2026-11-03T00:00:00.000Z', '2026-11-03T18:00:00.000Z']);
    near(series[0]?.usd, 0);
    // Nov 2 00:00: i-1 ran 12 h of its 24 (clipped): 12 × 0.2 + 12 × 0.013 + 24 h EFS × 0.003
    near(series[1]?.usd, 2.4 + 0.156 + 0.072);
    // Nov 3 00:00: i-1 whole (24 h), i-2 starts exactly now and adds nothing; 48 h EFS
    near(series[2]?.usd, 4.8 + 0.312 + 0.144);
    // Nov 3 18:00: i-2 ran 12 h at 0.05 and 6 h at 0.1, plus its 18 running hours of volume and IPv4; 66 h EFS
    near(series[3]?.usd, 4.8 + 0.312 + 0.6 + 0.6 + 18 * 0.013 + 66 * 0.003);
    // One spot history request for the whole range, one on-demand price: not one per point.
    assert.deepEqual(calls.filter((c) => c.startsWith('spot')), ['spot t3.xlarge us-east-1a 2026-11-01T00:00:00.000Z 2026-11-03T18:00:00.000Z']);
    assert.deepEqual(calls.filter((c) => c.startsWith('ondemand')), ['ondemand t3.xlarge']);
  });

  it('starts at zero on the 1st for a run that began last month, and counts only this month', async () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo', rootVolumeGb: 73 }));
    state.createdAt = '2026-11-01T00:00:00.000Z';
    state.resources.efs = { key: 'efs', kind: 'efs', status: 'created', id: 'fs-0123', attrs: { createdAt: '2026-11-01T00:00:00.000Z' }, external: false, updatedAt: '2026-11-01T00:00:00.000Z' };
    state.compute = [{ instanceId: 'i-1', instanceType: 't3.xlarge', market: 'on-demand', zone: 'us-east-1a', startedAt: '2026-11-30T00:00:00.000Z' }];
    const { prices } = recordingPrices();
    const series = await costSeries(state, prices, EFS, monthDays(new Date('2026-12-01T06:00:00Z')));
    assert.equal(series.length, 2);
    near(series[0]?.usd, 0);
    // 6 h in December: 6 × 0.2 + 6 × 0.013 + 6 h EFS × 0.003
    near(series[1]?.usd, 1.2 + 0.078 + 0.018);
  });

  it('counts a load balancer only from its journaled creation, at the rate given', async () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo', tier: 'automation', rootVolumeGb: 73, access: { mode: 'load-balancer' } }));
    state.createdAt = '2026-11-01T00:00:00.000Z';
    state.resources.alb = { key: 'alb', kind: 'load-balancer', status: 'created', id: 'arn:alb', attrs: { createdAt: '2026-11-02T12:00:00.000Z' }, external: false, updatedAt: '2026-11-02T12:00:00.000Z' };
    const series = await costSeries(state, recordingPrices().prices, { sizeNowGb: 0, usdPerGbMonth: 0.3, history: [] }, monthDays(new Date('2026-11-03T00:00:00Z')), { loadBalancerUsdPerHour: 0.0225 });
    // No instance and no EFS: only the balancer, 0 h by Nov 2, 12 h by Nov 3.
    near(series[1]?.usd, 0);
    near(series[2]?.usd, 12 * 0.0225);
  });

  it('is empty without points', async () => {
    assert.deepEqual(await costSeries(stack(), recordingPrices().prices, EFS, []), []);
  });
});
