import assert from 'node:assert/strict';
import { SECRETS } from '../../src/engine/resources/secrets';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { renderShow } from '../../src/engine/present/text';
import { GeuseError } from '../../src/engine/errors';
import { countByKind, devConfig, inspector, sweep, testEngine } from '../harness/engine';
import { FaultInjector } from '../harness/faults';
import { GroupRealism, noSpotCapacityActivity } from '../harness/group-realism';

describe('real-AWS behaviours injected as errors (AWS-REALITY.md)', function () {
  this.timeout(300_000);

  it('instance-profile propagation: the group refuses the template ("Invalid IAM Instance Profile name") until the profile is visible, and deploy retries', async () => {
    const faults = new FaultInjector([{
      operation: 'autoscaling:CreateAutoScalingGroup', mode: 'before', times: 3,
      error: { name: 'ValidationError', message: 'You must use a valid fully-formed launch template. Value (gm-demo-instance) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name', status: 400 },
    }]);
    const engine = testEngine({ instrument: faults.instrument });
    const result = await engine.deploy(devConfig());
    engine.dispose();
    assert.equal(result.state.status, 'deployed');
    assert.equal(faults.calls.filter((c) => c === 'autoscaling:CreateAutoScalingGroup').length, 4, 'three refusals, then success');
    assert.equal(countByKind(await sweep()).instance, 1);
  });

  it('AZ capacity is the group\'s to find: it spans both AZs of the stack with interchangeable types, spot price-capacity-optimized', async () => {
    const engine = testEngine();
    const result = await engine.deploy(devConfig());
    engine.dispose();
    const aws = inspector();
    try {
      const group = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups![0]!;
      assert.equal(new Set(group.AvailabilityZones).size, 2, 'two AZs');
      assert.deepEqual([...(group.AvailabilityZones ?? [])].sort(), [...result.plan.facts.zones].sort());
      const types = group.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.map((o) => o.InstanceType) ?? [];
      assert.equal(types[0], 't3.xlarge', 'the chosen type first');
      assert.ok(types.length >= 2, `interchangeable types: ${types.join(', ')}`);
      assert.deepEqual(result.plan.facts.instanceTypes, types, 'the plan shows the types the group has');
      assert.equal(group.MixedInstancesPolicy?.InstancesDistribution?.SpotAllocationStrategy, 'price-capacity-optimized');
      assert.equal(group.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity, 0, 'all spot');
      assert.equal(group.CapacityRebalance, true);
      assert.ok((group.HealthCheckGracePeriod ?? 0) >= 1800, 'grace period longer than the bootstrap');
    } finally {
      aws.destroy();
    }
  });

  it('no spot capacity (the group\'s launch fails as a scaling activity), on-demand fallback allowed: the group goes on-demand, and progress and show say so', async () => {
    const realism = new GroupRealism();
    realism.noSpotCapacity = true;
    realism.activities = [noSpotCapacityActivity('gm-demo')];
    const engine = testEngine({ instrument: realism.instrument });
    const result = await engine.deploy(devConfig({ market: 'spot', onDemandFallback: true }));
    const aws = inspector();
    try {
      const group = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups![0]!;
      assert.equal(group.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity, 100, 'on-demand now');
      assert.ok(result.notes.some((n) => /No spot capacity/.test(n) && /switched to on-demand/.test(n) && /InsufficientInstanceCapacity/.test(n)), result.notes.join('\n'));
      assert.equal(result.state.resources['auto-scaling-group']?.attrs.market, 'on-demand', 'the stack records the market it is on');
      const shown = await engine.show('demo', { live: true });
      assert.equal(shown?.live?.compute?.market, 'on-demand');
      assert.ok(shown?.live?.compute?.onDemandFallbackAt, 'show knows when it fell back');
      assert.match(renderShow(shown!).join('\n'), /switched to on-demand at .*: no spot capacity; the next deploy sets it back to spot/);
      // The next deploy offers spot again, saying what happens to the running on-demand instance.
      realism.noSpotCapacity = false;
      const plan = await engine.plan(devConfig({ market: 'spot', onDemandFallback: true }));
      assert.ok(plan.warnings.some((w) => /has run on-demand since .* sets it back to spot: the running on-demand instance stays until it is next replaced/.test(w)), plan.warnings.join(' | '));
      await engine.deploy(devConfig({ market: 'spot', onDemandFallback: true }));
      const back = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups![0]!;
      assert.equal(back.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity, 0, 'spot again');
      assert.equal((await engine.show('demo', { live: true }))?.live?.compute?.onDemandFallbackAt, undefined);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('no spot capacity, fallback not allowed: a clear failure with a next step, and the group kept at 0 so nothing starts later', async () => {
    const realism = new GroupRealism();
    realism.noSpotCapacity = true;
    realism.activities = [noSpotCapacityActivity('gm-demo')];
    const engine = testEngine({ instrument: realism.instrument });
    await assert.rejects(engine.deploy(devConfig({ market: 'spot', onDemandFallback: false })), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'NO_CAPACITY');
      assert.equal(error.kind, 'capacity');
      assert.match(error.message, /no spot capacity for t3\.xlarge/);
      assert.match(error.message, /There is no Spot capacity available/);
      assert.match(error.message, /No instance is running/);
      assert.match(error.nextStep, /on-demand fallback/);
      return true;
    });
    const state = await engine.show('demo');
    engine.dispose();
    assert.equal(state?.status, 'deploy_failed');
    assert.equal(countByKind(await sweep()).instance, undefined, 'no instance running');
    const aws = inspector();
    try {
      const group = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups![0]!;
      assert.equal(group.DesiredCapacity, 0);
    } finally {
      aws.destroy();
    }
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
