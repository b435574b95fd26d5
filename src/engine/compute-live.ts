import type { AwsClients } from './aws/clients';
import { refused } from './errors';
import { sightInstances, type InstanceSighting } from './live';
import {
  activityInstance, describeGroup, inService, isCapacityFailure, scalingActivities, type GroupView, type ScalingActivity,
} from './resources/group-view';
import type { ComputeInterval, StackState } from './state/schema';

export type ComputeCondition = 'healthy' | 'starting' | 'replacing' | 'waiting-for-capacity' | 'paused' | 'missing';

/** What the stack's Auto Scaling group says about its compute now, in the engine's words. */
export interface ComputeLive {
  condition: ComputeCondition;
  group: string;
  /** The instance in service now (may differ from the recorded one after a replacement). */
  instanceId?: string;
  /** Its type and AZ, as the group or EC2 reports them. */
  instanceType?: string;
  zone?: string;
  /** An instance the group is launching. */
  pendingInstanceId?: string;
  market: 'spot' | 'on-demand';
  /** Set when a deploy switched the group to on-demand because spot had no capacity. */
  onDemandFallbackAt?: string;
  instanceTypes: string[];
  allocation?: string;
  /** The recorded instance was replaced (or is being replaced): by which, when and why. */
  replacement?: { oldInstanceId: string; newInstanceId?: string; at?: string; reason: string };
  /** For people: "healthy: i-0abc in service (t3.xlarge, spot, us-east-1a)". */
  summary: string;
}

/** The group's name when the stack runs in one (stacks from before groups have none). */
export function groupOf(state: Pick<StackState, 'resources'>): string | undefined {
  const record = state.resources['auto-scaling-group'];
  return record?.status === 'created' ? record.id : undefined;
}

export function recordedInstance(state: Pick<StackState, 'resources'>): string | undefined {
  const record = Object.values(state.resources).find((r) => r.kind === 'instance' && r.status === 'created' && r.id);
  return record?.id;
}

function hhmm(iso: string | undefined): string {
  return iso ? `${iso.slice(11, 16)} UTC` : 'an unknown time';
}

/** Whether the group's state needs its activities to be explained (anything but a steady in-service instance). */
export function needsActivities(state: StackState, group: GroupView | undefined): boolean {
  if (!group || group.desired === 0) return false;
  const current = inService(group);
  return !current || current.id !== recordedInstance(state);
}

/** Why the recorded instance left: the group's activity about it, else EC2's reason, else what is known. */
export function replacementReason(oldId: string, activities: readonly ScalingActivity[], sightings: ReadonlyMap<string, InstanceSighting>): { reason: string; at?: string } {
  const activity = activities.find((a) => activityInstance(a) === oldId && /terminat/i.test(a.description));
  const seen = sightings.get(oldId);
  const reason = activity?.cause || seen?.stateReason || (seen ? `EC2 says it is ${seen.state}` : 'EC2 no longer lists it');
  return { reason, at: activity?.startedAt ?? seen?.stoppedAt };
}

/** The live compute of a stack in a group, from one DescribeAutoScalingGroups answer (and its activities when not steady). */
export function computeLive(state: StackState, groupName: string, group: GroupView | undefined, activities: readonly ScalingActivity[], sightings: ReadonlyMap<string, InstanceSighting>): ComputeLive {
  const record = state.resources['auto-scaling-group'];
  const base = {
    group: groupName, market: group?.market ?? (record?.attrs.market === 'on-demand' ? 'on-demand' as const : state.config.market),
    onDemandFallbackAt: record?.attrs.fallbackAt || undefined, instanceTypes: group?.instanceTypes ?? [], allocation: group?.allocation,
  };
  if (!group) return { ...base, condition: 'missing', summary: `the Auto Scaling group ${groupName} no longer exists: run deploy to recreate it` };
  if (group.desired === 0) return { ...base, condition: 'paused', summary: 'paused: the group is at 0 instances' };
  const recorded = recordedInstance(state);
  const current = inService(group);
  const pending = group.instances.find((i) => i.lifecycle.startsWith('Pending'));
  const onDemandNote = base.onDemandFallbackAt ? ` (on-demand since ${hhmm(base.onDemandFallbackAt)}: no spot capacity then)` : '';
  if (current) {
    const seen = sightings.get(current.id);
    const instanceType = current.instanceType ?? seen?.instanceType;
    const zone = current.zone ?? seen?.zone;
    const where = `${instanceType ?? 'type unknown'}, ${seen?.market ?? base.market}, ${zone ?? ''}`;
    const placed = { instanceId: current.id, ...(instanceType ? { instanceType } : {}), ...(zone ? { zone } : {}) };
    if (recorded && recorded !== current.id) {
      const { reason, at } = replacementReason(recorded, activities, sightings);
      return {
        ...base, condition: 'healthy', ...placed,
        replacement: { oldInstanceId: recorded, newInstanceId: current.id, at: at ?? seen?.launchedAt, reason },
        summary: `healthy: ${current.id} in service (${where}), replacing ${recorded} (${reason})${onDemandNote}`,
      };
    }
    return { ...base, condition: 'healthy', ...placed, summary: `healthy: ${current.id} in service (${where})${onDemandNote}` };
  }
  const capacity = activities.find(isCapacityFailure);
  if (capacity) {
    return { ...base, condition: 'waiting-for-capacity', pendingInstanceId: pending?.id, summary: `waiting for capacity since ${hhmm(capacity.startedAt)}: ${capacity.message ?? capacity.description}` };
  }
  const pendingWords = pending ? `new one ${pending.id} pending since ${hhmm(sightings.get(pending.id)?.launchedAt)}` : 'no new one launched yet';
  if (recorded && recorded !== pending?.id) {
    const { reason, at } = replacementReason(recorded, activities, sightings);
    const zone = state.resources.instance?.attrs.zone;
    return {
      ...base, condition: 'replacing', pendingInstanceId: pending?.id,
      replacement: { oldInstanceId: recorded, newInstanceId: pending?.id, at, reason },
      summary: `replacing the instance ${recorded} interrupted at ${hhmm(at)}${zone ? ` in ${zone}` : ''} (${reason}); ${pendingWords}`,
    };
  }
  return { ...base, condition: 'starting', pendingInstanceId: pending?.id, summary: pending ? `starting: ${pending.id} is launching` : 'starting: the group has not launched an instance yet' };
}

