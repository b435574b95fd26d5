import assert from 'node:assert/strict';
import type { StackConfig } from '../../src/engine/stack/config';
import { automationConfig, gpuConfig, sweep, testEngine, tempDir } from '../harness/engine';
import { assertExactlyOneStack as assertOneStackOf } from '../harness/one-stack';
import { DENIED as denied, DEV_MUTATING_CALLS as DEV_CALLS, deployWithFault, failingDeploy as failingDeployOf, FaultInjector, LOST_RESPONSE as lostResponse, type FaultRule } from '../harness/faults';

/**
 * The mutating calls the load balancer and CloudFront add to a deploy (the dev tier's own calls have their
 * fault tests in faults.test.ts). A test below checks the list against what a clean deploy really calls.
 */
const TIER_CALLS = [
  'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:CreateTargetGroup',
  'elasticloadbalancing:CreateListener', 'elasticloadbalancing:CreateRule',
  // Once the instance is healthy behind the load balancer, the group uses its health checks too.
  'autoscaling:UpdateAutoScalingGroup',
  'cloudfront:CreateDistributionWithTags',
];
const STACKS: { name: string; config: () => StackConfig }[] = [
  { name: 'automation + CloudFront', config: () => automationConfig({ cloudFront: true }) },
  { name: 'gpu (DLAMI seeded in moto, quotas recorded)', config: () => gpuConfig() },
];

const failingDeploy = (config: () => StackConfig, stateDir: string, rule: FaultRule) => failingDeployOf(config(), stateDir, rule);

const assertExactlyOneStack = (config: () => StackConfig): Promise<void> => assertOneStackOf(config());

for (const { name, config } of STACKS) describe(`fault injection on every mutating call the load balancer and CloudFront add: ${name}`, function () {
  this.timeout(180_000);

  it('the list of mutating calls matches what a clean deploy makes', async () => {
    const faults = new FaultInjector();
    const engine = testEngine({ instrument: faults.instrument });
    await engine.deploy(config());
    engine.dispose();
    assert.deepEqual([...new Set(faults.mutatingCalls())].sort(), [...DEV_CALLS, ...TIER_CALLS].sort());
  });

  for (const operation of TIER_CALLS) {
    describe(operation, () => {
      it('response lost, SDK retries on (as users have them): the first deploy completes with exactly one of each resource, and destroy leaves nothing', async () => {
        const stateDir = tempDir('gm-fault-');
        const { error } = await deployWithFault(config(), stateDir, { operation, mode: 'after', error: lostResponse });
        assert.equal(error, undefined, `the deploy completed: ${error?.message ?? ''}`);
        await assertExactlyOneStack(config);
        const engine = testEngine({ stateDir });
        await engine.destroy('demo', { deleteData: true, finalBackup: false });
        engine.dispose();
        assert.deepEqual(await sweep(), []);
      });

      it('response lost with no retries: the deploy completes, or fails in plain words and the re-run completes with exactly one of each resource', async () => {
        const stateDir = tempDir('gm-fault-');
        const { error } = await deployWithFault(config(), stateDir, { operation, mode: 'after', error: lostResponse }, 1);
        if (error) {
          assert.ok(error.message.includes(operation), `message names ${operation}: ${error.message}`);
          assert.equal(error.kind, 'transient', error.message);
          assert.match(error.nextStep, /run .*again/i);
          const engine = testEngine({ stateDir });
          const result = await engine.deploy(config());
          engine.dispose();
          assert.equal(result.state.status, 'deployed');
        }
        await assertExactlyOneStack(config);
      });

      it('call refused: the failure names the missing permission, and re-running deploy completes', async () => {
        const stateDir = tempDir('gm-fault-');
        const error = await failingDeploy(config, stateDir, { operation, mode: 'before', error: denied });
        assert.equal(error.kind, 'permission');
        assert.match(error.nextStep, new RegExp(`Grant the permission for ${operation}`));
        const engine = testEngine({ stateDir });
        await engine.deploy(config());
        engine.dispose();
        await assertExactlyOneStack(config);
      });
    });
  }
});
