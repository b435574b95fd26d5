import assert from 'node:assert/strict';
import { GeuseError } from '../../src/engine/errors';
import { poolHealth } from '../../src/engine/health/pools';
import type { GroupInstance, GroupView } from '../../src/engine/resources/group-view';
import { parseCapacityRequest, resolveCapacity } from '../../src/engine/scale/pool-capacity';
import { poolViewOf, stackPools } from '../../src/engine/scale/pools';
import { newStackState } from '../../src/engine/deploy';
import { healthSnapshotSchema, poolRowOf, poolRowSchema } from '../../src/protocol/health';
import { stackConfigSchema } from '../../src/engine/stack/config';

/** A group as group-view.ts gives it after parsing DescribeAutoScalingGroups (states moto never shows: Pending, Terminating). */
function group(instances: Partial<GroupInstance>[], stackId = 'sid-1'): GroupView {
  return {
    name: 'gm-demo-n8n-workers', stack: 'demo', stackId, tags: [], desired: 3, min: 1, max: 4, status: undefined, targetGroupArns: [], subnetIds: [],
    capacityRebalance: true, instanceTypes: ['c7i.large', 'c6i.large'], market: 'spot', mixed: true,
    instances: instances.map((each, index) => ({ id: `i-${index}`, lifecycle: 'InService', healthy: true, ...each })),
  };
}

