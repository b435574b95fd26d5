import type { AwsClients } from '../aws/clients';
import { describeCandidateTypes, type InstanceTypeInfo } from '../discovery/instance-types';
import { invalidInput } from '../errors';
import type { StackConfig } from '../stack/config';
import { isGpuTier } from '../tiers';

/**
 * Families that run the same workload alike, by kind: a spot group that may pick among several pools is far less
 * often without capacity (AWS's own advice for price-capacity-optimized). Only same-size types are taken.
 */
const FAMILIES: Readonly<Record<'x86_64' | 'arm64' | 'gpu', readonly string[]>> = {
  x86_64: ['t3', 't3a', 'm5', 'm5a', 'm6i', 'm6a', 'm7i', 'm7a', 'r5', 'r6i', 'r7i', 'c6i', 'c7i'],
  arm64: ['t4g', 'm6g', 'm7g', 'r6g', 'r7g', 'c6g', 'c7g'],
  gpu: ['g4dn', 'g5', 'g6', 'g6e'],
};

/** At most this many types in the group: the chosen one and three alternates keep the bill predictable. */
const MAX_TYPES = 4;

const offeredEverywhere = (info: InstanceTypeInfo, zones: readonly string[]) => zones.every((zone) => info.zones.includes(zone));

/**
 * The group's types, the chosen one first: the config's `instanceTypes` (each checked to exist and be offered in
 * the stack's zones), or the same-size types of interchangeable families with the same vCPUs, memory, GPUs and
 * architecture that every one of the zones offers.
 */
export async function groupInstanceTypes(clients: AwsClients, config: StackConfig, zones: readonly string[]): Promise<string[]> {
  const [family, size] = config.instanceType.split('.');
  if (config.instanceTypes) {
    const wanted = [...new Set([config.instanceType, ...config.instanceTypes])];
    const known = await describeCandidateTypes(clients, config.tier, wanted);
    const missing = wanted.filter((type) => !known.some((info) => info.type === type && offeredEverywhere(info, zones)));
    if (missing.length > 0) {
      throw invalidInput('CONFIG_INVALID', `instanceTypes: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not offered in every AZ of the stack (${zones.join(', ')}).`,
        'Leave them out, or leave instanceTypes out to let GeuseMaker pick interchangeable types.');
    }
    return wanted;
  }
  const kind = isGpuTier(config.tier) ? 'gpu' : FAMILIES.arm64.includes(family ?? '') ? 'arm64' : 'x86_64';
  const candidates = [config.instanceType, ...FAMILIES[kind].filter((f) => f !== family).map((f) => `${f}.${size}`)];
  const infos = await describeCandidateTypes(clients, config.tier, candidates);
  const chosen = infos.find((info) => info.type === config.instanceType);
  if (!chosen) return [config.instanceType];
  const same = (info: InstanceTypeInfo) => info.vcpus === chosen.vcpus && info.memoryGiB === chosen.memoryGiB && info.gpus === chosen.gpus && info.architecture === chosen.architecture;
  const alternates = candidates.slice(1).flatMap((type) => infos.filter((info) => info.type === type && same(info) && offeredEverywhere(info, zones)).map((info) => info.type));
  return [config.instanceType, ...alternates].slice(0, MAX_TYPES);
}
