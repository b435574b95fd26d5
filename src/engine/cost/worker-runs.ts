import { DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { instanceSighting, LIVE_INSTANCE_STATES, sightInstances, type InstanceSighting } from '../live';
import { activityInstance } from '../resources/group-view';
import { scaleNames, SCALE_KEYS } from '../scale/names';
import type { WorkerPoolName } from '../stack/scale-config';
import type { ComputeInterval, StackState } from '../state/schema';

/*
 * The worker pools' instance runs, which the stack's record does not hold (groups launch and end workers on their
 * own): the instances EC2 still describes with the pool's aws:autoscaling:groupName tag (running, and those ended in
 * about the last hour), and older ones from the group's scaling activities (AWS keeps six weeks of them). A worker
 * EC2 no longer describes is priced as its pool's first listed type and market, and said to be assumed.
 */

export interface WorkerRun extends ComputeInterval {
  pool: WorkerPoolName;
  /** Its type and market are the pool's settings, not EC2's word (EC2 no longer describes it). */
  assumed?: true;
}

export interface WorkerRuns {
  runs: WorkerRun[];
  /** What EC2 said about each worker it still describes, for reconciling the runs it leaves open. */
  sightings: Map<string, InstanceSighting>;
}

const POOLS: readonly WorkerPoolName[] = ['n8n', 'ollama'];
/** Activities are read back to the period's start, at most this many pages of 100. */
const MAX_ACTIVITY_PAGES = 10;

/** The pools whose workers may have cost something: the config's and any whose group the journal recorded. */
export function costedPools(state: Pick<StackState, 'config' | 'resources'>): WorkerPoolName[] {
  const scale = state.config.scale;
  return POOLS.filter((pool) => {
    const record = state.resources[SCALE_KEYS.workerGroupKey(pool)];
    return (record && record.status !== 'intent') || (pool === 'n8n' ? scale !== undefined : scale?.ollamaWorkers !== undefined);
  });
}

/** What a pool's workers are priced as when EC2 no longer says: its first listed type and its market (config, else the journal). */
function poolDefaults(state: Pick<StackState, 'config' | 'resources'>, pool: WorkerPoolName): { instanceType: string; market: 'spot' | 'on-demand' } {
  const settings = pool === 'n8n' ? state.config.scale?.n8nWorkers : state.config.scale?.ollamaWorkers;
  const attrs = state.resources[SCALE_KEYS.workerGroupKey(pool)]?.attrs ?? {};
  const instanceType = settings?.instanceTypes[0] ?? attrs.instanceTypes?.split(',')[0] ?? 'unknown';
  const market = settings?.market ?? (attrs.market === 'on-demand' ? 'on-demand' : 'spot');
  return { instanceType, market };
}

const tagSchema = z.object({ Key: z.string().optional(), Value: z.string().optional() });
const taggedSchema = z.object({ Tags: z.array(tagSchema).optional() });
const pageSchema = z.object({
  Reservations: z.array(z.object({ Instances: z.array(z.unknown()).optional() })).optional(),
  NextToken: z.string().optional(),
});

/** Instances EC2 describes with one of the groups' names in aws:autoscaling:groupName, with the group each is in. */
async function taggedInstances(clients: AwsClients, groups: readonly string[], signal?: AbortSignal): Promise<{ sighting: InstanceSighting; group: string }[]> {
  const found: { sighting: InstanceSighting; group: string }[] = [];
  let token: string | undefined;
  do {
    const page = pageSchema.parse(await clients.ec2.send(new DescribeInstancesCommand({
      Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: [...groups] }], NextToken: token,
    }), { abortSignal: signal }));
    for (const reservation of page.Reservations ?? []) {
      for (const raw of reservation.Instances ?? []) {
        const sighting = instanceSighting(raw);
        const group = taggedSchema.safeParse(raw).data?.Tags?.find((tag) => tag.Key === 'aws:autoscaling:groupName')?.Value;
        if (!sighting || !group || !groups.includes(group)) continue;
        found.push({ group, sighting });
      }
    }
    token = page.NextToken;
  } while (token);
  return found;
}

const activitySchema = z.object({
  Description: z.string().optional(),
  StatusCode: z.string().optional(),
  StartTime: z.union([z.date(), z.string()]).optional(),
  EndTime: z.union([z.date(), z.string()]).optional(),
  Details: z.string().optional(),
});
const activitiesPageSchema = z.object({ Activities: z.array(z.unknown()).optional(), NextToken: z.string().optional() });
const detailsSchema = z.object({ 'Availability Zone': z.string().optional() });

interface Activity {
  description: string;
  status: string;
  startedAt?: string;
  endedAt?: string;
  zone?: string;
}

function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const at = value instanceof Date ? value : new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

function zoneOf(details: string | undefined): string | undefined {
  try {
    const parsed = detailsSchema.safeParse(JSON.parse(details ?? '{}'));
    return parsed.success ? parsed.data['Availability Zone'] : undefined;
  } catch {
    return undefined;
  }
}

