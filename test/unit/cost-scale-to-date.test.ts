import assert from 'node:assert/strict';
import { newStackState } from '../../src/engine/deploy';
import { costSeries } from '../../src/engine/cost/series';
import { costToDate, type HistoricPrices, type ScaleActuals } from '../../src/engine/cost/to-date';
import { SCALE_KEYS } from '../../src/engine/scale/names';
import { stackConfigSchema } from '../../src/engine/stack/config';
import type { ResourceRecord, StackState } from '../../src/engine/state/schema';

const near = (actual: number | undefined, expected: number, what = '') => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-6, `${what} ${actual} ≈ ${expected}`);
const at = (hour: number) => new Date(Date.UTC(2026, 10, 1, hour)).toISOString();
const record = (key: string, kind: string, id: string, updatedAt: string, status: ResourceRecord['status'] = 'created'): ResourceRecord => (
  { key, kind, status, id, attrs: {}, external: false, updatedAt } as ResourceRecord);

const PRICES: HistoricPrices = { onDemandHourly: async (type) => ({ 't3.xlarge': 0.1664, 'c7i.large': 0.08925 })[type], spotHistory: async () => [] };
const EFS = { sizeNowGb: 0, usdPerGbMonth: 0.3, history: [] };

/**
 * A scaled stack from 00:00: the main instance running since, two n8n workers (02:00–06:00 and since 04:00, the first
 * one priced as its pool's type), the database and queue created at 01:00 as RDS and ElastiCache say, though their
 * journal records were last written at 08:00 (a redeploy).
 */
function scaledState(): { state: StackState; scale: ScaleActuals } {
  const state = newStackState(stackConfigSchema.parse({ name: 'demo', rootVolumeGb: 60, tier: 'automation', scale: {} }));
  state.createdAt = at(0);
  state.compute = [
    { instanceId: 'i-main', instanceType: 't3.xlarge', market: 'on-demand', zone: 'us-east-1a', startedAt: at(0) },
    { instanceId: 'i-w1', instanceType: 'c7i.large', market: 'on-demand', zone: 'us-east-1a', startedAt: at(2), endedAt: at(6) },
    { instanceId: 'i-w2', instanceType: 'c7i.large', market: 'on-demand', zone: 'us-east-1b', startedAt: at(4) },
  ];
  state.resources[SCALE_KEYS.database] = record(SCALE_KEYS.database, 'database', 'gm-demo-db', at(8));
  state.resources[SCALE_KEYS.cache] = record(SCALE_KEYS.cache, 'cache', 'gm-demo-queue', at(8));
  const scale: ScaleActuals = {
    workers: new Map([['i-w1', 'n8n'], ['i-w2', 'n8n']]), assumed: new Set(['i-w1']), workerRootGb: { n8n: 30 },
    database: { instanceClass: 'db.t4g.medium', usdPerHour: 0.065, storageGb: 20, storageUsdPerGbMonth: 0.115, createdAt: at(1) },
    cache: { nodeType: 'cache.t4g.small', usdPerHour: 0.0256, nodes: 1, createdAt: at(1) },
  };
  return { state, scale };
}