function launches(activities: readonly ScalingActivity[]): ScalingActivity[] {
  return activities.filter((a) => a.status === 'Successful' && /^Launching/i.test(a.description));
}

/** The instances the group's activities say it launched, newest first: the ones a record may have missed. */
export function launchedByActivities(activities: readonly ScalingActivity[]): string[] {
  return launches(activities).flatMap((a) => activityInstance(a) ?? []);
}

/**
 * The runs cost to date should count that the record lacks: instances the group launched while nobody watched,
 * in it now or already replaced again (from its activities), each at its own type, zone and market from its
 * launch until EC2 or the group says it ended. A type EC2 no longer knows is priced as unknown, never guessed.
 * In memory only; the next deploy records what is still running.
 */
export function unrecordedRuns(state: Pick<StackState, 'compute'>, group: GroupView | undefined, sightings: ReadonlyMap<string, InstanceSighting>, activities: readonly ScalingActivity[] = []): ComputeInterval[] {
  if (!group) return [];
  const known = new Set(state.compute.map((run) => run.instanceId));
  const inGroup = group.instances.flatMap((instance) => {
    const seen = sightings.get(instance.id);
    if (known.has(instance.id) || !seen?.launchedAt) return [];
    known.add(instance.id);
    return [{ instanceId: instance.id, instanceType: seen.instanceType ?? instance.instanceType ?? 'unknown', market: seen.market ?? 'on-demand', zone: seen.zone ?? instance.zone ?? '', startedAt: seen.launchedAt }];
  });
  const gone = launches(activities).flatMap((launch): ComputeInterval[] => {
    const id = activityInstance(launch);
    if (!id || known.has(id) || !launch.startedAt) return [];
    known.add(id);
    const seen = sightings.get(id);
    const ended = activities.find((a) => activityInstance(a) === id && /^Terminating/i.test(a.description));
    const endedAt = seen?.stoppedAt ?? ended?.endedAt ?? ended?.startedAt;
    return [{
      instanceId: id, instanceType: seen?.instanceType ?? 'unknown', market: seen?.market ?? 'on-demand', zone: seen?.zone ?? '',
      startedAt: seen?.launchedAt ?? launch.endedAt ?? launch.startedAt, ...(endedAt ? { endedAt } : {}),
    }];
  });
  return [...inGroup, ...gone];
}

/** The instances a live read asks EC2 about for a stack: the recorded one and the group's. */
export function instanceIdsOf(state: Pick<StackState, 'resources'>, group: GroupView | undefined): string[] {
  return [recordedInstance(state), ...(group?.instances.map((i) => i.id) ?? [])].filter((id): id is string => Boolean(id));
}

/** The group's compute in words, reading its activities only when it is not steady (one call fewer on every healthy refresh). */
export async function liveCompute(clients: AwsClients, state: StackState, name: string, group: GroupView | undefined, sightings: ReadonlyMap<string, InstanceSighting>, signal?: AbortSignal): Promise<ComputeLive> {
  const activities = needsActivities(state, group) ? await scalingActivities(clients, name, signal).catch(() => []) : [];
  return computeLive(state, name, group, activities, sightings);
}

/**
 * The state with its `instance` record pointing at the group's instance in service now, for everything that
 * talks to "the instance" (health, logs, terminals, tunnels, restart). Refused, in plain words, while there is none.
 */
export async function withCurrentInstance(clients: AwsClients, state: StackState, signal?: AbortSignal): Promise<StackState> {
  const name = groupOf(state);
  if (!name) return state;
  const group = await describeGroup(clients, name, signal);
  const current = group && inService(group);
  if (current) {
    const record = state.resources.instance;
    if (record?.id === current.id && record.status === 'created') return state;
    const updatedAt = new Date().toISOString();
    return {
      ...state,
      resources: {
        ...state.resources,
        instance: { key: 'instance', kind: 'instance', status: 'created', id: current.id, attrs: { zone: current.zone ?? '', group: name }, external: false, updatedAt },
      },
    };
  }
  const sightings = await sightInstances(clients, instanceIdsOf(state, group), signal).catch(() => new Map<string, InstanceSighting>());
  const live = await liveCompute(clients, state, name, group, sightings, signal);
  throw refused('NO_INSTANCE', `Stack ${state.name} has no instance in service: ${live.summary}.`,
    live.condition === 'paused' ? `Resume it first (\`geusemaker resume ${state.name}\`).`
      : live.condition === 'missing' ? `Run \`geusemaker deploy ${state.name}\` to recreate the group.`
        : 'Wait a minute or two for the group to bring the new instance into service, then try again.');
}
