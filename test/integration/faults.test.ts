import assert from 'node:assert/strict';
import { SECRETS } from '../../src/engine/resources/secrets';
import { GeuseError } from '../../src/engine/errors';
import { countByKind, devConfig, sweep, testEngine, tempDir } from '../harness/engine';
import { FaultInjector, type FaultRule } from '../harness/faults';

/**
 * Every mutating AWS call of a dev deploy. A test below checks this list against what a clean deploy
 * really calls, so a new call in the engine cannot escape fault injection.
 */
const MUTATING_CALLS = [
  'ec2:CreateVpc', 'ec2:ModifyVpcAttribute', 'ec2:CreateSubnet', 'ec2:ModifySubnetAttribute',
  'ec2:CreateInternetGateway', 'ec2:AttachInternetGateway', 'ec2:CreateRouteTable', 'ec2:CreateRoute',
  'ec2:AssociateRouteTable', 'ec2:CreateSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:RunInstances',
  'efs:CreateFileSystem', 'efs:CreateMountTarget',
  'iam:CreateRole', 'iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:CreateInstanceProfile', 'iam:AddRoleToInstanceProfile',
  'ssm:PutParameter',
];

const lostResponse = { name: 'InternalError', message: 'An internal error has occurred', status: 500 };
const denied = { name: 'AccessDenied', message: 'User is not authorized to perform this action', status: 403 };

async function failingDeploy(stateDir: string, rule: FaultRule): Promise<GeuseError> {
  const faults = new FaultInjector([rule]);
  const engine = testEngine({ stateDir, instrument: faults.instrument });
  try {
    await engine.deploy(devConfig());
  } catch (error) {
    assert.ok(error instanceof GeuseError, `expected a GeuseError, got ${String(error)}`);
    assert.deepEqual(faults.failures.length, 1, 'the fault fired once');
    return error;
  } finally {
    engine.dispose();
  }
  assert.fail(`deploy succeeded although ${rule.operation} failed`);
}

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