/** The instance a launch or termination names ("Launching a new EC2 instance: i-0abc"). */
const instanceOf = (a: Activity) => activityInstance({ description: a.description, cause: '', status: a.status });

/** When the group's termination of `id` ended (else began), if it has one. */
function endedByActivity(id: string, list: readonly Activity[]): string | undefined {
  const ended = list.find((a) => instanceOf(a) === id && /^Terminating/i.test(a.description));
  return ended?.endedAt ?? ended?.startedAt;
}

/** A group's activities back to `since`, newest first, deleted groups included (a destroyed stack's workers still cost). */
export async function groupActivities(clients: AwsClients, name: string, since: Date, signal?: AbortSignal): Promise<Activity[]> {
  const activities: Activity[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_ACTIVITY_PAGES; page++) {
    const out = activitiesPageSchema.parse(await clients.autoscaling.send(new DescribeScalingActivitiesCommand({
      AutoScalingGroupName: name, IncludeDeletedGroups: true, MaxRecords: 100, NextToken: token,
    }), { abortSignal: signal }));
    for (const raw of out.Activities ?? []) {
      const parsed = activitySchema.safeParse(raw);
      if (!parsed.success) continue;
      const a = parsed.data;
      activities.push({ description: a.Description ?? '', status: a.StatusCode ?? 'Unknown', startedAt: iso(a.StartTime), endedAt: iso(a.EndTime), zone: zoneOf(a.Details) });
    }
    token = out.NextToken;
    const oldest = activities.at(-1)?.startedAt;
    if (!token || (oldest && new Date(oldest) < since)) break;
  }
  return activities;
}

/**
 * Every worker run of the stack's pools EC2 or the groups' activities know, each at its own type, zone and market
 * from its launch until EC2 or the group says it ended (open while it runs). Runs the record already holds are left
 * out. In memory only, like the main group's unrecorded runs.
 */
export async function workerRuns(clients: AwsClients, state: Pick<StackState, 'name' | 'config' | 'resources' | 'compute'>, since: Date, signal?: AbortSignal): Promise<WorkerRuns> {
  const pools = costedPools(state);
  if (pools.length === 0) return { runs: [], sightings: new Map() };
  const groupOf = new Map(pools.map((pool) => [scaleNames.workerGroup(state.name, pool), pool] as const));
  const names = [...groupOf.keys()];
  const [tagged, activities] = await Promise.all([
    taggedInstances(clients, names, signal),
    // The emulator has no scaling activities, and a denied read leaves the instances EC2 describes.
    Promise.all(names.map((name) => groupActivities(clients, name, since, signal).catch(() => [] as Activity[]))),
  ]);
  const known = new Set(state.compute.map((run) => run.instanceId));
  const sightings = new Map<string, InstanceSighting>();
  const runs: WorkerRun[] = [];
  for (const { sighting, group } of tagged) {
    sightings.set(sighting.id, sighting);
    const pool = groupOf.get(group)!;
    if (known.has(sighting.id) || !sighting.launchedAt) continue;
    known.add(sighting.id);
    const endedAt = LIVE_INSTANCE_STATES.includes(sighting.state) && sighting.state !== 'stopped'
      ? undefined : sighting.stoppedAt ?? endedByActivity(sighting.id, activities[names.indexOf(group)] ?? []);
    runs.push({
      pool, instanceId: sighting.id, instanceType: sighting.instanceType ?? poolDefaults(state, pool).instanceType, market: sighting.market ?? 'on-demand',
      zone: sighting.zone ?? '', startedAt: sighting.launchedAt, ...(endedAt ? { endedAt } : {}),
    });
  }
  // Workers EC2 has forgotten: launched (successfully) by the group, ended when its termination says.
  const forgotten: { pool: WorkerPoolName; id: string; launch: Activity; endedAt?: string }[] = [];
  names.forEach((name, index) => {
    const list = activities[index] ?? [];
    for (const launch of list) {
      const id = instanceOf(launch);
      if (!id || known.has(id) || launch.status !== 'Successful' || !/^Launching/i.test(launch.description) || !launch.startedAt) continue;
      known.add(id);
      forgotten.push({ pool: groupOf.get(name)!, id, launch, endedAt: endedByActivity(id, list) });
    }
  });
  const more = forgotten.length > 0 ? await sightInstances(clients, forgotten.map((f) => f.id), signal).catch(() => new Map<string, InstanceSighting>()) : new Map<string, InstanceSighting>();
  for (const { pool, id, launch, endedAt } of forgotten) {
    const seen = more.get(id);
    if (seen) sightings.set(id, seen);
    const defaults = poolDefaults(state, pool);
    const ended = seen?.stoppedAt ?? endedAt;
    runs.push({
      pool, instanceId: id, instanceType: seen?.instanceType ?? defaults.instanceType, market: seen?.market ?? defaults.market, zone: seen?.zone ?? launch.zone ?? '',
      startedAt: seen?.launchedAt ?? launch.endedAt ?? launch.startedAt!, ...(ended ? { endedAt: ended } : {}), ...(seen?.instanceType ? {} : { assumed: true as const }),
    });
  }
  return { runs, sightings };
}
