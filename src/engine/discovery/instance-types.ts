import { DescribeInstanceTypesCommand, paginateDescribeInstanceTypeOfferings, type _InstanceType } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import { TIER_TABLE, type Tier } from '../tiers';

export interface InstanceTypeInfo {
  type: string;
  vcpus: number;
  memoryGiB: number;
  architecture: 'x86_64' | 'arm64';
  gpus: number;
  gpuName?: string;
  gpuMemoryGiB?: number;
  /** AZs of the region that offer it. */
  zones: string[];
}

const typeSchema = z.object({
  InstanceType: z.string(),
  VCpuInfo: z.object({ DefaultVCpus: z.number() }),
  MemoryInfo: z.object({ SizeInMiB: z.number() }),
  ProcessorInfo: z.object({ SupportedArchitectures: z.array(z.string()) }).optional(),
  GpuInfo: z.object({
    Gpus: z.array(z.object({ Name: z.string().optional(), Manufacturer: z.string().optional(), Count: z.number().optional(), MemoryInfo: z.object({ SizeInMiB: z.number() }).optional() })).optional(),
    TotalGpuMemoryInMiB: z.number().optional(),
  }).optional(),
});

export interface InstanceTypeFacts {
  architecture: 'x86_64' | 'arm64';
  vcpus: number;
  /** NVIDIA GPUs only: the gpu tier's Deep Learning AMI and ComfyUI need CUDA. */
  nvidiaGpus: number;
  gpuName?: string;
}

function factsOf(t: z.infer<typeof typeSchema>): InstanceTypeFacts {
  const arches = t.ProcessorInfo?.SupportedArchitectures ?? [];
  const gpus = t.GpuInfo?.Gpus ?? [];
  const first = gpus[0];
  return {
    architecture: arches.includes('arm64') && !arches.includes('x86_64') ? 'arm64' : 'x86_64',
    vcpus: t.VCpuInfo.DefaultVCpus,
    nvidiaGpus: gpus.filter((g) => /nvidia/i.test(g.Manufacturer ?? '')).reduce((n, g) => n + (g.Count ?? 0), 0),
    gpuName: first ? [first.Manufacturer, first.Name].filter(Boolean).join(' ') : undefined,
  };
}

/** One type's architecture, vCPUs and GPUs, or undefined when the region does not know the type. Throws AWS errors as they come. */
export async function describeInstanceType(clients: AwsClients, instanceType: string): Promise<InstanceTypeFacts | undefined> {
  const raw = (await clients.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] }))).InstanceTypes?.[0];
  return raw ? factsOf(typeSchema.parse(raw)) : undefined;
}

/** The tier's candidate types that the region offers, with their sizes and the AZs offering each. */
export async function describeCandidateTypes(clients: AwsClients, tier: Tier, only?: readonly string[]): Promise<InstanceTypeInfo[]> {
  const candidates = only ?? TIER_TABLE[tier].candidateTypes;
  try {
    const zones = new Map<string, string[]>();
    for await (const page of paginateDescribeInstanceTypeOfferings({ client: clients.ec2 }, {
      LocationType: 'availability-zone', Filters: [{ Name: 'instance-type', Values: [...candidates] }],
    })) {
      for (const offering of page.InstanceTypeOfferings ?? []) {
        if (!offering.InstanceType || !offering.Location) continue;
        zones.set(offering.InstanceType, [...(zones.get(offering.InstanceType) ?? []), offering.Location]);
      }
    }
    const offered = candidates.filter((type) => zones.has(type));
    if (offered.length === 0) return [];
    const out = await clients.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: offered as _InstanceType[] }));
    return (out.InstanceTypes ?? []).map((raw) => {
      const t = typeSchema.parse(raw);
      const gpu = t.GpuInfo?.Gpus?.[0];
      return {
        type: t.InstanceType, vcpus: t.VCpuInfo.DefaultVCpus, memoryGiB: t.MemoryInfo.SizeInMiB / 1024,
        architecture: t.ProcessorInfo?.SupportedArchitectures.includes('arm64') ? 'arm64' as const : 'x86_64' as const,
        gpus: t.GpuInfo?.Gpus?.reduce((n, g) => n + (g.Count ?? 0), 0) ?? 0,
        gpuName: gpu ? [gpu.Manufacturer, gpu.Name].filter(Boolean).join(' ') : undefined,
        // EC2 reports GPU memory in MiB (22888 → 22.35 GiB): a tenth of a GiB is all anyone picks a GPU by.
        gpuMemoryGiB: t.GpuInfo?.TotalGpuMemoryInMiB !== undefined ? Math.round((t.GpuInfo.TotalGpuMemoryInMiB / 1024) * 10) / 10 : undefined,
        zones: (zones.get(t.InstanceType) ?? []).sort(),
      };
    }).sort((a, b) => candidates.indexOf(a.type) - candidates.indexOf(b.type));
  } catch (error) {
    throw classifyAwsError(error, { profile: clients.profile });
  }
}
