import assert from 'node:assert/strict';
import { imageSource } from '../../src/engine/plan/ami';
import { checkInstanceFamily, quotaClassOf } from '../../src/engine/plan/gpu-families';
import { TIER_TABLE } from '../../src/engine/tiers';
import { refusal } from '../harness/refusal';
import { stackConfigSchema, type StackConfigInput } from '../../src/engine/stack/config';

const NVIDIA = { nvidiaGpus: 1, gpuName: 'NVIDIA A10G' };
const NO_GPU = { nvidiaGpus: 0 };

function gpuConfig(overrides: Partial<StackConfigInput> = {}) {
  return stackConfigSchema.parse({ name: 'demo', tier: 'gpu', instanceType: 'g5.xlarge', access: { mode: 'load-balancer' }, ...overrides });
}


describe('GPU instance families (the gpu tier and the CPU tiers)', () => {
  it('takes g4dn, g5, g6 and g6e on the gpu tier without any flag', () => {
    for (const family of TIER_TABLE.gpu.allowedFamilies) checkInstanceFamily(gpuConfig({ instanceType: `${family}.xlarge` }), NVIDIA);
  });

  it('refuses p3, p4d, p5 without allowExpensiveInstanceTypes, naming the flag; takes them with it', () => {
    for (const type of ['p3.2xlarge', 'p4d.24xlarge', 'p5.48xlarge']) {
      const error = refusal(() => checkInstanceFamily(gpuConfig({ instanceType: type }), NVIDIA));
      assert.equal(error.code, 'EXPENSIVE_INSTANCE_TYPE');
      assert.equal(error.kind, 'refused');
      assert.match(error.message, new RegExp(`${type.replace('.', '\\.')} is outside the gpu tier's default families \\(g4dn, g5, g6, g6e\\)`));
      assert.match(error.nextStep, /allowExpensiveInstanceTypes: true/);
      checkInstanceFamily(gpuConfig({ instanceType: type, allowExpensiveInstanceTypes: true }), NVIDIA);
    }
  });

  it('inf2 and trn1 need the flag too, and even with it are refused: no NVIDIA GPU for the Deep Learning AMI and ComfyUI', () => {
    for (const type of ['inf2.xlarge', 'trn1.2xlarge']) {
      assert.equal(refusal(() => checkInstanceFamily(gpuConfig({ instanceType: type }), NO_GPU)).code, 'EXPENSIVE_INSTANCE_TYPE');
      const error = refusal(() => checkInstanceFamily(gpuConfig({ instanceType: type, allowExpensiveInstanceTypes: true }), NO_GPU));
      assert.equal(error.code, 'GPU_TYPE_REQUIRED');
      assert.match(error.message, /has no NVIDIA GPU/);
    }
    const amd = refusal(() => checkInstanceFamily(gpuConfig({ instanceType: 'g4ad.xlarge', allowExpensiveInstanceTypes: true }), { nvidiaGpus: 0, gpuName: 'AMD Radeon Pro V520' }));
    assert.match(amd.message, /it has AMD Radeon Pro V520/);
  });

  it('refuses a type without a GPU on the gpu tier, with the fix', () => {
    const error = refusal(() => checkInstanceFamily(gpuConfig({ instanceType: 't3.xlarge' }), NO_GPU));
    assert.equal(error.code, 'GPU_TYPE_REQUIRED');
    assert.match(error.message, /t3\.xlarge has no GPU/);
    assert.match(error.nextStep, /g5\.xlarge/);
  });

  it('refuses GPU types on dev and automation: their image has no NVIDIA driver and no GPU service would use it', () => {
    const dev = stackConfigSchema.parse({ name: 'demo', tier: 'dev', instanceType: 'g5.xlarge' });
    const error = refusal(() => checkInstanceFamily(dev, NVIDIA));
    assert.equal(error.code, 'GPU_TYPE_ON_CPU_TIER');
    assert.match(error.nextStep, /tier: gpu/);
    const automation = stackConfigSchema.parse({ name: 'demo', tier: 'automation', instanceType: 'p5.48xlarge', access: { mode: 'load-balancer' } });
    assert.equal(refusal(() => checkInstanceFamily({ ...automation, allowExpensiveInstanceTypes: true }, NVIDIA)).code, 'GPU_TYPE_ON_CPU_TIER');
    checkInstanceFamily(stackConfigSchema.parse({ name: 'demo', tier: 'dev', instanceType: 'm7g.xlarge' }), NO_GPU);
  });

  it('maps G, VT and P families to their own vCPU quota codes, others to none', () => {
    assert.deepEqual([quotaClassOf('g5.xlarge')?.onDemand.code, quotaClassOf('g5.xlarge')?.spot.code], ['L-DB2E81BA', 'L-3819A6DF']);
    assert.equal(quotaClassOf('vt1.3xlarge')?.onDemand.code, 'L-DB2E81BA');
    assert.deepEqual([quotaClassOf('p4d.24xlarge')?.onDemand.code, quotaClassOf('p4d.24xlarge')?.spot.code], ['L-417A185B', 'L-7212CCBC']);
    assert.equal(quotaClassOf('t3.xlarge'), undefined);
  });

  it('the config accepts os, amiType (gpu only) and an ami-… override, and refuses malformed ones', () => {
    assert.equal(gpuConfig({ os: 'ubuntu-22.04', amiType: 'pytorch', amiId: 'ami-0123456789abcdef0' }).os, 'ubuntu-22.04');
    assert.equal(stackConfigSchema.safeParse({ name: 'demo', os: 'amazon-linux-2' }).success, false);
    assert.equal(stackConfigSchema.safeParse({ name: 'demo', amiId: 'ami-xyz' }).success, false);
    const onDev = stackConfigSchema.safeParse({ name: 'demo', amiType: 'pytorch' });
    assert.equal(onDev.success, false);
    assert.match(JSON.stringify(onDev.error?.issues), /needs tier gpu/);
  });
});

