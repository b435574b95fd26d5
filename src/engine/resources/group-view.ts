import { DescribeAutoScalingGroupsCommand, DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { tagValue, TAG_STACK, TAG_STACK_ID } from '../stack/naming';

/** The stack's Auto Scaling group of one is named after it; instances carry it in aws:autoscaling:groupName. */
export function groupName(stack: string): string {
  return `gm-${stack}`;
}

const tagSchema = z.object({ Key: z.string().optional(), Value: z.string().optional() });
const groupInstanceSchema = z.object({
  InstanceId: z.string().min(1),
  LifecycleState: z.string().optional(),
  HealthStatus: z.string().optional(),
  AvailabilityZone: z.string().optional(),
  InstanceType: z.string().optional(),
  LaunchTemplate: z.object({ LaunchTemplateId: z.string().optional(), Version: z.string().optional() }).optional(),
});
const distributionSchema = z.object({
  OnDemandAllocationStrategy: z.string().optional(),
  OnDemandBaseCapacity: z.number().optional(),
  OnDemandPercentageAboveBaseCapacity: z.number().optional(),
  SpotAllocationStrategy: z.string().optional(),
  SpotInstancePools: z.number().optional(),
  SpotMaxPrice: z.string().optional(),
});
const groupSchema = z.object({
  AutoScalingGroupName: z.string().min(1),
  MinSize: z.number().optional(),
  MaxSize: z.number().optional(),
  DesiredCapacity: z.number().optional(),
  Instances: z.array(groupInstanceSchema).optional(),
  Status: z.string().optional(),
  HealthCheckType: z.string().optional(),
  TargetGroupARNs: z.array(z.string()).optional(),
  VPCZoneIdentifier: z.string().optional(),
  CapacityRebalance: z.boolean().optional(),
  MixedInstancesPolicy: z.object({
    LaunchTemplate: z.object({
      LaunchTemplateSpecification: z.object({ LaunchTemplateId: z.string().optional(), Version: z.string().optional() }).optional(),
      Overrides: z.array(z.object({ InstanceType: z.string().optional() })).optional(),
    }).optional(),
    InstancesDistribution: distributionSchema.optional(),
  }).optional(),
  Tags: z.array(tagSchema).optional(),
});

export interface GroupInstance {
  id: string;
  /** Pending, InService, Terminating, … (EC2 Auto Scaling's lifecycle states). */
  lifecycle: string;
  healthy: boolean;
  zone?: string;
  instanceType?: string;
  /** The launch template (and version) it was launched from, as the group reports it. */
  launchTemplate?: { id?: string; version?: string };
}

/** What EC2 Auto Scaling says about a group now (the parts the engine relies on, checked). */
export interface GroupView {
  name: string;
  stack?: string;
  stackId?: string;
  /** As AWS has them: the sweep and ownership read where and when the stack began. */
  tags: { Key?: string; Value?: string }[];
  desired: number;
  min: number;
  max: number;
  instances: GroupInstance[];
  /** "Delete in progress" while a forced delete runs. */
  status?: string;
  healthCheckType?: string;
  targetGroupArns: string[];
  subnetIds: string[];
  capacityRebalance: boolean;
  instanceTypes: string[];
  market: 'spot' | 'on-demand';
  allocation?: string;
  launchTemplate?: { id?: string; version?: string };
  /** The mixed-instances policy's distribution as AWS has it (an instance refresh carries it over unchanged). */
  distribution?: z.output<typeof distributionSchema>;
  /** The group launches through a mixed-instances policy (ours always does). */
  mixed: boolean;
}

function toGroupView(raw: unknown): GroupView | undefined {
  const parsed = groupSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const group = parsed.data;
  const policy = group.MixedInstancesPolicy;
  return {
    name: group.AutoScalingGroupName,
    stack: tagValue(group.Tags, TAG_STACK),
    stackId: tagValue(group.Tags, TAG_STACK_ID),
    tags: group.Tags ?? [],
    desired: group.DesiredCapacity ?? 0,
    min: group.MinSize ?? 0,
    max: group.MaxSize ?? 0,
    instances: (group.Instances ?? []).map((i) => ({
      id: i.InstanceId, lifecycle: i.LifecycleState ?? 'unknown', healthy: (i.HealthStatus ?? 'Healthy') === 'Healthy', zone: i.AvailabilityZone, instanceType: i.InstanceType,
      launchTemplate: i.LaunchTemplate ? { id: i.LaunchTemplate.LaunchTemplateId, version: i.LaunchTemplate.Version } : undefined,
    })),
    status: group.Status,
    healthCheckType: group.HealthCheckType,
    targetGroupArns: group.TargetGroupARNs ?? [],
    subnetIds: (group.VPCZoneIdentifier ?? '').split(',').filter(Boolean),
    capacityRebalance: group.CapacityRebalance ?? false,
    instanceTypes: (policy?.LaunchTemplate?.Overrides ?? []).flatMap((o) => (o.InstanceType ? [o.InstanceType] : [])),
    market: (policy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity ?? 100) >= 100 ? 'on-demand' : 'spot',
    allocation: policy?.InstancesDistribution?.SpotAllocationStrategy,
    launchTemplate: policy?.LaunchTemplate?.LaunchTemplateSpecification
      ? { id: policy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId, version: policy.LaunchTemplate.LaunchTemplateSpecification.Version }
      : undefined,
    distribution: policy?.InstancesDistribution,
    mixed: policy !== undefined,
  };
}

/** Groups by name, 50 a call (one call per region for every stack a refresh shows). Absent names are simply missing. */
export async function describeGroups(clients: AwsClients, names: readonly string[], signal?: AbortSignal): Promise<Map<string, GroupView>> {
  const found = new Map<string, GroupView>();
  const unique = [...new Set(names)];
  for (let i = 0; i < unique.length; i += 50) {
    let token: string | undefined;
    do {
      const page = await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: unique.slice(i, i + 50), NextToken: token }), { abortSignal: signal });
      for (const raw of page.AutoScalingGroups ?? []) {
        const view = toGroupView(raw);
        if (view) found.set(view.name, view);
      }
      token = page.NextToken;
    } while (token);
  }
  return found;
}