function refusedWith(run: () => unknown): GeuseError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GeuseError);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('worker pools: counting a group\'s instances and checking a new capacity (no AWS)', () => {
  it('counts in service, launching, unhealthy and terminating from lifecycle and health; types only of what launches or runs', () => {
    const view = poolViewOf('n8n', 'demo', 'sid-1', group([
      { lifecycle: 'InService', instanceType: 'c7i.large' },
      { lifecycle: 'Pending:Wait', instanceType: 'c6i.large' },
      { lifecycle: 'InService', healthy: false, instanceType: 'c7i.large' },
      { lifecycle: 'Terminating', healthy: false, instanceType: 'm7i.large' },
      { lifecycle: 'Terminated', instanceType: 'm5.large' },
    ]));
    assert.deepEqual([view.inService, view.pending, view.unhealthy, view.terminating], [1, 1, 2, 1]);
    assert.deepEqual(view.instanceTypes, ['c6i.large', 'c7i.large']);
    assert.deepEqual([view.condition, view.severity, view.market], ['degraded', 'warning', 'spot']);
    assert.equal(view.summary, '1 of 3 in service, 1 launching, 2 unhealthy (Auto Scaling replaces them)');
    assert.equal(poolViewOf('n8n', 'demo', 'sid-1', group([{}, {}, {}])).condition, 'ok');
  });

  it('a group with another stack id is not ours (its id said); with none, not ours without one; no group is missing with zeros', () => {
    const foreign = poolViewOf('n8n', 'demo', 'sid-1', group([{}], 'sid-2'));
    assert.deepEqual([foreign.ours, foreign.foreignStackId, foreign.condition, foreign.severity], [false, 'sid-2', 'not-ours', 'critical']);
    const hand = poolViewOf('n8n', 'demo', 'sid-1', { ...group([{}]), stackId: undefined });
    assert.deepEqual([hand.ours, hand.foreignStackId, hand.condition], [false, undefined, 'not-ours']);
    const missing = poolViewOf('ollama', 'demo', 'sid-1', undefined);
    assert.deepEqual([missing.groupName, missing.missing, missing.desired, missing.inService, missing.condition], ['gm-demo-ollama-workers', true, 0, 0, 'missing']);
  });

  it('health: degraded when unhealthy > 0 or fewer in service than desired; a paused pool (0 of 0) is ok', () => {
    const row = (desired: number, inService: number, unhealthy: number) => poolHealth({ pool: 'n8n', groupName: 'g', missing: false, ours: true, desired, inService, pending: 0, unhealthy });
    assert.deepEqual([row(2, 2, 0).condition, row(2, 1, 0).condition, row(2, 2, 1).condition, row(0, 0, 0).condition], ['ok', 'degraded', 'degraded', 'ok']);
    assert.deepEqual(Object.keys(row(2, 2, 0)), ['pool', 'group', 'desired', 'inService', 'unhealthy', 'condition', 'severity', 'summary'], 'the health panel\'s row (protocol poolRowSchema)');
    // The panel's row, from what the engine reads: it passes the message schema, and the snapshot stays valid without it.
    const panelRow = poolRowOf(poolViewOf('n8n', 'demo', 'sid-1', group([{}, { healthy: false }])));
    assert.deepEqual(poolRowSchema.parse(panelRow), { ...row(3, 1, 1), group: 'gm-demo-n8n-workers', summary: '1 of 3 in service, 1 unhealthy (Auto Scaling replaces it)' });
    const snapshot = { target: { name: 'demo', stateDir: '/s' }, region: 'us-east-1', services: [], checking: false, refreshSeconds: 30 };
    assert.equal(healthSnapshotSchema.safeParse(snapshot).success, true);
    assert.equal(healthSnapshotSchema.safeParse({ ...snapshot, pools: [panelRow] }).success, true);
    assert.equal(healthSnapshotSchema.safeParse({ ...snapshot, pools: [{ ...panelRow, inService: -1 }] }).success, false);
  });

  it('stackPools: the applied config\'s pools, a pending change\'s, and any the journal recorded, in deploy order', () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'demo' }));
    assert.deepEqual(stackPools(state), []);
    state.pending = { config: stackConfigSchema.parse({ name: 'demo', scale: { ollamaWorkers: { min: 1, max: 2 } } }), startedAt: '', summary: [] };
    assert.deepEqual(stackPools(state), ['n8n', 'ollama']);
    state.pending = undefined;
    state.resources['worker-group-ollama'] = { key: 'worker-group-ollama', kind: 'auto-scaling-group', status: 'created', id: 'gm-demo-ollama-workers', attrs: {}, external: false, updatedAt: '' };
    assert.deepEqual(stackPools(state), ['ollama'], 'a group left by an earlier config is still shown');
  });

  it('resolveCapacity: what is not given stays as the group has it, desired kept inside a new min..max; 0, min above max and desired outside are refused naming the fix', () => {
    const now = { min: 1, max: 4, desired: 3 };
    assert.deepEqual(resolveCapacity('demo', 'n8n', now, { max: 2 }), { min: 1, max: 2, desired: 2 });
    assert.deepEqual(resolveCapacity('demo', 'n8n', now, { min: 4 }), { min: 4, max: 4, desired: 4 });
    assert.deepEqual(resolveCapacity('demo', 'n8n', now, { desired: 1 }), { min: 1, max: 4, desired: 1 });
    for (const field of ['min', 'max', 'desired'] as const) {
      const zero = refusedWith(() => resolveCapacity('demo', 'ollama', now, { [field]: 0 }));
      assert.equal(zero.code, 'CAPACITY_INVALID');
      assert.match(zero.message, new RegExp(`^${field} 0 for the ollama pool of stack demo is refused`));
      assert.match(zero.nextStep, /geusemaker pause demo/);
    }
    assert.match(refusedWith(() => resolveCapacity('demo', 'n8n', now, { min: 5, max: 3 })).message, /min 5 is above max 3/);
    assert.match(refusedWith(() => resolveCapacity('demo', 'n8n', now, { max: 1, min: 2 })).nextStep, /max of at least 2/);
    assert.match(refusedWith(() => resolveCapacity('demo', 'n8n', now, { desired: 9 })).nextStep, /Raise max with it \(max 9\)/);
    assert.match(refusedWith(() => resolveCapacity('demo', 'n8n', { min: 0, max: 4, desired: 0 }, { max: 3 })).message, /has min 0 now/);
  });

  it('parseCapacityRequest: whole numbers up to 100, at least one given, nothing else', () => {
    assert.deepEqual(parseCapacityRequest({ min: 2, desired: 3 }), { min: 2, desired: 3 });
    assert.match(refusedWith(() => parseCapacityRequest({})).message, /No size was given/);
    assert.match(refusedWith(() => parseCapacityRequest({ max: 101 })).message, /max must be at most 100 workers/);
    assert.match(refusedWith(() => parseCapacityRequest({ min: -1 })).message, /min must not be negative/);
    assert.match(refusedWith(() => parseCapacityRequest({ desired: 'two' })).message, /desired must be a whole number/);
    assert.equal(refusedWith(() => parseCapacityRequest({ size: 2 })).code, 'CAPACITY_INVALID');
  });
});
