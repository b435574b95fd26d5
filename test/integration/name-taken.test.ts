import assert from 'node:assert/strict';
import { GeuseError } from '../../src/engine/errors';
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { countByKind, devConfig, inspector, sweep, testEngine } from '../harness/engine';

describe('a stack name is unique per AWS account', function () {
  this.timeout(120_000);

  it('refuses a name whose tagged resources this machine does not know, creating nothing, and --adopt takes them over', async () => {
    const elsewhere = testEngine();
    await elsewhere.deploy(devConfig());
    elsewhere.dispose();
    const before = await sweep();

    const here = testEngine();
    await assert.rejects(here.deploy(devConfig()), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'NAME_TAKEN');
      assert.equal(error.kind, 'refused');
      assert.match(error.message, /"demo" is already used/);
      assert.match(error.nextStep, /--adopt/);
      // Never advice to destroy a stack that belongs to someone else.
      assert.doesNotMatch(error.nextStep, /destroy/);
      return true;
    });
    assert.equal((await sweep()).length, before.length, 'nothing was created');
    assert.equal(await here.show('demo'), undefined, 'no state was written');

    const adopted = await here.deploy(devConfig(), { adopt: true });
    assert.equal(adopted.state.status, 'deployed');
    assert.deepEqual(countByKind(await sweep()), countByKind(before), 'adopted, not duplicated');
    await here.destroy('demo', { deleteData: true, finalBackup: false });
    here.dispose();
    assert.deepEqual(await sweep(), []);
  });

  it('an Auto Scaling group named like the stack\'s but made by hand (no stack id): the plan refuses before creating anything, and destroy leaves it', async () => {
    const aws = inspector();
    try {
      const template = (await aws.ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'someone-elses', LaunchTemplateData: { ImageId: 'ami-0d27e0fb3bac4d724' } }))).LaunchTemplate!;
      await aws.autoscaling.send(new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'gm-demo', MinSize: 0, MaxSize: 0, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateId: template.LaunchTemplateId },
      }));
      const engine = testEngine();
      await assert.rejects(engine.plan(devConfig()), (error: unknown) => {
        assert.ok(error instanceof GeuseError);
        assert.equal(error.code, 'NAME_TAKEN');
        assert.match(error.message, /auto-scaling-group gm-demo/);
        return true;
      });
      assert.equal((await sweep()).length, 0, 'nothing was created');
      engine.dispose();
      assert.equal((await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups?.length, 1, 'left alone');
    } finally {
      aws.destroy();
    }
  });

  it('plan shows create for a new stack, and for a deployed one a diff that changes nothing', async () => {
    const engine = testEngine();
    const fresh = await engine.plan(devConfig());
    assert.ok(fresh.items.every((item) => item.action === 'create'), JSON.stringify(fresh.items));
    assert.deepEqual(await sweep(), [], 'planning creates nothing');
    await engine.deploy(devConfig());
    const again = await engine.plan(devConfig());
    assert.equal(again.items.find((i) => i.step === 'vpc')?.action, 'unchanged');
    assert.equal(again.items.find((i) => i.step === 'instance')?.action, 'unchanged');
    assert.equal(again.diff?.unchanged, true);
    engine.dispose();
  });
});
