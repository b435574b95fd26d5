import assert from 'node:assert/strict';
import { stackSecrets } from '../../src/engine/resources/secrets';
import type { StackConfig } from '../../src/engine/stack/config';
import { automationConfig, countByKind, gpuConfig, sweep, testEngine, tempDir } from '../harness/engine';
import { DENIED as denied, DEV_MUTATING_CALLS as DEV_CALLS, failingDeploy as failingDeployOf, FaultInjector, LOST_RESPONSE as lostResponse, type FaultRule } from '../harness/faults';

/**
 * The mutating calls the load balancer and CloudFront add to a deploy (the dev tier's own calls have their
 * fault tests in faults.test.ts). A test below checks the list against what a clean deploy really calls.
 */
const TIER_CALLS = [
  'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:CreateTargetGroup',
  'elasticloadbalancing:CreateListener', 'elasticloadbalancing:CreateRule', 'elasticloadbalancing:RegisterTargets',
  'cloudfront:CreateDistributionWithTags',
];
const STACKS: { name: string; config: () => StackConfig }[] = [
  { name: 'automation + CloudFront', config: () => automationConfig({ cloudFront: true }) },
  { name: 'gpu (DLAMI seeded in moto, quotas recorded)', config: () => gpuConfig() },
];

const failingDeploy = (config: () => StackConfig, stateDir: string, rule: FaultRule) => failingDeployOf(config(), stateDir, rule);

async function assertExactlyOneStack(config: () => StackConfig): Promise<void> {
  const counts = countByKind(await sweep());
  assert.equal(counts['load-balancer'], 1, 'one load balancer');
  assert.equal(counts['target-group'], 1, 'one target group');
  assert.equal(counts['cloudfront-distribution'], 1, 'one distribution');
  assert.equal(counts.instance, 1, 'one instance');
  assert.equal(counts.vpc, 1, 'one VPC');
  assert.equal(counts['security-group'], 3, 'instance, EFS and load balancer groups');
  assert.equal(counts['ssm-parameter'], stackSecrets(config()).length, 'every secret once, the origin header included');
}

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
      it('response lost: reported in plain words, and destroy then leaves nothing behind (the sweep finds what the journal missed)', async () => {
        const stateDir = tempDir('gm-fault-');
        const error = await failingDeploy(config, stateDir, { operation, mode: 'after', error: lostResponse });
        assert.ok(error.message.includes(operation), `message names ${operation}: ${error.message}`);
        const engine = testEngine({ stateDir });
        await engine.destroy('demo', { deleteData: true });
        engine.dispose();
        assert.deepEqual(await sweep(), []);
      });

      it('response lost: re-running deploy completes with exactly one of each resource', async () => {
        const stateDir = tempDir('gm-fault-');
        await failingDeploy(config, stateDir, { operation, mode: 'after', error: lostResponse });
        const engine = testEngine({ stateDir });
        const result = await engine.deploy(config());
        engine.dispose();
        assert.equal(result.state.status, 'deployed');
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
