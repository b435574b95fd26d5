import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import type { ClientInstrument } from '../../src/engine/aws/clients';
import { Engine } from '../../src/engine/engine';
import { servicesOf } from '../../src/engine/health/catalogue';
import { stackConfigSchema, type StackConfigInput } from '../../src/engine/stack/config';
import { servicesOf as treeServices } from '../../src/vscode/tree/nodes';
import { RecordedQuotas } from '../fixtures/quotas/recorded';
import { countByKind, FAST_TIMING, inspector, launchTemplateData, sweep, tempDir } from '../harness/engine';
import { testEmulator } from '../harness/root-hooks';

function engineWithQuota(instrument?: ClientInstrument): Engine {
  const quotas = new RecordedQuotas({ 'L-DB2E81BA': 'g-on-demand-8.json', 'L-3819A6DF': 'g-spot-8.json' });
  return new Engine({ stateDir: tempDir('gm-gpu-'), endpoint: testEmulator().endpoint, maxAttempts: 1, timing: FAST_TIMING, index: null, quotas: () => quotas, instrument });
}

/**
 * Real Deep Learning AMIs have a 75 GiB root snapshot (RunInstances refuses a smaller root volume); moto reports
 * 15 GiB for every image. This SDK middleware gives the seeded DLAMIs their real snapshot size in DescribeImages.
 */
const realDlamiSnapshots: ClientInstrument = (client, service) => {
  if (service !== 'ec2') return;
  client.middlewareStack.add((next, context) => async (args) => {
    const result = await next(args);
    if ((context as { commandName?: string }).commandName === 'DescribeImagesCommand') {
      const output = result.output as { Images?: { Name?: string; BlockDeviceMappings?: { Ebs?: { VolumeSize?: number } }[] }[] };
      for (const image of output.Images ?? []) {
        if (!image.Name?.startsWith('Deep Learning')) continue;
        for (const mapping of image.BlockDeviceMappings ?? []) if (mapping.Ebs) mapping.Ebs.VolumeSize = 75;
      }
    }
    return result;
  }, { step: 'initialize', name: 'realDlamiSnapshots' });
};

/** The instance as launched: its image, type, root volume size and the bootstrap script it was given. */
async function launched(instanceId: string): Promise<{ imageId: string; type: string; rootGb: number; script: string }> {
  const aws = inspector();
  try {
    const instance = (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!;
    const userData = (await aws.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'userData' }))).UserData?.Value ?? '';
    // moto adds a default root volume beside the launch template's: the template's device is the root disk.
    const device = (await launchTemplateData(aws)).BlockDeviceMappings?.[0]?.DeviceName;
    const volumeId = instance.BlockDeviceMappings?.find((m) => m.DeviceName === device)?.Ebs?.VolumeId;
    const volume = volumeId ? (await aws.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes?.[0] : undefined;
    return { imageId: instance.ImageId!, type: instance.InstanceType!, rootGb: volume?.Size ?? 0, script: gunzipSync(Buffer.from(userData, 'base64')).toString('utf8') };
  } finally {
    aws.destroy();
  }
}

describe('gpu stack deploy against moto (DLAMI seeded by the moto launcher; quotas from recorded responses)', function () {
  this.timeout(180_000);

  it('boots the Deep Learning AMI with the GPU UserData variant for the chosen OS, runs ComfyUI, and destroys clean', async () => {
    const engine = engineWithQuota();
    const input: StackConfigInput = { name: 'demo', tier: 'gpu', instanceType: 'g5.xlarge', os: 'ubuntu-22.04', access: { mode: 'load-balancer' }, rootVolumeGb: 100 };
    const config = stackConfigSchema.parse(input);
    const result = await engine.deploy(config);
    const state = await engine.store.read('demo');
    const instanceId = state?.resources.instance?.id;
    assert.ok(instanceId);
    const instance = await launched(instanceId);
    assert.equal(instance.imageId, 'ami-0d1a00000000000c2', 'Base OSS NVIDIA driver GPU AMI (Ubuntu 22.04) from its SSM parameter');
    assert.equal(instance.type, 'g5.xlarge');
    assert.equal(instance.rootGb, 100);
    assert.match(instance.script, /^VARIANT='ubuntu-22\.04 x86_64 gpu'$/m, 'the Ubuntu GPU variant of the bootstrap');
    assert.match(instance.script, /^GPU=1$/m);
    assert.match(instance.script, /ComfyUI-LTXVideo=[0-9a-f]{40}=/, 'the LTX-Video nodes at a pinned commit');
    assert.match(instance.script, /^ {2}comfyui:\n {4}image: /m, 'the compose file runs ComfyUI');
    assert.equal(result.plan.facts.os, 'ubuntu-22.04');
    assert.ok(servicesOf(state!.config).some((s) => s.name === 'comfyui'), 'health catalogue lists ComfyUI');
    assert.ok(treeServices(state!).some((s) => s.name === 'comfyui' && s.port === 8188 && s.proxyPath === '/comfyui/'), 'the tree shows ComfyUI');
    const counts = countByKind(await sweep());
    assert.equal(counts['load-balancer'], 1, 'the gpu tier sits behind a load balancer');
    assert.equal(counts['cloudfront-distribution'], 1, 'and CloudFront');
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    engine.dispose();
    assert.deepEqual(await sweep(), []);
  });

  it('raises the root volume to the Deep Learning AMI\'s 75 GiB snapshot (injected real snapshot size), with a plan warning', async () => {
    const engine = engineWithQuota(realDlamiSnapshots);
    const result = await engine.deploy(stackConfigSchema.parse({ name: 'demo', tier: 'gpu', instanceType: 'g5.xlarge', access: { mode: 'load-balancer' } }));
    assert.ok(result.plan.warnings.some((w) => /Root volume raised from 50 to 75 GiB/.test(w)), result.plan.warnings.join('\n'));
    const state = await engine.store.read('demo');
    assert.equal((await launched(state!.resources.instance!.id!)).rootGb, 75);
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    engine.dispose();
  });

  it('a dev stack keeps Amazon Linux 2023, the CPU variant and no ComfyUI', async () => {
    const engine = engineWithQuota();
    const result = await engine.deploy(stackConfigSchema.parse({ name: 'demo', services: { crawl4ai: false } }));
    const state = await engine.store.read('demo');
    const instance = await launched(state!.resources.instance!.id!);
    assert.equal(instance.imageId, result.plan.facts.amiId);
    assert.match(instance.script, /^VARIANT='al2023 x86_64'$/m);
    assert.doesNotMatch(instance.script, /^ {2}comfyui:$/m, 'no ComfyUI service in the compose file');
    assert.ok(!treeServices(state!).some((s) => s.name === 'comfyui'));
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    engine.dispose();
  });
});
