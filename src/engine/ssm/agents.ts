import { DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { classifyAwsError } from '../aws/classify';
import { cancelled, GeuseError } from '../errors';
import { sleep } from '../wait';
import type { SsmApi } from './api';
import { unexpectedAnswer } from './run-command';

export const PING_STATUSES = ['Online', 'ConnectionLost', 'Inactive'] as const;

/** Where an instance's SSM agent stands; NotRegistered until the agent has first called home. */
export interface AgentStatus {
  instanceId: string;
  pingStatus: (typeof PING_STATUSES)[number] | 'NotRegistered';
  lastPingAt?: Date;
  agentVersion?: string;
  platformName?: string;
}

/** Answers whether an instance's SSM agent can take commands. The SSM implementation is below; tests use fakes. */
export interface AgentDirectory {
  status(instanceId: string, signal?: AbortSignal): Promise<AgentStatus>;
}

export function isOnline(status: AgentStatus): boolean {
  return status.pingStatus === 'Online';
}

const informationSchema = z.object({
  InstanceInformationList: z.array(z.object({
    InstanceId: z.string(),
    PingStatus: z.enum(PING_STATUSES).optional(),
    // The SDK gives a Date; recorded JSON gives a string.
    LastPingDateTime: z.coerce.date().optional(),
    AgentVersion: z.string().optional(),
    PlatformName: z.string().optional(),
  })).default([]),
});

/** Reads DescribeInstanceInformation's answer for one instance. */
export function parseInstanceInformation(instanceId: string, output: unknown): AgentStatus {
  const parsed = informationSchema.safeParse(output);
  if (!parsed.success) throw unexpectedAnswer('DescribeInstanceInformation', parsed.error);
  const entry = parsed.data.InstanceInformationList.find((item) => item.InstanceId === instanceId);
  if (!entry) return { instanceId, pingStatus: 'NotRegistered' };
  return {
    instanceId,
    pingStatus: entry.PingStatus ?? 'Inactive',
    lastPingAt: entry.LastPingDateTime,
    agentVersion: entry.AgentVersion,
    platformName: entry.PlatformName,
  };
}

export class SsmAgentDirectory implements AgentDirectory {
  constructor(private readonly ssm: SsmApi) {}

  async status(instanceId: string, signal?: AbortSignal): Promise<AgentStatus> {
    let output: unknown;
    try {
      output = await this.ssm.send(new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'InstanceIds', Values: [instanceId] }],
      }), { abortSignal: signal });
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      throw classifyAwsError(error, { operation: 'ssm:DescribeInstanceInformation' });
    }
    return parseInstanceInformation(instanceId, output);
  }
}

export interface AgentWaitOptions {
  /** Upper bound on the wait; a new instance usually registers within a few minutes. */
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Called after every check that found the agent not online yet. */
  onWaiting?: (status: AgentStatus, elapsedMs: number) => void;
}

/** Waits (bounded, abortable) until the instance's SSM agent is online, backing off to 4× the interval. */
export async function waitForAgent(directory: AgentDirectory, instanceId: string, options: AgentWaitOptions = {}): Promise<AgentStatus> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const baseInterval = options.intervalMs ?? 5_000;
  const started = Date.now();
  let interval = baseInterval;
  for (;;) {
    const status = await directory.status(instanceId, options.signal);
    if (isOnline(status)) return status;
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      throw new GeuseError({
        code: 'SSM_AGENT_OFFLINE', kind: 'transient', operation: 'ssm:DescribeInstanceInformation',
        message: `The SSM agent on ${instanceId} is still not online after ${Math.round(elapsed / 1000)} s (${status.pingStatus}).`,
        nextStep: 'Check that the instance is running, its role has AmazonSSMManagedInstanceCore, and it can reach the internet on port 443; then Refresh.',
      });
    }
    options.onWaiting?.(status, elapsed);
    await sleep(Math.min(interval, timeoutMs - elapsed), options.signal);
    interval = Math.min(interval * 1.5, baseInterval * 4);
  }
}
