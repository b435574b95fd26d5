import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { CreateInstanceProfileCommand, CreateRoleCommand, GetInstanceProfileCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { renderDestroyPlan } from '../../src/engine/present/text';
import { GeuseError } from '../../src/engine/errors';
import { automationConfig, countByKind, devConfig, inspector, sweep, testEngine } from '../harness/engine';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

function refusedWith(code: string, check: (error: GeuseError) => void = () => undefined) {
  return (error: unknown) => {
    assert.ok(error instanceof GeuseError, String(error));
    assert.equal(error.code, code, error.message);
    check(error);
    return true;
  };
}

describe('destroy deletes only this stack\'s own resources', function () {
  this.timeout(180_000);

  it('a stack deployed from one state folder survives destroy (with and without --delete-data) from another, and the plan says whose it is', async () => {
    const owner = testEngine();
    const deployed = await owner.deploy(devConfig());
    const ownerId = deployed.state.stackId;
    const before = await sweep();

    const other = testEngine();
    try {
      for (const deleteData of [false, true]) {
        await assert.rejects(other.destroy('demo', { deleteData, confirm: async () => true }), refusedWith('NOT_OURS', (error) => {
          assert.match(error.message, new RegExp(`belongs to stack id ${ownerId}, created on ${hostname()} at ${deployed.state.createdAt} — not deleted`));
          assert.match(error.nextStep, /destroy demo --adopt/);
        }));
      }
      assert.deepEqual(countByKind(await sweep()), countByKind(before), 'nothing of the first stack was deleted');
      assert.equal((await owner.show('demo'))?.status, 'deployed');

      const { plan } = await other.planDestroy('demo', { deleteData: true, finalBackup: false });
      assert.deepEqual(plan.toDelete, []);
      assert.equal(plan.foreign.length, before.length);
      const text = renderDestroyPlan(plan).join('\n');
      assert.match(text, /Not ours, left alone/);
      assert.match(text, new RegExp(`efs fs-[0-9a-f]+.*belongs to stack id ${ownerId}`));

      // Deploying the same name from the other folder points at the safe paths only.
      await assert.rejects(other.deploy(devConfig()), refusedWith('NAME_TAKEN', (error) => {
        assert.match(error.nextStep, /deploy demo --adopt/);
        assert.doesNotMatch(error.nextStep, /destroy/);
        assert.match(error.message, new RegExp(`stack id ${ownerId}, created on ${hostname()}`));
      }));

      // Explicit adoption: the other id is shown in the plan and confirmed, then everything goes.
      let confirmed: string | undefined;
      await other.destroy('demo', {
        deleteData: true, finalBackup: false, adopt: true,
        confirm: async (adopted) => {
          confirmed = renderDestroyPlan(adopted).join('\n');
          return true;
        },
      });
      assert.match(confirmed ?? '', new RegExp(`Adopting stack id ${ownerId}, created on ${hostname()}`));
      assert.deepEqual(await sweep(), []);
    } finally {
      owner.dispose();
      other.dispose();
    }
  });

  it('an untagged same-named role, instance profile and parameter stop deploy before anything exists, and survive destroy', async () => {
    const aws = inspector();
    const engine = testEngine();
    try {
      await aws.iam.send(new CreateRoleCommand({ RoleName: 'gm-demo-instance', AssumeRolePolicyDocument: TRUST }));
      await aws.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'gm-demo-instance' }));
      await aws.ssm.send(new PutParameterCommand({ Name: '/geusemaker/demo/postgres-password', Value: 'hand-made', Type: 'SecureString' }));
      const handMade = await sweep();
      assert.deepEqual(countByKind(handMade), { 'iam-role': 1, 'instance-profile': 1, 'ssm-parameter': 1 });

      await assert.rejects(engine.deploy(devConfig()), refusedWith('NAME_TAKEN', (error) => {
        assert.match(error.message, /iam-role gm-demo-instance, instance-profile gm-demo-instance, ssm-parameter \/geusemaker\/demo\/postgres-password: has this stack's name but no GeuseMaker stack id/);
        assert.doesNotMatch(error.nextStep, /--adopt|destroy/);
      }));
      await assert.rejects(engine.deploy(devConfig(), { adopt: true }), refusedWith('NAME_TAKEN'), 'what is no stack\'s cannot be adopted');
      assert.deepEqual(await sweep(), handMade, 'the preflight refused before creating anything');

      for (const adopt of [false, true]) {
        await assert.rejects(engine.destroy('demo', { deleteData: true, finalBackup: false, adopt, confirm: async () => true }), refusedWith('NOT_OURS', (error) => {
          assert.match(error.message, /no GeuseMaker stack id \(made by hand or by another tool\) — not deleted/);
        }));
      }
      await aws.iam.send(new GetRoleCommand({ RoleName: 'gm-demo-instance' }));
      await aws.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'gm-demo-instance' }));
      const value = (await aws.ssm.send(new GetParameterCommand({ Name: '/geusemaker/demo/postgres-password', WithDecryption: true }))).Parameter?.Value;
      assert.equal(value, 'hand-made', 'the hand-made parameter was neither overwritten nor deleted');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('a hand-made parameter under a deployed stack\'s path is left alone by destroy --delete-data and reported', async () => {
    const aws = inspector();
    const engine = testEngine();
    try {
      await engine.deploy(devConfig());
      await aws.ssm.send(new PutParameterCommand({ Name: '/geusemaker/demo/my-notes', Value: 'mine', Type: 'String' }));
      const { plan } = await engine.planDestroy('demo', { deleteData: true, finalBackup: false });
      assert.match(renderDestroyPlan(plan).join('\n'), /ssm-parameter \/geusemaker\/demo\/my-notes: has this stack's name but no GeuseMaker stack id/);
      await engine.destroy('demo', { deleteData: true, finalBackup: false });
      assert.deepEqual((await sweep()).map((r) => r.id), ['/geusemaker/demo/my-notes']);
      assert.equal(await engine.show('demo'), undefined, 'our part is gone, so the state is too');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('an untagged load balancer named like the stack\'s stops an automation deploy before anything exists', async () => {
    const aws = inspector();
    const engine = testEngine();
    try {
      const { CreateVpcCommand, CreateSubnetCommand } = await import('@aws-sdk/client-ec2');
      const { CreateLoadBalancerCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
      const vpcId = (await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
      const subnets: string[] = [];
      for (const [i, zone] of ['us-east-1a', 'us-east-1b'].entries()) {
        subnets.push((await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.9.${i}.0/24`, AvailabilityZone: zone }))).Subnet!.SubnetId!);
      }
      await aws.elbv2.send(new CreateLoadBalancerCommand({ Name: 'gm-demo', Subnets: subnets }));
      await assert.rejects(engine.deploy(automationConfig()), refusedWith('NAME_TAKEN', (error) => {
        assert.match(error.message, /load-balancer arn:aws:elasticloadbalancing:[^ ]+loadbalancer\/app\/gm-demo\/[^:]+: has this stack's name but no GeuseMaker stack id/);
      }));
      assert.deepEqual(await sweep(), [], 'nothing was created');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('destroying a name that never existed is not a success', async () => {
    const engine = testEngine();
    try {
      await assert.rejects(engine.destroy('nosuch', { confirm: async () => true }), (error: unknown) => {
        assert.ok(error instanceof GeuseError);
        assert.equal(error.code, 'STACK_NOT_FOUND');
        assert.match(error.message, /No stack named nosuch was found/);
        assert.match(error.message, /not found in any of \d+ enabled regions/);
        return true;
      });
    } finally {
      engine.dispose();
    }
  });
});
