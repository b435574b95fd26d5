import type { InstanceTypeInfo } from '../../src/engine/discovery/instance-types';
import { recommendMarket, type Placement } from '../../src/engine/cost/placement';
import type { DiscoveredVpc } from '../../src/engine/discovery/networks';
import type { DeployPlan } from '../../src/engine/plan/plan';
import { stackConfigSchema } from '../../src/engine/stack/config';
import type { WizardProgress } from '../../src/protocol/wizard';

/** What the fake host answers the wizard with: discovered networks, instance types, a plan, progress. */

export const VPCS: DiscoveredVpc[] = [
  {
    id: 'vpc-0def4017', cidr: '172.31.0.0/16', isDefault: true, publicZones: ['us-east-1a', 'us-east-1b'],
    subnets: [
      { id: 'subnet-0a1', zone: 'us-east-1a', cidr: '172.31.0.0/20', public: true },
      { id: 'subnet-0b1', zone: 'us-east-1b', cidr: '172.31.16.0/20', public: true },
      { id: 'subnet-0c1', zone: 'us-east-1c', cidr: '172.31.32.0/20', public: false },
    ],
  },
  { id: 'vpc-0a1b2c3d', name: 'lab', cidr: '10.9.0.0/16', isDefault: false, publicZones: [], subnets: [{ id: 'subnet-0d1', zone: 'us-east-1a', cidr: '10.9.1.0/24', public: false }] },
];

const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
export const TYPES: InstanceTypeInfo[] = [
  { type: 't3.large', vcpus: 2, memoryGiB: 8, architecture: 'x86_64', gpus: 0, zones },
  { type: 't3.xlarge', vcpus: 4, memoryGiB: 16, architecture: 'x86_64', gpus: 0, zones },
  { type: 'm7i.xlarge', vcpus: 4, memoryGiB: 16, architecture: 'x86_64', gpus: 0, zones },
  { type: 't4g.xlarge', vcpus: 4, memoryGiB: 16, architecture: 'arm64', gpus: 0, zones },
];

/** The cost engine's answer for TYPES: live, cached and bundled prices; m7i spot saves too little to recommend. */
export const PLACEMENTS: Placement[] = [
  { type: TYPES[1]!, onDemand: { usd: 0.1664, source: { kind: 'live' } }, spot: { usd: 0.0499, zone: 'us-east-1b', source: { kind: 'live' } }, savings: 1 - 0.0499 / 0.1664, recommended: recommendMarket(0.1664, 0.0499) },
  { type: TYPES[0]!, onDemand: { usd: 0.0832, source: { kind: 'cached', ageMs: 12 * 60_000 } }, recommended: recommendMarket(0.0832, undefined) },
  {
    type: TYPES[2]!, onDemand: { usd: 0.2016, source: { kind: 'estimated', reason: 'us-east-1 list price from the bundled table (AccessDeniedException)' } },
    spot: { usd: 0.1814, zone: 'us-east-1c', source: { kind: 'live' } }, savings: 1 - 0.1814 / 0.2016, recommended: recommendMarket(0.2016, 0.1814),
  },
  { type: TYPES[3]!, recommended: recommendMarket(undefined, undefined) },
];

/** `scale`: the draft's scale section, which the plan then carries (the review shows it). */
export function samplePlan(name: string, scale?: unknown): DeployPlan {
  const config = stackConfigSchema.parse({ name, instanceType: 't3.xlarge', market: 'spot', access: { mode: 'cidr', cidr: '203.0.113.7/32' }, ...(scale === undefined ? {} : { scale }) });
  const item = (step: string, title: string, action: 'create' | 'reuse' | 'keep', ids: string[] = [], note?: string) => ({ step, title, action, ids, ...(note ? { note } : {}) });
  return {
    config,
    facts: { accountId: '123456789012', architecture: 'x86_64', amiId: 'ami-0abc', rootDeviceName: '/dev/xvda', zones: ['us-east-1a', 'us-east-1b'] },
    items: [
      item('vpc', 'VPC', 'create'), item('subnets', 'Public subnets in 2 AZs', 'create'), item('igw', 'Internet gateway', 'create'),
      item('sg', 'Security group (port 80 from 203.0.113.7/32)', 'create'), item('role', 'Instance role and profile', 'reuse', ['geusemaker-demo-instance']),
      item('secrets', 'Secrets in SSM Parameter Store', 'keep', ['/geusemaker/demo/postgres-password'], 'kept from an earlier deploy'),
      item('efs', 'EFS file system and mount targets', 'create'), item('instance', 'Spot instance t3.xlarge', 'create'),
    ],
    warnings: ['No default VPC in us-east-1: a new VPC is created (a new VPC is what this plan does anyway).'],
  };
}

export function sampleProgress(name: string, phase: WizardProgress['phase'] = 'running'): WizardProgress {
  return {
    operation: 'deploy', phase, stack: name, startedAt: '2025-06-01T12:00:00.000Z',
    ...(phase === 'running' ? {} : { endedAt: '2025-06-01T12:03:25.000Z' }),
    rows: [
      { step: 'vpc', title: 'VPC', state: 'done', elapsedMs: 1800, detail: 'created: vpc-0f00' },
      { step: 'efs', title: 'EFS file system', state: 'done', elapsedMs: 21_000, detail: 'created: fs-0123' },
      { step: 'mount-targets', title: 'EFS mount targets', state: 'waiting', elapsedMs: 64_000, detail: 'waiting for EFS mount target in us-east-1b…' },
      { step: 'instance', title: 'Instance', state: 'running', elapsedMs: 0 },
    ],
    notes: ['Spot t3.xlarge in us-east-1a (cheapest offered AZ).'],
  };
}
