import assert from 'node:assert/strict';
import { DescribeImagesCommand, DescribeInstancesCommand, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { renderPlan } from '../../src/engine/present/text';
import type { ProgressEvent } from '../../src/engine/progress';
import { devConfig, inspector, testEngine } from '../harness/engine';

/** Each test deploys once (moto is reset before every test) and checks what the user is told against EC2. */
describe('a redeploy never reports a change the reused instance did not take', function () {
  this.timeout(120_000);

  it('changed instance type, root volume and models: the plan says "not applied", and state, show and cost keep what EC2 runs', async () => {
    const engine = testEngine();
    const aws = inspector();
    try {
      const first = await engine.deploy(devConfig());
      const instanceId = first.state.resources.instance!.id!;
      const changed = devConfig({ instanceType: 't3.large', rootVolumeGb: 80, ollamaModels: ['qwen2.5:7b'] });

      const plan = await engine.plan(changed);
      assert.deepEqual(plan.notApplied?.map((change) => change.field).sort(), ['bootstrap', 'instanceType', 'rootVolumeGb']);
      const instanceItem = plan.items.find((item) => item.step === 'instance');
      assert.equal(instanceItem?.action, 'reuse');
      assert.match(instanceItem?.note ?? '', /; not applied: instance type t3\.xlarge → t3\.large needs a replacement; root volume 50 GiB → 80 GiB/);
      const text = renderPlan(plan).join('\n');
      assert.match(text, /reuse\s+EC2 instance \(Auto Scaling group of one\)\s+gm-demo, i-\w+ — .*; not applied: instance type t3\.xlarge → t3\.large needs a replacement/);
      assert.match(text, /! Not applied: .*bootstrap \(ollamaModels\) runs at first boot only.*pause the stack, then deploy this configuration/);

      const events: ProgressEvent[] = [];
      const second = await engine.deploy(changed, { onProgress: (event) => events.push(event) });
      const done = events.find((event) => event.type === 'step-done' && event.step === 'instance');
      assert.ok(done?.type === 'step-done');
      assert.equal(done.outcome, 'reused');
      assert.match(done.detail ?? '', new RegExp(`^${instanceId} \\(t3\\.xlarge, `), 'read back from EC2, not the config');

      const running = (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!;
      assert.equal(running.InstanceType, 't3.xlarge', 'EC2 still runs the old type');
      for (const recorded of [second.state.config, (await engine.show('demo'))!.config]) {
        assert.equal(recorded.instanceType, 't3.xlarge');
        assert.equal(recorded.rootVolumeGb, 50);
        assert.deepEqual(recorded.ollamaModels, ['llama3.2:3b']);
      }
      const [listed] = await engine.list();
      const estimate = await engine.estimate(listed!.state!.config);
      assert.match(estimate.lines.find((line) => line.item === 'compute')?.basis ?? '', /^t3\.xlarge /, 'cost prices what EC2 runs');
      assert.match(estimate.lines.find((line) => line.item === 'ebs')?.basis ?? '', /^50 GiB/);

      const again = await engine.plan(changed);
      assert.equal(again.notApplied?.length, 3, 'still not applied on the next plan: it is read from EC2 each time');
      const same = await engine.plan(devConfig());
      assert.deepEqual(same.notApplied, [], 'the running config plans clean');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('a market change (on-demand → spot) is shown as not applied and the state keeps the market EC2 runs', async () => {
    const engine = testEngine();
    try {
      await engine.deploy(devConfig({ market: 'on-demand' }));
      const plan = await engine.plan(devConfig({ market: 'spot' }));
      assert.deepEqual(plan.notApplied?.map((change) => change.text), ['market on-demand → spot needs a replacement']);
      assert.equal(plan.recordedConfig?.market, 'on-demand');
    } finally {
      engine.dispose();
    }
  });

  it('an instance whose IMDS was loosened outside GeuseMaker: the plan says "not applied" for IMDS, and deploy does not claim to have fixed it', async () => {
    const engine = testEngine();
    const aws = inspector();
    try {
      const first = await engine.deploy(devConfig());
      const instanceId = first.state.resources.instance!.id!;
      await aws.ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: instanceId, HttpTokens: 'optional', HttpPutResponseHopLimit: 2 }));
      const plan = await engine.plan(devConfig());
      assert.deepEqual(plan.notApplied?.map((change) => change.field), ['imds']);
      assert.match(renderPlan(plan).join('\n'), /not applied: IMDS HttpTokens optional \(hop limit 2\) → required \(hop limit 1\) needs a replacement/);
      await engine.deploy(devConfig());
      const running = (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!;
      assert.equal(running.MetadataOptions?.HttpTokens, 'optional', 'EC2 still allows IMDSv1: nothing claimed otherwise');
      assert.equal((await engine.plan(devConfig())).notApplied?.length, 1, 'and the next plan still says so');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('another AMI on a running stack: the plan names both images as "not applied", and the state keeps the AMI EC2 boots', async () => {
    const engine = testEngine();
    const aws = inspector();
    try {
      const first = await engine.deploy(devConfig());
      const instanceId = first.state.resources.instance!.id!;
      const running = (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!;
      const images = (await aws.ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'architecture', Values: ['x86_64'] }, { Name: 'state', Values: ['available'] }] }))).Images ?? [];
      const other = images.find((image) => image.ImageId && image.ImageId !== running.ImageId)!.ImageId!;
      const changed = devConfig({ amiId: other });
      const plan = await engine.plan(changed);
      assert.ok(plan.notApplied?.some((change) => change.field === 'ami' && change.text.startsWith(`AMI ${running.ImageId} → ${other}`)), JSON.stringify(plan.notApplied));
      const second = await engine.deploy(changed);
      assert.equal(second.state.config.amiId, first.state.config.amiId, 'the state keeps what the instance was launched from');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});
