import assert from 'node:assert/strict';
import { SECRETS } from '../../src/engine/resources/secrets';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GeuseError } from '../../src/engine/errors';
import { countByKind, devConfig, inspector, sweep, testEngine } from '../harness/engine';
import { FaultInjector } from '../harness/faults';

const isSpot = (input: Record<string, unknown>) => input.InstanceMarketOptions !== undefined;

async function instanceOf(stateDirInstanceId: string) {
  const aws = inspector();
  try {
    return (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [stateDirInstanceId] }))).Reservations![0]!.Instances![0]!;
  } finally {
    aws.destroy();
  }
}

describe('real-AWS behaviours injected as errors (AWS-REALITY.md)', function () {
  this.timeout(300_000);

  it('instance-profile propagation: "Invalid IAM Instance Profile name" is retried until it succeeds', async () => {
    const faults = new FaultInjector([{
      operation: 'ec2:RunInstances', mode: 'before', times: 3,
      error: { name: 'InvalidParameterValue', message: 'Value (gm-demo-instance) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name', status: 400 },
    }]);
    const engine = testEngine({ instrument: faults.instrument });
    const result = await engine.deploy(devConfig());
    engine.dispose();
    assert.equal(result.state.status, 'deployed');
    assert.equal(faults.calls.filter((c) => c === 'ec2:RunInstances').length, 4, 'three refusals, then success');
    assert.equal(countByKind(await sweep()).instance, 1);
  });

  it('InsufficientInstanceCapacity in the first AZ: the second AZ is used, and the user is told', async () => {
    const faults = new FaultInjector([{
      operation: 'ec2:RunInstances', mode: 'before',
      error: { name: 'InsufficientInstanceCapacity', message: 'There is no Spot capacity available that matches your request.', status: 500 },
    }]);
    const engine = testEngine({ instrument: faults.instrument });
    const result = await engine.deploy(devConfig());
    engine.dispose();
    const firstZone = result.plan.facts.zones[0]!;
    const secondZone = result.plan.facts.zones[1]!;
    const instance = await instanceOf(result.state.resources.instance!.id!);
    assert.equal(instance.Placement?.AvailabilityZone, secondZone);
    assert.equal(instance.InstanceLifecycle, 'spot', 'still spot');
    assert.ok(result.notes.some((n) => n.includes(firstZone) && n.includes('InsufficientInstanceCapacity') && n.includes(secondZone)), result.notes.join('\n'));
  });

  it('no spot capacity anywhere, on-demand fallback allowed: on-demand is used, and said', async () => {
    const faults = new FaultInjector([{
      operation: 'ec2:RunInstances', mode: 'before', times: 10, when: isSpot,
      error: { name: 'InsufficientInstanceCapacity', message: 'There is no Spot capacity available that matches your request.', status: 500 },
    }]);
    const engine = testEngine({ instrument: faults.instrument });
    const result = await engine.deploy(devConfig({ market: 'spot', onDemandFallback: true }));
    engine.dispose();
    const instance = await instanceOf(result.state.resources.instance!.id!);
    assert.notEqual(instance.InstanceLifecycle, 'spot');
    assert.ok(result.notes.some((n) => /launched on-demand/.test(n) && /fallback is allowed/.test(n)), result.notes.join('\n'));
    assert.ok(result.state.notes.some((n) => /launched on-demand/.test(n)), 'the fallback is kept in the journal');
  });

  it('no spot capacity anywhere, fallback not allowed: a clear failure and nothing left running', async () => {
    const faults = new FaultInjector([{
      operation: 'ec2:RunInstances', mode: 'before', times: 10, when: isSpot,
      error: { name: 'InsufficientInstanceCapacity', message: 'There is no Spot capacity available that matches your request.', status: 500 },
    }]);
    const engine = testEngine({ instrument: faults.instrument });
    await assert.rejects(engine.deploy(devConfig({ market: 'spot', onDemandFallback: false })), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.kind, 'capacity');
      assert.match(error.message, /no capacity for t3\.xlarge/);
      assert.match(error.message, /No instance is running/);
      assert.match(error.nextStep, /on-demand fallback/);
      return true;
    });
    const state = await engine.show('demo');
    engine.dispose();
    assert.equal(state?.status, 'deploy_failed');
    assert.equal(countByKind(await sweep()).instance, undefined, 'no instance running');
    assert.equal(faults.calls.filter((c) => c === 'ec2:RunInstances').length, 2, 'tried both AZs, spot only');
  });

  it('throttling on 30% of calls: adaptive retry carries the deploy through without duplicates', async () => {
    const faults = new FaultInjector();
    faults.throttleRate = 0.3;
    const engine = testEngine({ instrument: faults.instrument, maxAttempts: 12 });
    const result = await engine.deploy(devConfig());
    engine.dispose();
    assert.equal(result.state.status, 'deployed');
    assert.ok(faults.throttled > 10, `throttled ${faults.throttled} calls`);
    const counts = countByKind(await sweep());
    assert.deepEqual(
      { vpc: counts.vpc, efs: counts.efs, instance: counts.instance, subnet: counts.subnet, sg: counts['security-group'], mt: counts['mount-target'], param: counts['ssm-parameter'] },
      { vpc: 1, efs: 1, instance: 1, subnet: 2, sg: 2, mt: 2, param: SECRETS.length },
    );
  });
});
