import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { classifyAwsError } from './aws/classify';
import type { AwsClients } from './aws/clients';
import type { ComputeLive } from './compute-live';

/** What EC2 says about one instance now. */
export interface InstanceSighting {
  id: string;
  /** pending, running, stopping, stopped, shutting-down, terminated. */
  state: string;
  instanceType?: string;
  market?: 'spot' | 'on-demand';
  zone?: string;
  /** When EC2 launched it. */
  launchedAt?: string;
  /** EC2's reason for its last state change (a spot interruption says so). */
  stateReason?: string;
  /** When it left running, from StateTransitionReason ("User initiated (2026-11-23 10:00:00 GMT)"), if EC2 says. */
  stoppedAt?: string;
}

/** Instance states that still hold the instance (it can run again, or runs). */
export const LIVE_INSTANCE_STATES: readonly string[] = ['pending', 'running', 'stopping', 'stopped'];

const instanceSchema = z.object({
  InstanceId: z.string().min(1),
  InstanceType: z.string().optional(),
  State: z.object({ Name: z.string().optional() }).optional(),
  StateTransitionReason: z.string().optional(),
  InstanceLifecycle: z.string().optional(),
  Placement: z.object({ AvailabilityZone: z.string().optional() }).optional(),
  LaunchTime: z.union([z.date(), z.string()]).optional(),
  StateReason: z.object({ Message: z.string().optional() }).optional(),
});
const pageSchema = z.object({
  Reservations: z.array(z.object({ Instances: z.array(z.unknown()).optional() })).optional(),
  NextToken: z.string().optional(),
});

/** EC2 writes the time a user or the service stopped an instance in parentheses; moto writes UTC, AWS GMT. */
export function transitionTime(reason: string | undefined): string | undefined {
  const match = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)/.exec(reason ?? '');
  if (!match) return undefined;
  const at = new Date(`${match[1]}T${match[2]}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** One DescribeInstances entry as a sighting; undefined when it lacks the fields relied on. */
export function instanceSighting(raw: unknown): InstanceSighting | undefined {
  const parsed = instanceSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const instance = parsed.data;
  const state = instance.State?.Name ?? 'unknown';
  return {
    id: instance.InstanceId, state, instanceType: instance.InstanceType,
    market: instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand', zone: instance.Placement?.AvailabilityZone,
    launchedAt: instance.LaunchTime ? new Date(instance.LaunchTime).toISOString() : undefined, stateReason: instance.StateReason?.Message,
    stoppedAt: LIVE_INSTANCE_STATES.includes(state) && state !== 'stopped' ? undefined : transitionTime(instance.StateTransitionReason),
  };
}

/**
 * The instances EC2 knows among `ids`, one DescribeInstances per 100 (a filter, not InstanceIds: an id EC2 has
 * forgotten is simply absent instead of failing the whole call). Throws what the SDK throws.
 */
export async function sightInstances(clients: AwsClients, ids: readonly string[], signal?: AbortSignal): Promise<Map<string, InstanceSighting>> {
  const found = new Map<string, InstanceSighting>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 100) {
    let token: string | undefined;
    do {
      const page = pageSchema.parse(await clients.ec2.send(new DescribeInstancesCommand({
        Filters: [{ Name: 'instance-id', Values: unique.slice(i, i + 100) }], NextToken: token,
      }), { abortSignal: signal }));
      for (const reservation of page.Reservations ?? []) {
        for (const raw of reservation.Instances ?? []) {
          const seen = instanceSighting(raw);
          if (seen) found.set(seen.id, seen);
        }
      }
      token = page.NextToken;
    } while (token);
  }
  return found;
}

/** What show and list say about a stack's instance: read from EC2 just now, or the record's word when AWS could not be asked. */
export interface LiveView {
  source: 'aws' | 'recorded';
  checkedAt: string;
  instanceId?: string;
  /** EC2's state of the recorded instance (running, stopped, terminated…); absent when none is recorded or AWS was not asked. */
  instanceState?: string;
  /** Why the value is only the recorded one. */
  reason?: string;
  /** What to do so the next read reaches AWS (set when the read failed: credentials, network). */
  nextStep?: string;
  /** For people: "instance running", "instance terminated", "deployed (recorded, AWS not reachable)". */
  summary: string;
  /** Stacks in an Auto Scaling group: what the group says (healthy, replacing, waiting for capacity, paused). */
  compute?: ComputeLive;
}

/** How long show and list wait for EC2 before saying the status as recorded. */
export const LIVE_READ_TIMEOUT_MS = 8_000;

/** No HTTP answer came back (refused, timed out, no route): AWS was not reached at all. */
function unreachable(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status === undefined;
}

function whyNotAsked(error: unknown): string {
  if (error instanceof z.ZodError) return 'AWS answered in a shape GeuseMaker does not know';
  const name = error instanceof Error ? error.name : '';
  if (/Credential|TokenProvider/.test(name)) return 'no AWS credentials';
  if (unreachable(error)) return 'AWS not reachable';
  return `AWS refused the read (${name || 'error'})`;
}

/** The live view of one stack's instance from one DescribeInstances answer (or its failure). */
export function liveView(status: string, instanceId: string | undefined, answer: { sightings: ReadonlyMap<string, InstanceSighting> } | { error: unknown }, now = new Date()): LiveView {
  const checkedAt = now.toISOString();
  if (!instanceId) return { source: 'recorded', checkedAt, reason: 'no instance is recorded', summary: status };
  if ('error' in answer) {
    const reason = whyNotAsked(answer.error);
    const { nextStep } = classifyAwsError(answer.error);
    return { source: 'recorded', checkedAt, instanceId, reason, nextStep, summary: `${status} (recorded, ${reason})` };
  }
  const seen = answer.sightings.get(instanceId);
  // EC2 lists a terminated instance for about an hour, then forgets it.
  if (!seen) return { source: 'aws', checkedAt, instanceId, instanceState: 'terminated', summary: 'instance terminated (EC2 no longer lists it)' };
  return { source: 'aws', checkedAt, instanceId, instanceState: seen.state, summary: `instance ${seen.state}` };
}