describe('AMI sources per OS, architecture and Deep Learning AMI type (AWS public SSM parameters)', () => {
  it('gpu stacks use the Deep Learning AMIs; CPU stacks the plain OS images', () => {
    assert.equal(imageSource('ubuntu-22.04', 'x86_64', true).parameter, '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id');
    assert.equal(imageSource('al2023', 'x86_64', true).parameter, '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id');
    assert.equal(imageSource('al2023', 'arm64', true).parameter, '/aws/service/deeplearning/ami/arm64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id');
    const pytorch = imageSource('ubuntu-22.04', 'x86_64', true, 'pytorch');
    assert.equal(pytorch.versioned?.path, '/aws/service/deeplearning/ami/x86_64');
    assert.equal(pytorch.namePattern, 'Deep Learning OSS Nvidia Driver AMI GPU PyTorch * (Ubuntu 22.04) *');
    assert.deepEqual(pytorch.versioned?.pattern.exec('/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.10-ubuntu-22.04/latest/ami-id')?.slice(1), ['2', '10']);
    assert.equal(pytorch.versioned?.pattern.test('/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.10-ubuntu-22.04/latest/ami-name'), false);
    assert.equal(pytorch.versioned?.pattern.test('/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.10-ubuntu-22x04/latest/ami-id'), false, 'the dot in the OS slug is literal');
    assert.equal(imageSource('al2023', 'x86_64', true, 'pytorch').versioned?.pattern.test('/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.11-amazon-linux-2/latest/ami-id'), false, 'Amazon Linux 2 is another OS');
    assert.equal(imageSource('ubuntu-22.04', 'x86_64', true).namePattern, 'Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *');
    assert.equal(imageSource('ubuntu-22.04', 'x86_64', true).owner, 'amazon');
    assert.equal(imageSource('al2023', 'x86_64', false).parameter, '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
    assert.equal(imageSource('ubuntu-24.04', 'arm64', false).parameter, '/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id');
    assert.equal(imageSource('ubuntu-22.04', 'x86_64', false).owner, '099720109477');
  });
});
