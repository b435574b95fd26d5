import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/engine/state/journal';
import { StateStore } from '../../src/engine/state/store';
import { newStackState } from '../../src/engine/deploy';
import { recommendForStack, recommendMarket } from '../../src/engine/cost/placement';
import { plausibleSpot, spotSaving } from '../../src/engine/cost/plausible';
import { reconcileRuns } from '../../src/engine/cost/runs';
import { costToDate, type HistoricPrices } from '../../src/engine/cost/to-date';
import { estimateKept } from '../../src/engine/cost/estimate';
import { transitionTime, type InstanceSighting } from '../../src/engine/live';
import { stackConfigSchema } from '../../src/engine/stack/config';

const NO_EFS = { sizeNowGb: 0, usdPerGbMonth: 0.3, history: [] };

describe('spot prices that cannot be true are unknown, never a saving', () => {
  it('$0.0000, $0.00001, negative, NaN and 10× on-demand are unknown; a real discount is a saving', () => {
    for (const bad of [0, 0.00001, -0.05, Number.NaN, Number.POSITIVE_INFINITY, 2]) {
      assert.equal(plausibleSpot(bad, 0.1664), false, String(bad));
      assert.equal(spotSaving(0.1664, bad), undefined, String(bad));
    }
    assert.equal(plausibleSpot(0.05, 0.1664), true);
    assert.ok(Math.abs(spotSaving(0.1664, 0.0499)! - (1 - 0.0499 / 0.1664)) < 1e-12);
    assert.equal(plausibleSpot(0.00001), false, 'without on-demand to compare, under $0.0001/h is not a price');
  });

  it('the recommendation never says "spot saves 100%": it says the spot price is not plausible, with the number AWS gave', () => {
    const why = recommendMarket(0.1664, 0.00001);
    assert.deepEqual(why, { market: 'on-demand', why: 'no plausible spot price is known for this type here (AWS answered $0.00001/h)' });
    assert.deepEqual(recommendForStack(0.1664, 0, 0.2).market, 'on-demand');
    assert.doesNotMatch(recommendForStack(0.1664, 0, 0).why, /saves/);
  });

  it('cost to date prices a spot run with only $0 history at on-demand (its ceiling), not at $0', async () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo' }));
    state.compute = [{ instanceId: 'i-1', instanceType: 't3.xlarge', market: 'spot', zone: 'us-east-1a', startedAt: '2026-11-01T00:00:00.000Z', endedAt: '2026-11-01T10:00:00.000Z' }];
    const prices: HistoricPrices = { onDemandHourly: async () => 0.1664, spotHistory: async () => [{ at: '2026-10-31T00:00:00Z', usdPerHour: 0 }] };
    const result = await costToDate(state, prices, NO_EFS, new Date('2026-11-02T00:00:00.000Z'));
    assert.equal(result.intervals[0]!.priced, 'on-demand');
    assert.ok(Math.abs(result.computeUsd - 1.664) < 1e-9, String(result.computeUsd));
  });

  it('a destroyed stack that kept its data is priced by its file system only, at its size now; the secrets cost nothing', () => {
    const kept = estimateKept(true, 12.5);
    assert.deepEqual(kept.lines.map((line) => line.item), ['efs']);
    assert.ok(Math.abs(kept.totalUsd - 3.75) < 0.01, String(kept.totalUsd));
    assert.match(kept.lines[0]!.basis, /13 GB \(its size now\).*secrets are standard parameters, at no charge/);
    assert.deepEqual(estimateKept(false, undefined).lines, []);
  });
});

describe('an instance replaced outside GeuseMaker ends its run where EC2 says', () => {
  const run = (instanceId: string, startedAt: string, extra: { lastSeenAt?: string } = {}) => ({ instanceId, instanceType: 't3.xlarge', market: 'spot' as const, zone: 'us-east-1a', startedAt, ...extra });
  const seen = (id: string, state: string, stoppedAt?: string): [string, InstanceSighting] => [id, { id, state, ...(stoppedAt ? { stoppedAt } : {}) }];

  it('reads the time from StateTransitionReason, as AWS (GMT) and the emulator (UTC) write it', () => {
    assert.equal(transitionTime('User initiated (2026-11-23 10:15:00 GMT)'), '2026-11-23T10:15:00.000Z');
    assert.equal(transitionTime('User initiated (2026-11-23 10:15:00 UTC)'), '2026-11-23T10:15:00.000Z');
    assert.equal(transitionTime('Service initiated'), undefined);
  });

  it('terminated: ends at EC2\'s time; forgotten by EC2: at the last time it was seen alive; live: stays open and is marked seen', () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo' }));
    state.compute = [
      run('i-terminated', '2026-11-01T00:00:00.000Z'),
      run('i-forgotten', '2026-11-01T00:00:00.000Z', { lastSeenAt: '2026-11-01T05:00:00.000Z' }),
      run('i-live', '2026-11-01T06:00:00.000Z'),
      { ...run('i-old', '2026-10-01T00:00:00.000Z'), endedAt: '2026-10-02T00:00:00.000Z' },
    ];
    const now = new Date('2026-11-02T00:00:00.000Z');
    const sightings = new Map([seen('i-terminated', 'terminated', '2026-11-01T03:00:00.000Z'), seen('i-live', 'running')]);
    const [terminated, forgotten, live, old] = reconcileRuns(state, sightings, now);
    assert.equal(terminated?.endedAt, '2026-11-01T03:00:00.000Z');
    assert.equal(forgotten?.endedAt, '2026-11-01T05:00:00.000Z');
    assert.equal(live?.endedAt, undefined);
    assert.equal(live?.lastSeenAt, now.toISOString());
    assert.equal(old?.endedAt, '2026-10-02T00:00:00.000Z', 'an ended run is never moved');
  });

  it('stopped outside GeuseMaker: its run ends when it stopped; started again, the next deploy counts it anew from its latest start, never twice', async () => {
    const store = new StateStore(mkdtempSync(join(tmpdir(), 'gm-runs-')));
    const state = newStackState(stackConfigSchema.parse({ name: 'demo' }));
    state.compute = [run('i-stopped', '2026-11-01T00:00:00.000Z')];
    await store.write(state);
    const journal = new Journal(store, state);
    const [stopped] = reconcileRuns(journal.state, new Map([seen('i-stopped', 'stopped', '2026-11-01T02:00:00.000Z')]), new Date('2026-11-02T00:00:00.000Z'));
    assert.equal(stopped?.endedAt, '2026-11-01T02:00:00.000Z', 'a stopped instance bills no compute');
    await journal.update((s) => { s.compute = [stopped!]; });
    // EC2's LaunchTime is the latest start; one before the run ended (a stale read) never overlaps it.
    await journal.computeStarted({ ...run('i-stopped', '2026-11-01T01:00:00.000Z') });
    await journal.computeStarted({ ...run('i-stopped', '2026-11-01T09:00:00.000Z') });
    assert.deepEqual(journal.state.compute.map((c) => [c.startedAt, c.endedAt]), [
      ['2026-11-01T00:00:00.000Z', '2026-11-01T02:00:00.000Z'],
      ['2026-11-01T02:00:00.000Z', undefined],
    ]);
  });
});
