import assert from 'node:assert/strict';
import { DescribeAutoScalingGroupsCommand, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import type { AwsClients, ClientInstrument } from '../../src/engine/aws/clients';
import type { Engine } from '../../src/engine/engine';
import { GeuseError } from '../../src/engine/errors';
import { inspector, testEngine } from '../harness/engine';
import { groupInstances, groupSizes, poolGroup, scaledStack } from '../harness/pool-groups';

/** Every Auto Scaling call the engine makes, by command name. */
function autoScalingCalls(): { calls: string[]; instrument: ClientInstrument } {
  const calls: string[] = [];
  return {
    calls,
    instrument: (client, service) => {
      if (service !== 'autoscaling') return;
      client.middlewareStack.add((next, context) => async (args) => {
        calls.push(String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, ''));
        return next(args);
      }, { step: 'initialize', name: 'gmCountPoolCalls' });
    },
  };
}

async function refusal(work: Promise<unknown>): Promise<GeuseError> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof GeuseError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

describe('worker pools: read from Auto Scaling, capacity set under the lock and read back (moto; groups made in moto as the deploy names and tags them)', function () {
  this.timeout(120_000);
  let engine: Engine;
  let aws: AwsClients;
  let counted: ReturnType<typeof autoScalingCalls>;

  beforeEach(() => {
    counted = autoScalingCalls();
    engine = testEngine({ instrument: counted.instrument });
    aws = inspector();
  });
  afterEach(() => {
    engine.dispose();
    aws.destroy();
  });

  it('pools: sizes, instances in service and the types running as Auto Scaling says them; an unhealthy worker makes the pool degraded; a pool with no group is missing', async () => {
    const state = await scaledStack(engine.store);
    const launched = await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 4, desired: 2 });
    assert.equal(launched.length, 2, 'moto launched the desired workers');

    const [n8n, ollama] = await engine.workers.pools('demo');
    assert.deepEqual(
      { pool: n8n?.pool, group: n8n?.groupName, ours: n8n?.ours, missing: n8n?.missing, min: n8n?.min, max: n8n?.max, desired: n8n?.desired, inService: n8n?.inService, pending: n8n?.pending, unhealthy: n8n?.unhealthy, condition: n8n?.condition, severity: n8n?.severity },
      { pool: 'n8n', group: 'gm-demo-n8n-workers', ours: true, missing: false, min: 1, max: 4, desired: 2, inService: 2, pending: 0, unhealthy: 0, condition: 'ok', severity: 'ok' },
    );
    assert.deepEqual(n8n?.instanceTypes, ['c7i.large'], 'the type the instances run, not every type the group may launch');
    assert.deepEqual(n8n?.allowedTypes, ['c7i.large', 'c6i.large']);
    assert.equal(n8n?.summary, '2 of 2 in service');
    assert.deepEqual([ollama?.pool, ollama?.groupName, ollama?.missing, ollama?.condition, ollama?.severity], ['ollama', 'gm-demo-ollama-workers', true, 'missing', 'critical']);
    assert.deepEqual(counted.calls, ['DescribeAutoScalingGroups'], 'both pools from one call');

    // The n8n worker's watchdog marks a worker Unhealthy; until the group replaces it, the pool is degraded.
    await aws.autoscaling.send(new SetInstanceHealthCommand({ InstanceId: launched[0]!, HealthStatus: 'Unhealthy' }));
    const [degraded] = await engine.workers.pools('demo');
    assert.deepEqual([degraded?.inService, degraded?.unhealthy, degraded?.condition, degraded?.severity], [1, 1, 'degraded', 'warning']);
    assert.equal(degraded?.summary, '1 of 2 in service, 1 unhealthy (Auto Scaling replaces it)');
  });

  it('setCapacity: UpdateAutoScalingGroup under the stack\'s lock, then the sizes AWS reads back; the recorded config follows min/max and the result says the config file does not', async () => {
    const state = await scaledStack(engine.store);
    await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 4, desired: 1 });
    const steps: string[] = [];
    const result = await engine.workers.setCapacity('demo', 'n8n', { min: 2, max: 6, desired: 3 }, { onProgress: (event) => void (event.type === 'step-done' && steps.push(event.title)) });

    assert.deepEqual(await groupSizes(aws, 'gm-demo-n8n-workers'), { min: 2, max: 6, desired: 3 }, 'AWS has the new sizes');
    assert.deepEqual([result.min, result.max, result.desired, result.changed], [2, 6, 3, true]);
    assert.deepEqual(result.before, { min: 1, max: 4, desired: 1 });
    assert.equal(result.inService, (await groupInstances(aws, 'gm-demo-n8n-workers')).length, 'in service as the group lists its instances now');
    assert.deepEqual(counted.calls, ['DescribeAutoScalingGroups', 'UpdateAutoScalingGroup', 'DescribeAutoScalingGroups'], 'read, one update, read back');
    assert.deepEqual(steps, ['Set the n8n pool to min 2, max 6, desired 3']);
    const group = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo-n8n-workers'] }))).AutoScalingGroups![0]!;
    assert.deepEqual(group.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.map((o) => o.InstanceType), ['c7i.large', 'c6i.large'], 'only the sizes changed');

    const recorded = (await engine.show('demo'))!;
    assert.deepEqual([recorded.config.scale?.n8nWorkers.min, recorded.config.scale?.n8nWorkers.max], [2, 6], 'a plan from the recorded config sees no drift in min/max');
    assert.deepEqual([recorded.config.scale?.ollamaWorkers?.min, recorded.config.scale?.ollamaWorkers?.max], [1, 2], 'the other pool untouched');
    assert.deepEqual(recorded.history, state.history, 'no applied version is made up');
    assert.ok(result.notes.some((note) => /recorded config now has min 2, max 6 for the n8n pool \(it had min 1, max 4\).*The config file still holds the old numbers: the next deploy from it sets them again/.test(note)), result.notes.join('\n'));
    assert.ok(result.notes.some((note) => /Target tracking moves desired between min 2 and max 6/.test(note)));
    await assert.doesNotReject(engine.store.lock('demo', 'deploy').then((lock) => lock.release()), 'the lock was released');

    // Desired only: min/max stay as recorded; the same sizes again make no call at all.
    counted.calls.length = 0;
    const desired = await engine.workers.setCapacity('demo', 'n8n', { desired: 5 });
    assert.deepEqual([desired.min, desired.max, desired.desired], [2, 6, 5]);
    assert.deepEqual(await groupSizes(aws, 'gm-demo-n8n-workers'), { min: 2, max: 6, desired: 5 });
    assert.ok(!desired.notes.some((note) => /config file/.test(note)), 'desired is not in the config: nothing to say about the file');
    counted.calls.length = 0;
    const again = await engine.workers.setCapacity('demo', 'n8n', { min: 2, desired: 5 });
    assert.equal(again.changed, false);
    assert.deepEqual(counted.calls, ['DescribeAutoScalingGroups', 'DescribeAutoScalingGroups'], 'no mutating call when nothing differs');
    assert.match(again.notes[0] ?? '', /already had min 2, max 6, desired 5: nothing was changed/);

    // A lower max alone keeps desired inside it, as AWS would.
    const lower = await engine.workers.setCapacity('demo', 'n8n', { max: 3 });
    assert.deepEqual([lower.min, lower.max, lower.desired], [2, 3, 3]);
  });

  it('refuses before any change: 0 (pause\'s job), min above max, desired outside min..max, a pool not configured or not deployed, a paused stack, a stack whose lock is held', async () => {
    const state = await scaledStack(engine.store);
    await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 4, desired: 1 });
    counted.calls.length = 0;

    const zero = await refusal(engine.workers.setCapacity('demo', 'n8n', { min: 0 }));
    assert.deepEqual([zero.code, zero.kind], ['CAPACITY_INVALID', 'invalid-input']);
    assert.match(zero.message, /min 0 for the n8n pool of stack demo is refused/);
    assert.match(zero.nextStep, /pause the stack: `geusemaker pause demo`/);
    const above = await refusal(engine.workers.setCapacity('demo', 'n8n', { min: 5 }));
    assert.match(above.message, /min 5 is above the pool's max 4/);
    assert.match(above.nextStep, /Raise max with it \(max 5 or more\)/);
    const outside = await refusal(engine.workers.setCapacity('demo', 'n8n', { max: 3, desired: 4 }));
    assert.match(outside.message, /desired 4 is outside min 1 \.\. max 3/);
    assert.equal((await refusal(engine.workers.setCapacity('demo', 'n8n', {}))).code, 'CAPACITY_INVALID');
    assert.match((await refusal(engine.workers.setCapacity('demo', 'n8n', { max: 101 }))).message, /at most 100 workers/);
    assert.equal((await refusal(engine.workers.setCapacity('demo', 'n8n', { min: 1.5 } as { min: number }))).code, 'CAPACITY_INVALID');

    const notDeployed = await refusal(engine.workers.setCapacity('demo', 'ollama', { min: 1 }));
    assert.deepEqual([notDeployed.code, notDeployed.kind], ['POOL_NOT_DEPLOYED', 'refused']);
    assert.match(notDeployed.message, /gm-demo-ollama-workers does not exist/);
    assert.deepEqual(counted.calls.filter((call) => call !== 'DescribeAutoScalingGroups'), [], 'nothing was changed');
    assert.deepEqual(await groupSizes(aws, 'gm-demo-n8n-workers'), { min: 1, max: 4, desired: 1 });

    const lock = await engine.store.lock('demo', 'deploy');
    try {
      assert.equal((await refusal(engine.workers.setCapacity('demo', 'n8n', { min: 2 }))).code, 'STACK_LOCKED');
    } finally {
      await lock.release();
    }

    await scaledStack(engine.store, { name: 'lean', ollama: false });
    const noPool = await refusal(engine.workers.setCapacity('lean', 'ollama', { min: 1 }));
    assert.deepEqual([noPool.code, noPool.message], ['POOL_NOT_IN_STACK', 'Stack lean has no ollama pool: its scale section does not set ollamaWorkers.']);
    await scaledStack(engine.store, { name: 'asleep', status: 'paused' });
    const paused = await refusal(engine.workers.setCapacity('asleep', 'n8n', { min: 2 }));
    assert.equal(paused.code, 'POOLS_NOT_RUNNING');
    assert.match(paused.nextStep, /geusemaker resume asleep/);
    assert.deepEqual(await engine.workers.pools('asleep').then((pools) => pools.map((pool) => pool.condition)), ['missing', 'missing'], 'read, never changed');
  });

  it('a group of the pool\'s name that carries another stack id, or none, is reported as not ours and never changed', async () => {
    await scaledStack(engine.store, { ollama: false });
    await poolGroup(aws, { pool: 'n8n', owner: 'another-stack-id', min: 1, max: 2, desired: 1 });
    const [foreign] = await engine.workers.pools('demo');
    assert.deepEqual([foreign?.ours, foreign?.missing, foreign?.foreignStackId, foreign?.condition, foreign?.severity], [false, false, 'another-stack-id', 'not-ours', 'critical']);
    counted.calls.length = 0;
    const refused = await refusal(engine.workers.setCapacity('demo', 'n8n', { max: 3 }));
    assert.deepEqual([refused.code, refused.kind], ['NOT_OURS', 'refused']);
    assert.match(refused.message, /gm-demo-n8n-workers carries stack id another-stack-id \(another stack\), not this stack's .*not changed/);
    assert.deepEqual(counted.calls, ['DescribeAutoScalingGroups'], 'read only');
    assert.deepEqual(await groupSizes(aws, 'gm-demo-n8n-workers'), { min: 1, max: 2, desired: 1 }, 'left alone');
    assert.equal((await engine.show('demo'))?.config.scale?.n8nWorkers.max, 4, 'nothing recorded');
  });

  it('a group of the name made by hand (no GeuseMaker tags) is not ours either', async () => {
    await scaledStack(engine.store, { ollama: false });
    await poolGroup(aws, { pool: 'n8n', owner: null, min: 1, max: 2, desired: 1 });
    const [hand] = await engine.workers.pools('demo');
    assert.deepEqual([hand?.ours, hand?.foreignStackId, hand?.condition], [false, undefined, 'not-ours']);
    const refused = await refusal(engine.workers.setCapacity('demo', 'n8n', { desired: 2 }));
    assert.match(refused.message, /carries no stack id \(made by hand or by another tool\)/);
    assert.deepEqual(await groupSizes(aws, 'gm-demo-n8n-workers'), { min: 1, max: 2, desired: 1 });
  });
});
