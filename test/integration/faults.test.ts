import assert from 'node:assert/strict';
import type { GeuseError } from '../../src/engine/errors';
import { devConfig, sweep, testEngine, tempDir } from '../harness/engine';
import { assertExactlyOneStack as assertOneStackOf } from '../harness/one-stack';
import { DENIED as denied, DEV_MUTATING_CALLS as MUTATING_CALLS, deployWithFault, failingDeploy as failingDeployOf, FaultInjector, LOST_RESPONSE as lostResponse, type FaultRule } from '../harness/faults';

const failingDeploy = (stateDir: string, rule: FaultRule) => failingDeployOf(devConfig(), stateDir, rule);

function assertPlainWords(error: GeuseError, operation: string): void {
  assert.ok(error.message.includes(operation), `message names ${operation}: ${error.message}`);
  assert.doesNotMatch(error.message, /undefined|\[object Object\]/);
  assert.ok(error.nextStep.length > 10, 'has a next step');
}

const assertExactlyOneStack = (): Promise<void> => assertOneStackOf(devConfig());

describe('fault injection on every mutating call of a dev deploy', function () {
  this.timeout(120_000);

  it('the list of mutating calls matches what a clean deploy makes', async () => {
    const faults = new FaultInjector();
    const engine = testEngine({ instrument: faults.instrument });
    await engine.deploy(devConfig());
    engine.dispose();
    assert.deepEqual([...new Set(faults.mutatingCalls())].sort(), [...MUTATING_CALLS].sort());
  });

  for (const operation of MUTATING_CALLS) {
    describe(operation, () => {
      it('response lost, SDK retries on (as users have them): the first deploy completes with exactly one of each resource, and destroy leaves nothing', async () => {
        const stateDir = tempDir('gm-fault-');
        const { error } = await deployWithFault(devConfig(), stateDir, { operation, mode: 'after', error: lostResponse });
        assert.equal(error, undefined, `the deploy completed: ${error?.message ?? ''}`);
        await assertExactlyOneStack();
        const engine = testEngine({ stateDir });
        await engine.destroy('demo', { deleteData: true, finalBackup: false });
        engine.dispose();
        assert.deepEqual(await sweep(), []);
      });

      it('response lost with no retries (--max-attempts 1): the deploy completes, or says in plain words to run it again and the re-run completes with exactly one of each resource', async () => {
        const stateDir = tempDir('gm-fault-');
        const { error } = await deployWithFault(devConfig(), stateDir, { operation, mode: 'after', error: lostResponse }, 1);
        if (error) {
          assertPlainWords(error, operation);
          assert.equal(error.kind, 'transient');
          assert.match(error.nextStep, /run .*again/i);
          const engine = testEngine({ stateDir });
          const result = await engine.deploy(devConfig());
          engine.dispose();
          assert.equal(result.state.status, 'deployed');
        }
        await assertExactlyOneStack();
      });

      it('call refused: the failure names the missing permission, and re-running deploy completes', async () => {
        const stateDir = tempDir('gm-fault-');
        const error = await failingDeploy(stateDir, { operation, mode: 'before', error: denied });
        assertPlainWords(error, operation);
        assert.equal(error.kind, 'permission');
        assert.match(error.nextStep, new RegExp(`Grant the permission for ${operation}`));
        const engine = testEngine({ stateDir });
        await engine.deploy(devConfig());
        engine.dispose();
        await assertExactlyOneStack();
      });
    });
  }

  // The other half of "look before sending again": when the first attempt did nothing, it is sent again.
  for (const operation of ['ec2:CreateVpc', 'ec2:AttachInternetGateway', 'ec2:AuthorizeSecurityGroupIngress', 'iam:AddRoleToInstanceProfile', 'autoscaling:CreateAutoScalingGroup']) {
    it(`${operation} fails with a temporary error before AWS acted: nothing is found, it is sent again, and the first deploy completes with one of each`, async () => {
      const stateDir = tempDir('gm-fault-');
      const { error } = await deployWithFault(devConfig(), stateDir, { operation, mode: 'before', error: lostResponse });
      assert.equal(error, undefined, `the deploy completed: ${error?.message ?? ''}`);
      await assertExactlyOneStack();
    });
  }
});