describe('cost to date of a scaled stack: workers at their own type and disk, the database and queue while they existed', () => {
  it('counts each worker run, the database (hours and storage) and the queue from their creation as AWS says', async () => {
    const { state, scale } = scaledState();
    const result = await costToDate(state, PRICES, EFS, new Date(at(10)), undefined, { loadBalancerUsdPerHour: 0.0225 }, scale);
    // Workers: 4 h + 6 h of c7i.large.
    near(result.scale?.workersUsd, 10 * 0.08925, 'workers');
    assert.deepEqual(result.intervals.map((i) => i.pool ?? 'main'), ['main', 'n8n', 'n8n']);
    near(result.computeUsd, 10 * 0.1664 + 10 * 0.08925, 'compute');
    // Root volumes: the main instance's 60 GiB for 10 h, each worker's 30 GiB for its 10 h in all.
    near(result.storageUsd, ((60 * 10 + 30 * 10) * 0.08) / 730, 'root volumes');
    near(result.ipv4Usd, 20 * 0.005, 'an address per instance');
    // 9 h since 01:00 (RDS's InstanceCreateTime), not 2 h since the journal's last write.
    near(result.scale?.databaseUsd, 9 * 0.065 + (20 * 0.115 * 9) / 730, 'database');
    near(result.scale?.cacheUsd, 9 * 0.0256, 'queue');
    near(result.fixedUsd, (result.scale?.databaseUsd ?? 0) + (result.scale?.cacheUsd ?? 0));
    near(result.totalUsd, result.computeUsd + result.storageUsd + result.ipv4Usd + result.fixedUsd);
    assert.match(result.basis, /^3 instance run\(s\), 20\.0 h in all \(2 of them worker runs, 10\.0 h, 1 priced as their pool's first type: EC2 no longer describes them\);/);
    assert.match(result.basis, /database db\.t4g\.medium for 9\.0 h at \$0\.065\/h plus 20 GiB gp3 at \$0\.115\/GB-month, from its creation as RDS says; queue 1 × cache\.t4g\.small for 9\.0 h at \$0\.0256\/h, from its creation as ElastiCache says$/);
  });

  it('without a read-back creation time the journal\'s record stands; deleted, the database stops costing at its deletion', async () => {
    const { state, scale } = scaledState();
    const journalOnly: ScaleActuals = { ...scale, database: { ...scale.database!, createdAt: undefined } };
    const fromJournal = await costToDate(state, PRICES, EFS, new Date(at(10)), undefined, undefined, journalOnly);
    near(fromJournal.scale?.databaseUsd, 2 * 0.065 + (20 * 0.115 * 2) / 730, 'from the record\'s time');
    state.resources[SCALE_KEYS.database] = { ...record(SCALE_KEYS.database, 'database', 'gm-demo-db', at(7), 'deleted'), attrs: { createdAt: at(1) } };
    const deleted = await costToDate(state, PRICES, EFS, new Date(at(10)), undefined, undefined, journalOnly);
    near(deleted.scale?.databaseUsd, 6 * 0.065 + (20 * 0.115 * 6) / 730, '01:00 to its deletion at 07:00');
  });

  it('a database stopped by pause bills its storage only from the end of the stack\'s last run', async () => {
    const { state, scale } = scaledState();
    state.compute = state.compute.map((run) => ({ ...run, endedAt: run.endedAt ?? at(5) }));
    const stopped: ScaleActuals = { ...scale, database: { ...scale.database!, stoppedSince: at(5) } };
    const result = await costToDate(state, PRICES, EFS, new Date(at(10)), undefined, undefined, stopped);
    near(result.scale?.databaseUsd, 4 * 0.065 + (20 * 0.115 * 9) / 730, '4 h running, 9 h of storage');
    assert.match(result.basis, /database db\.t4g\.medium for 4\.0 h running \(stopped since 2026-11-01T05:00:00\.000Z, storage only since\) of 9\.0 h/);
  });

  it('the month\'s chart counts workers and data services at each point; an unscaled stack\'s cost is unchanged by the new inputs', async () => {
    const { state, scale } = scaledState();
    const days = [new Date(at(0)), new Date(at(5)), new Date(at(10))];
    const series = await costSeries(state, PRICES, EFS, days, undefined, scale);
    const [, middle, end] = series;
    const direct = await costToDate(state, PRICES, EFS, new Date(at(10)), new Date(at(0)), undefined, scale);
    near(end!.usd, direct.totalUsd);
    // At 05:00: worker 1 for 3 h and worker 2 for 1 h; database and queue for 4 h.
    const at5 = 5 * 0.1664 + 4 * 0.08925 + ((60 * 5 + 30 * 4) * 0.08) / 730 + 9 * 0.005 + 4 * 0.065 + (20 * 0.115 * 4) / 730 + 4 * 0.0256;
    near(middle!.usd, at5, '05:00');
    const plain = { ...state, compute: state.compute.slice(0, 1), resources: {} };
    const without = await costToDate(plain, PRICES, EFS, new Date(at(10)));
    const withNothing = await costToDate(plain, PRICES, EFS, new Date(at(10)), undefined, undefined, { workers: new Map(), assumed: new Set(), workerRootGb: {} });
    assert.deepEqual(withNothing.intervals, without.intervals);
    near(withNothing.totalUsd, without.totalUsd);
  });
});
