import assert from 'node:assert/strict';
import { SECRETS } from '../../src/engine/resources/secrets';
import type { GeuseError } from '../../src/engine/errors';
import { countByKind, devConfig, sweep, testEngine, tempDir } from '../harness/engine';
import { DENIED as denied, DEV_MUTATING_CALLS as MUTATING_CALLS, failingDeploy as failingDeployOf, FaultInjector, LOST_RESPONSE as lostResponse, type FaultRule } from '../harness/faults';

const failingDeploy = (stateDir: string, rule: FaultRule) => failingDeployOf(devConfig(), stateDir, rule);

function assertPlainWords(error: GeuseError, operation: string): void {
  assert.ok(error.message.includes(operation), `message names ${operation}: ${error.message}`);
  assert.doesNotMatch(error.message, /undefined|\[object Object\]/);
  assert.ok(error.nextStep.length > 10, 'has a next step');
}

async function assertExactlyOneStack(): Promise<void> {
  const counts = countByKind(await sweep());
  assert.equal(counts.vpc, 1, 'one VPC');
  assert.equal(counts.efs, 1, 'one file system');
  assert.equal(counts.instance, 1, 'one instance');
  assert.equal(counts.subnet, 2, 'two subnets');
  assert.equal(counts['security-group'], 2, 'two security groups');
  assert.equal(counts['mount-target'], 2, 'two mount targets');
  assert.equal(counts['ssm-parameter'], SECRETS.length, 'every secret once');
}

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
      it('response lost: the failure is reported in plain words, and destroy then leaves nothing behind', async () => {
        const stateDir = tempDir('gm-fault-');
        const error = await failingDeploy(stateDir, { operation, mode: 'after', error: lostResponse });
        assertPlainWords(error, operation);
        const engine = testEngine({ stateDir });
        await engine.destroy('demo', { deleteData: true });
        engine.dispose();
        assert.deepEqual(await sweep(), []);
      });

      it('response lost: re-running deploy completes with exactly one of each resource', async () => {
        const stateDir = tempDir('gm-fault-');
        await failingDeploy(stateDir, { operation, mode: 'after', error: lostResponse });
        const engine = testEngine({ stateDir });
        const result = await engine.deploy(devConfig());
        engine.dispose();
        assert.equal(result.state.status, 'deployed');
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
});
