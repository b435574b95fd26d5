import { paginateDescribeInstances } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../aws/clients';
import { describeInstanceType } from '../discovery/instance-types';
import { tagValue, TAG_STACK } from '../stack/naming';
import { quotaClassOf } from './gpu-families';

/** vCPUs already counted against a GPU quota, per market. */
export interface VcpusInUse {
  spot: number;
  'on-demand': number;
}

/**
 * vCPUs of pending and running instances in the same quota class as `instanceType` (G and VT, or P), split as
 * EC2 counts them: spot instances against the spot quota, everything else against on-demand. The stack's own
 * instances are left out: a redeploy keeps or replaces them rather than adding to them.
 */
export async function gpuVcpusInUse(clients: AwsClients, instanceType: string, stack: string): Promise<VcpusInUse> {
  const quotaClass = quotaClassOf(instanceType);
  const inUse: VcpusInUse = { spot: 0, 'on-demand': 0 };
  if (!quotaClass) return inUse;
  const counted: { type: string; market: keyof VcpusInUse }[] = [];
  for await (const page of paginateDescribeInstances({ client: clients.ec2 }, { Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }] })) {
    for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const type = instance.InstanceType;
      if (!type || quotaClassOf(type) !== quotaClass || tagValue(instance.Tags, TAG_STACK) === stack) continue;
      counted.push({ type, market: instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand' });
    }
  }
  const vcpus = new Map<string, number>();
  for (const type of new Set(counted.map((c) => c.type))) vcpus.set(type, (await describeInstanceType(clients, type))?.vcpus ?? 0);
  for (const { type, market } of counted) inUse[market] += vcpus.get(type) ?? 0;
  return inUse;
}
