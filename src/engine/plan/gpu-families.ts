import { invalidInput, refused } from '../errors';
import type { StackConfig } from '../stack/config';
import { isGpuTier, TIER_TABLE, TIERS } from '../tiers';

/** vCPU quotas per accelerated family class (Service Quotas, service code ec2). */
export interface QuotaClass {
  label: string;
  onDemand: { code: string; name: string };
  spot: { code: string; name: string };
}

export const G_AND_VT_QUOTAS: QuotaClass = {
  label: 'G and VT',
  onDemand: { code: 'L-DB2E81BA', name: 'Running On-Demand G and VT instances' },
  spot: { code: 'L-3819A6DF', name: 'All G and VT Spot Instance Requests' },
};

export const P_QUOTAS: QuotaClass = {
  label: 'P',
  onDemand: { code: 'L-417A185B', name: 'Running On-Demand P instances' },
  spot: { code: 'L-7212CCBC', name: 'All P Spot Instance Requests' },
};

export function familyOf(instanceType: string): string {
  return instanceType.split('.')[0] ?? '';
}

/** Families with an accelerator: GPUs (g, gr, p), Inferentia, Trainium, Gaudi (dl), FPGAs (f), video transcoders (vt). */
export function isAcceleratedFamily(family: string): boolean {
  return /^(g\d|gr\d|p\d|inf\d|trn\d|dl\d|f\d|vt\d)/.test(family);
}

export function quotaClassOf(instanceType: string): QuotaClass | undefined {
  const family = familyOf(instanceType);
  if (/^(g\d|gr\d|vt\d)/.test(family)) return G_AND_VT_QUOTAS;
  if (/^p\d/.test(family)) return P_QUOTAS;
  return undefined;
}

/** What DescribeInstanceTypes says about the type's GPUs. */
export interface GpuFacts {
  nvidiaGpus: number;
  /** e.g. "NVIDIA A10G", "AMD Radeon Pro V520"; absent without a GPU. */
  gpuName?: string;
}

/**
 * Which instance types a tier may use. gpu: the default families, others only with allowExpensiveInstanceTypes,
 * and always an NVIDIA GPU (the Deep Learning AMI's driver and ComfyUI need CUDA). dev and automation: no GPU
 * types, since their plain Amazon Linux image has no NVIDIA driver and their stack no GPU service.
 */
export function checkInstanceFamily(config: Pick<StackConfig, 'tier' | 'instanceType' | 'allowExpensiveInstanceTypes'>, gpu: GpuFacts): void {
  const type = config.instanceType;
  const family = familyOf(type);
  const accelerated = isAcceleratedFamily(family) || gpu.nvidiaGpus > 0;
  if (!isGpuTier(config.tier)) {
    if (!accelerated) return;
    throw invalidInput('GPU_TYPE_ON_CPU_TIER',
      `instanceType: ${type} is an accelerated (GPU) type, but the ${config.tier} tier boots plain Amazon Linux without NVIDIA drivers and runs no GPU service: the GPU would be paid for and never used.`,
      `Use tier: ${TIERS.find(isGpuTier)} for ${type} (Deep Learning AMI, ComfyUI), or a general-purpose type such as t3.xlarge or m7i.xlarge for the ${config.tier} tier.`);
  }
  const tier = config.tier;
  const defaults = TIER_TABLE[tier].allowedFamilies;
  if (!accelerated) {
    throw invalidInput('GPU_TYPE_REQUIRED', `instanceType: ${type} has no GPU; the ${tier} tier needs an NVIDIA GPU instance.`,
      `Choose a GPU type from ${defaults.join(', ')} (e.g. g5.xlarge), or use tier: ${TIERS.find((t) => !isGpuTier(t))} for a CPU-only stack.`);
  }
  if (!defaults.includes(family) && config.allowExpensiveInstanceTypes !== true) {
    throw refused('EXPENSIVE_INSTANCE_TYPE',
      `instanceType: ${type} is outside the ${tier} tier's default families (${defaults.join(', ')}); ${family} instances can cost many times more per hour and are refused unless you allow them.`,
      `Set allowExpensiveInstanceTypes: true in the stack's configuration if you mean it, or choose a ${defaults.join('/')} type such as g5.xlarge.`);
  }
  if (gpu.nvidiaGpus === 0) {
    throw invalidInput('GPU_TYPE_REQUIRED',
      `instanceType: ${type} has no NVIDIA GPU${gpu.gpuName ? ` (it has ${gpu.gpuName})` : ''}; the ${tier} tier runs the NVIDIA Deep Learning AMI and ComfyUI needs CUDA.`,
      `Choose an NVIDIA GPU type such as g5.xlarge or g6.xlarge.`);
  }
}
