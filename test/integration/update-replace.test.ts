import assert from 'node:assert/strict';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeImagesCommand, DescribeInstancesCommand, ModifyInstanceMetadataOptionsCommand, type Instance } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../src/engine/aws/clients';
import { renderPlan } from '../../src/engine/present/text';
import type { ProgressEvent } from '../../src/engine/progress';
import { createClients } from '../../src/engine/aws/clients';
import { testEmulator } from '../harness/root-hooks';
import { devConfig, inspector, testEngine } from '../harness/engine';
import { launchRealism } from '../harness/launch-realism';
import { UpdateSsm } from '../harness/update-ssm';

/** The group's instance in service and EC2's description of it, read with the SDK (not from our state). */
async function servingInstance(aws: AwsClients): Promise<Instance> {
  const group = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups![0]!;
  const serving = (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
  assert.equal(serving.length, 1, 'one instance in service');
  return (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [serving[0]!.InstanceId!] }))).Reservations![0]!.Instances![0]!;
}

async function stateOf(aws: AwsClients, id: string): Promise<string | undefined> {
  return (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;
}

/** Each test deploys once (moto is reset before every test), changes one thing and reads EC2 afterwards. */
describe('changing what only a new instance can take: a launch template version and an instance refresh', function () {
  this.timeout(180_000);

  it('instance type t3.xlarge → t3.2xlarge: the plan says replace and why, the group serves a new t3.2xlarge, the old one is gone, and cost prices what runs', async () => {
    const engine = testEngine({ ssm: new UpdateSsm().factory });
    const aws = inspector();
    try {
      const first = await engine.deploy(devConfig());
      const oldId = first.state.resources.instance!.id!;
      const changed = devConfig({ instanceType: 't3.2xlarge' });

      const plan = await engine.plan(changed);
      const text = renderPlan(plan).join('\n');
      assert.match(text, /~ instanceType t3\.xlarge → t3\.2xlarge \(replaces the instance\)/);
      assert.match(text, /-\/\+\s+replace\s+Instance on this configuration .*instance type t3\.xlarge → t3\.2xlarge: an instance refresh replaces i-\w+/);
      assert.match(text, /~\s+update\s+Launch template/);
      assert.match(text, /unavailable for about 5 minutes while the instance is replaced .*data on EFS is kept/);

      const events: ProgressEvent[] = [];
      const second = await engine.deploy(changed, { onProgress: (event) => events.push(event) });
      const serving = await servingInstance(aws);
      assert.notEqual(serving.InstanceId, oldId, 'a new instance');
      assert.equal(serving.InstanceType, 't3.2xlarge', 'EC2 runs the new type');
      assert.ok(['terminated', 'shutting-down', undefined].includes(await stateOf(aws, oldId)), 'the old instance is gone');
      const update = events.find((e) => e.type === 'step-done' && e.step === 'instance-update');
      assert.ok(update?.type === 'step-done');
      assert.match(update.detail ?? '', new RegExp(`^replaced ${oldId} with ${serving.InstanceId} \\(instance type t3\\.xlarge → t3\\.2xlarge`));
      assert.equal(second.state.resources.instance?.id, serving.InstanceId);
      assert.equal(second.state.resources.instance?.attrs.instanceType, 't3.2xlarge');
      assert.equal(second.state.config.instanceType, 't3.2xlarge');
      assert.match(second.state.replacements.at(-1)?.reason ?? '', /replaced by a GeuseMaker update: instance type t3\.xlarge → t3\.2xlarge/);
      assert.equal(second.state.resources['auto-scaling-group']?.attrs.refreshId ?? '', '', 'the refresh is over: nothing left to wait on');
      const runs = second.state.compute.filter((run) => !run.endedAt);
      assert.deepEqual(runs.map((run) => [run.instanceId, run.instanceType]), [[serving.InstanceId, 't3.2xlarge']], 'one open compute run: the new instance');
      const [listed] = await engine.list();
      const estimate = await engine.estimate(listed!.state!.config);
      assert.match(estimate.lines.find((line) => line.item === 'compute')?.basis ?? '', /^t3\.2xlarge /, 'cost prices what EC2 runs');
      const again = await engine.plan(changed);
      assert.equal(again.diff?.unchanged, true, renderPlan(again).join('\n'));
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('an instance whose IMDS was loosened outside GeuseMaker: the plan lists it from EC2, and deploy replaces the instance with one launched from the template', async () => {
    const engine = testEngine({ ssm: new UpdateSsm().factory });
    const aws = inspector();
    try {
      const first = await engine.deploy(devConfig());
      const oldId = first.state.resources.instance!.id!;
      await aws.ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: oldId, HttpTokens: 'optional', HttpPutResponseHopLimit: 2 }));
      const plan = await engine.plan(devConfig());
      assert.equal(plan.diff?.settings.length, 0, 'no setting changed');
      assert.deepEqual(plan.diff?.instance.map((d) => [d.field, d.how]), [['imds', 'replace']]);
      assert.match(renderPlan(plan).join('\n'), /~ running instance: IMDS HttpTokens optional \(hop limit 2\) → required \(hop limit 1\)/);
      await engine.deploy(devConfig());
      // moto launches without the template's metadata options; EC2 applies them (test/harness/launch-realism.ts).
      const ec2 = createClients({ region: 'us-east-1', endpoint: testEmulator().endpoint, maxAttempts: 1, instrument: launchRealism(testEmulator().endpoint) });
      const serving = await servingInstance(ec2).finally(() => ec2.destroy());
      assert.notEqual(serving.InstanceId, oldId);
      assert.equal(serving.MetadataOptions?.HttpTokens, 'required', 'the new instance requires IMDSv2, as its template says');
      assert.equal((await engine.plan(devConfig())).diff?.unchanged, true);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('another AMI and market on-demand → spot: both listed, one replacement applies both', async () => {
    const engine = testEngine({ ssm: new UpdateSsm().factory });
    const aws = inspector();
    try {
      const first = await engine.deploy(devConfig({ market: 'on-demand' }));
      const running = (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [first.state.resources.instance!.id!] }))).Reservations![0]!.Instances![0]!;
      const images = (await aws.ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'architecture', Values: ['x86_64'] }, { Name: 'state', Values: ['available'] }] }))).Images ?? [];
      const other = images.find((image) => image.ImageId && image.ImageId !== running.ImageId)!.ImageId!;
      const changed = devConfig({ amiId: other, os: 'al2023', market: 'spot' });
      const plan = await engine.plan(changed);
      assert.deepEqual(plan.diff?.instance.map((d) => d.field).sort(), ['ami', 'market']);
      const second = await engine.deploy(changed);
      const ec2 = createClients({ region: 'us-east-1', endpoint: testEmulator().endpoint, maxAttempts: 1, instrument: launchRealism(testEmulator().endpoint) });
      const serving = await servingInstance(ec2).finally(() => ec2.destroy());
      assert.equal(serving.ImageId, other, 'EC2 boots the new image');
      assert.equal(serving.InstanceLifecycle, 'spot');
      assert.equal(second.state.config.amiId, other);
      assert.equal(second.state.resources.instance?.attrs.market, 'spot');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});
