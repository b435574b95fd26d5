import assert from 'node:assert/strict';
import { SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import type { AwsClients } from '../../src/engine/aws/clients';
import type { Engine } from '../../src/engine/engine';
import type { SsmFactory } from '../../src/engine/operate';
import { newStackState } from '../../src/engine/deploy';
import type { StackState } from '../../src/engine/state/schema';
import type { StateStore } from '../../src/engine/state/store';
import { LocalShellRunner } from '../fixtures/ssm/local-runner';
import { devConfig, inspector, testEngine } from '../harness/engine';
import { DENIED, FaultInjector } from '../harness/faults';
import { poolGroup, scaledStack } from '../harness/pool-groups';

/*
 * A health round of a scaled stack carries its worker pools as EC2 Auto Scaling says now (moto: groups made as the
 * deploy names and tags them). The services' part runs the real health script under sh with docker and curl
 * stubbed (LocalShellRunner: moto runs no commands) and an agent stand-in that says Online.
 */

const INSTANCE = 'i-0123456789abcdef0';

function healthySsm(): SsmFactory {
  const runner = new LocalShellRunner({
    GM_FAKE_CONTAINERS: 'n8n:aa01:running:healthy:0 ollama:aa02:running:healthy:0 qdrant:aa03:running:healthy:0 crawl4ai:aa04:running:healthy:0 postgres:aa05:running:healthy:0',
    GM_FAKE_HTTP: '5678:200:0:{"status":"ok"} 11434:200:0:{"version":"0.5.7"} 6333:200:0:passed 11235:200:0:{"status":"ok"}',
    GM_FAKE_PG_EXIT: '0',
  });
  return () => ({ runner, agents: { status: async (instanceId) => ({ instanceId, pingStatus: 'Online' }) } });
}

/** The stack's main instance as a deploy records it (the SSM stand-ins answer for it). */
async function withInstance(store: StateStore, state: StackState): Promise<void> {
  state.resources.instance = { key: 'instance', kind: 'instance', status: 'created', id: INSTANCE, attrs: { zone: 'us-east-1a' }, external: false, updatedAt: new Date().toISOString() };
  await store.write(state);
}

const autoScalingCalls = (faults: FaultInjector) => faults.calls.filter((call) => call.startsWith('autoscaling:'));

describe('health rounds with worker pools: desired, in service and unhealthy from Auto Scaling now (moto; SSM output from the local shell runner)', function () {
  this.timeout(120_000);
  let engine: Engine;
  let aws: AwsClients;
  let faults: FaultInjector;

  const start = (rules: ConstructorParameters<typeof FaultInjector>[0] = []) => {
    faults = new FaultInjector(rules);
    engine = testEngine({ instrument: faults.instrument, ssm: healthySsm(), maxAttempts: 1 });
  };
  beforeEach(() => {
    aws = inspector();
  });
  afterEach(() => {
    engine.dispose();
    aws.destroy();
  });

  it('a scaled stack: each pool from one DescribeAutoScalingGroups beside the services; an unhealthy worker makes its pool degraded the next round; a pool without its group is missing', async () => {
    start();
    const state = await scaledStack(engine.store);
    await withInstance(engine.store, state);
    const workers = await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 4, desired: 2 });

    const first = await engine.health('demo');
    assert.ok(first.services.length > 0 && first.services.every((service) => service.status === 'healthy'), 'the services\' round stands beside the pools');
    assert.deepEqual(first.pools, [
      { pool: 'n8n', group: 'gm-demo-n8n-workers', desired: 2, inService: 2, unhealthy: 0, condition: 'ok', severity: 'ok', summary: '2 of 2 in service' },
      {
        pool: 'ollama', group: 'gm-demo-ollama-workers', desired: 0, inService: 0, unhealthy: 0, condition: 'missing', severity: 'critical',
        summary: 'its Auto Scaling group does not exist (not deployed yet, or deleted outside GeuseMaker)',
      },
    ]);
    assert.equal(first.poolsUnknownBecause, undefined);
    assert.deepEqual(autoScalingCalls(faults), ['autoscaling:DescribeAutoScalingGroups'], 'both pools from one call');

    // The watchdog on an n8n worker marks it Unhealthy (as it does after repeated /healthz failures).
    await aws.autoscaling.send(new SetInstanceHealthCommand({ InstanceId: workers[0], HealthStatus: 'Unhealthy' }));
    const second = await engine.health('demo');
    const n8n = second.pools?.find((pool) => pool.pool === 'n8n');
    assert.deepEqual(
      { desired: n8n?.desired, inService: n8n?.inService, unhealthy: n8n?.unhealthy, condition: n8n?.condition, severity: n8n?.severity, summary: n8n?.summary },
      { desired: 2, inService: 1, unhealthy: 1, condition: 'degraded', severity: 'warning', summary: '1 of 2 in service, 1 unhealthy (Auto Scaling replaces it)' },
      'read again this round, not remembered from the last',
    );
  });

  it('a stack without scale: no pools in the result and no Auto Scaling call', async () => {
    start();
    const state = newStackState(devConfig({ name: 'plain' }));
    state.status = 'deployed';
    await withInstance(engine.store, state);
    const health = await engine.health('plain');
    assert.ok(health.services.length > 0);
    assert.equal('pools' in health, false);
    assert.equal('poolsUnknownBecause' in health, false);
    assert.deepEqual(autoScalingCalls(faults), []);
  });

  it('pools: false (the tree, which reads pools on its own): the round makes no Auto Scaling call', async () => {
    start();
    const state = await scaledStack(engine.store, { ollama: false });
    await withInstance(engine.store, state);
    await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 2, desired: 1 });
    const health = await engine.health('demo', { pools: false });
    assert.equal(health.pools, undefined);
    assert.deepEqual(autoScalingCalls(faults), []);
  });

  it('Auto Scaling refusing the read (AccessDenied injected): the pools are unknown with the reason, the services\' round stands, nothing throws', async () => {
    start([{ operation: 'autoscaling:DescribeAutoScalingGroups', mode: 'before', error: DENIED }]);
    const state = await scaledStack(engine.store, { ollama: false });
    await withInstance(engine.store, state);
    await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 2, desired: 1 });
    const health = await engine.health('demo');
    assert.ok(health.services.every((service) => service.status === 'healthy'));
    assert.deepEqual(health.pools, []);
    assert.equal(health.poolsUnknownBecause?.kind, 'permission');
    assert.match(health.poolsUnknownBecause?.operation ?? '', /DescribeAutoScalingGroups/);
    // The fault was one call: the next round reads the pool again.
    const again = await engine.health('demo');
    assert.deepEqual(again.pools?.map((pool) => [pool.pool, pool.inService, pool.condition]), [['n8n', 1, 'ok']]);
    assert.equal(again.poolsUnknownBecause, undefined);
  });
});
