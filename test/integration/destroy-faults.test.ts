import assert from 'node:assert/strict';
import type { StackConfig } from '../../src/engine/stack/config';
import { automationConfig, devConfig, sweep, testEngine, tempDir } from '../harness/engine';
import { destroyWithFault, FaultInjector, LOST_RESPONSE as lostResponse } from '../harness/faults';

/** Every mutating call a destroy with --delete-data makes; a test below checks the lists against a clean destroy. */
const DEV_DESTROY_CALLS = [
  // The forced group delete terminates the instance: the instances step then finds nothing left to terminate.
  'autoscaling:DeleteAutoScalingGroup', 'ec2:DeleteLaunchTemplate', 'efs:DeleteMountTarget', 'efs:DeleteFileSystem', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup',
  'ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway', 'ec2:DisassociateRouteTable', 'ec2:DeleteRouteTable',
  'ec2:DeleteSubnet', 'ec2:DeleteVpc', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile',
  'iam:DetachRolePolicy', 'iam:DeleteRolePolicy', 'iam:DeleteRole', 'ssm:DeleteParameters',
  'backup:DeleteBackupPlan', 'backup:DeleteBackupVault',
];
/** Made only when the sweep saw the root volume before the instance took it with it (a race in moto too). */
const SOMETIMES = new Set(['ec2:DeleteVolume']);
const TIER_DESTROY_CALLS = [
  'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteTargetGroup',
  'cloudfront:UpdateDistribution', 'cloudfront:DeleteDistribution',
];

const STACKS: { name: string; config: () => StackConfig; calls: string[]; all: string[] }[] = [
  { name: 'dev', config: () => devConfig(), calls: DEV_DESTROY_CALLS, all: DEV_DESTROY_CALLS },
  { name: 'automation + CloudFront', config: () => automationConfig({ cloudFront: true }), calls: TIER_DESTROY_CALLS, all: [...DEV_DESTROY_CALLS, ...TIER_DESTROY_CALLS] },
];

async function deployed(config: StackConfig): Promise<string> {
  const stateDir = tempDir('gm-destroy-fault-');
  const engine = testEngine({ stateDir });
  await engine.deploy(config);
  engine.dispose();
  return stateDir;
}

for (const { name, config, calls, all } of STACKS) describe(`fault injection on every mutating call of a destroy: ${name}`, function () {
  this.timeout(180_000);

  it('the list of mutating calls matches what a clean destroy makes', async () => {
    const stateDir = await deployed(config());
    const faults = new FaultInjector();
    const engine = testEngine({ stateDir, instrument: faults.instrument });
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    engine.dispose();
    assert.deepEqual([...new Set(faults.mutatingCalls())].filter((call) => !SOMETIMES.has(call)).sort(), [...all].sort());
  });

  for (const operation of calls) {
    it(`${operation} response lost, SDK retries on: the destroy completes and leaves nothing (a repeat's "not found" / "not attached" means done)`, async () => {
      const stateDir = await deployed(config());
      const { error } = await destroyWithFault(stateDir, { operation, mode: 'after', error: lostResponse });
      assert.equal(error, undefined, `the destroy completed: ${error?.message ?? ''}`);
      assert.deepEqual(await sweep(), []);
    });

    it(`${operation} response lost with no retries: the destroy completes, or says to run it again and the re-run leaves nothing`, async () => {
      const stateDir = await deployed(config());
      const { error } = await destroyWithFault(stateDir, { operation, mode: 'after', error: lostResponse }, 1);
      if (error) {
        assert.equal(error.kind, 'transient', error.message);
        assert.match(error.nextStep, /run .*again/i);
        const engine = testEngine({ stateDir });
        await engine.destroy('demo', { deleteData: true, finalBackup: false });
        engine.dispose();
      }
      assert.deepEqual(await sweep(), []);
    });
  }
});
