import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, type ResponseLaunchTemplateData } from '@aws-sdk/client-ec2';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients, type AwsClients, type ClientInstrument } from '../../src/engine/aws/clients';
import type { EngineTiming } from '../../src/engine/context';
import { Engine } from '../../src/engine/engine';
import type { SsmFactory } from '../../src/engine/operate';
import { stackConfigSchema, type StackConfig, type StackConfigInput } from '../../src/engine/stack/config';
import { sweepStack, type SweptResource } from '../../src/engine/resources/sweep';
import { mountTargetsOf } from '../../src/engine/resources/sweep';
import { testEmulator } from './root-hooks';
import { launchRealism } from './launch-realism';
import type { QuotaApi } from '../../src/engine/aws/quotas';
import { RecordedQuotas } from '../fixtures/quotas/recorded';
import type { BackupApiFactory } from '../../src/engine/backup/api';
import { recordedBackup } from './recorded-backup';

/** Polls fast: moto is instant, and latency models scale real AWS times down. */
export const FAST_TIMING: Partial<EngineTiming> = {
  pollIntervalMs: 20,
  fileSystemTimeoutMs: 20_000,
  mountTargetTimeoutMs: 20_000,
  instanceRunningTimeoutMs: 20_000,
  instanceTerminatedTimeoutMs: 20_000,
  profilePropagationTimeoutMs: 10_000,
  eventualConsistencyTimeoutMs: 10_000,
  loadBalancerTimeoutMs: 10_000,
};

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

let realismFor: { endpoint: string; instrument: ClientInstrument } | undefined;
function realism(...args: Parameters<ClientInstrument>): void {
  const endpoint = testEmulator().endpoint;
  if (realismFor?.endpoint !== endpoint) realismFor = { endpoint, instrument: launchRealism(endpoint) };
  realismFor.instrument(...args);
}

export function testEngine(options: {
  stateDir?: string; instrument?: ClientInstrument; maxAttempts?: number; timing?: Partial<EngineTiming>; quotas?: () => QuotaApi; ssm?: SsmFactory;
  /** AWS Backup's selections, jobs and recovery points (moto has none): recorded answers unless a test passes its own. */
  backup?: BackupApiFactory;
} = {}): Engine {
  const backup = options.backup ?? recordedBackup();
  return new Engine({
    backup,
    quotas: options.quotas ?? (() => new RecordedQuotas({ 'L-DB2E81BA': 'g-on-demand-8.json', 'L-3819A6DF': 'g-spot-8.json' })),
    stateDir: options.stateDir ?? tempDir('gm-state-'),
    endpoint: testEmulator().endpoint,
    maxAttempts: options.maxAttempts ?? 1,
    ssm: options.ssm,
    timing: { ...FAST_TIMING, ...options.timing },
    // EC2 describes a group's instances as real EC2 does (the template's IMDS and root device, the group's market).
    instrument: (client, service) => {
      realism(client, service);
      options.instrument?.(client, service);
    },
  });
}

export function devConfig(overrides: Partial<StackConfigInput> = {}): StackConfig {
  return stackConfigSchema.parse({ name: 'demo', region: 'us-east-1', instanceType: 't3.xlarge', ...overrides });
}

/** An automation stack (load balancer, optionally CloudFront) of the same shape as devConfig. */
export function automationConfig(overrides: Partial<StackConfigInput> = {}): StackConfig {
  return devConfig({ tier: 'automation', access: { mode: 'load-balancer' }, ...overrides });
}

/** A gpu stack (DLAMI seeded by the moto launcher; quotas answered from recordings by testEngine). */
export function gpuConfig(overrides: Partial<StackConfigInput> = {}): StackConfig {
  return devConfig({ tier: 'gpu', instanceType: 'g5.xlarge', access: { mode: 'load-balancer' }, rootVolumeGb: 100, ...overrides });
}

/** Plain clients for assertions, without any injected faults. */
export function inspector(region = 'us-east-1'): AwsClients {
  return createClients({ region, endpoint: testEmulator().endpoint, maxAttempts: 1 });
}

/** Every resource in AWS that carries the stack's name, plus mount targets of its file systems. */
export async function sweep(stack = 'demo', region = 'us-east-1'): Promise<SweptResource[]> {
  const clients = inspector(region);
  try {
    const tagged = (await sweepStack(clients, stack)).filter((r) => r.state !== 'terminated' && r.state !== 'deleted');
    const targets = await mountTargetsOf(clients, tagged.filter((r) => r.kind === 'efs').map((r) => r.id));
    return [...tagged, ...targets.filter((t) => t.state !== 'deleted')];
  } finally {
    clients.destroy();
  }
}

export function countByKind(resources: readonly SweptResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
  return counts;
}

/**
 * What every instance of the stack is launched with: the group's launch template version, read back from EC2.
 * moto launches a group's instances without the template's metadata options and instance profile (real EC2
 * applies them), so settings are asserted here, where AWS keeps them.
 */
export async function launchTemplateData(aws: AwsClients, stack = 'demo'): Promise<ResponseLaunchTemplateData> {
  const out = await aws.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: `gm-${stack}`, Versions: ['$Latest'] }));
  const data = out.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
  if (!data) throw new Error(`No launch template gm-${stack}`);
  return data;
}

/**
 * A spot interruption as AWS carries it out on a group's instance: the group takes it out of service, EC2
 * terminates it, and the group launches a replacement (moto launches it at once).
 */
export async function interruptThroughGroup(instanceId: string, region = 'us-east-1'): Promise<void> {
  const aws = inspector(region);
  try {
    await aws.autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: false }));
  } finally {
    aws.destroy();
  }
}