export async function describeGroup(clients: AwsClients, name: string, signal?: AbortSignal): Promise<GroupView | undefined> {
  return (await describeGroups(clients, [name], signal)).get(name);
}

/** The instance the stack runs on now: in service and healthy in the group. */
export function inService(group: GroupView): GroupInstance | undefined {
  return group.instances.find((i) => i.lifecycle === 'InService' && i.healthy);
}

const activitySchema = z.object({
  ActivityId: z.string().optional(),
  Description: z.string().optional(),
  Cause: z.string().optional(),
  StatusCode: z.string().optional(),
  StatusMessage: z.string().optional(),
  StartTime: z.union([z.date(), z.string()]).optional(),
  EndTime: z.union([z.date(), z.string()]).optional(),
});

/** One scaling activity: a launch or termination, why, and how it went. */
export interface ScalingActivity {
  description: string;
  cause: string;
  status: string;
  message?: string;
  startedAt?: string;
  endedAt?: string;
}

function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const at = value instanceof Date ? value : new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** The group's latest activities, newest first (AWS keeps six weeks). */
export async function scalingActivities(clients: AwsClients, name: string, signal?: AbortSignal): Promise<ScalingActivity[]> {
  const out = await clients.autoscaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name, MaxRecords: 20 }), { abortSignal: signal });
  return (out.Activities ?? []).flatMap((raw) => {
    const parsed = activitySchema.safeParse(raw);
    if (!parsed.success) return [];
    const a = parsed.data;
    return [{ description: a.Description ?? '', cause: a.Cause ?? '', status: a.StatusCode ?? 'Unknown', message: a.StatusMessage, startedAt: iso(a.StartTime), endedAt: iso(a.EndTime) }];
  }).sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
}

/**
 * Failures that mean "no capacity in this market now" (AWS-REALITY: a group reports them as failed launch activities,
 * never as an error to the caller): switching to on-demand, another type or another AZ may succeed.
 */
const CAPACITY_PATTERN = /InsufficientInstanceCapacity|MaxSpotInstanceCountExceeded|SpotMaxPriceTooLow|InsufficientCapacity|UnfulfillableCapacity|no Spot capacity available|not have sufficient .* capacity/i;

export function isCapacityFailure(activity: ScalingActivity): boolean {
  return (activity.status === 'Failed' || activity.status === 'Cancelled') && CAPACITY_PATTERN.test(`${activity.message ?? ''} ${activity.description}`);
}

/** The instance an activity launched or terminated ("Launching a new EC2 instance: i-0abc"). */
export function activityInstance(activity: ScalingActivity): string | undefined {
  return /\b(i-[0-9a-f]{8,17})\b/.exec(activity.description)?.[1];
}
