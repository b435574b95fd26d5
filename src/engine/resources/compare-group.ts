import { DescribeAutoScalingGroupsCommand, type InstancesDistribution, type MixedInstancesPolicy } from '@aws-sdk/client-auto-scaling';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { sameData } from './compare-json';

/**
 * The settings of the stack's group that a deploy writes, read back from DescribeAutoScalingGroups, so a
 * redeploy updates only what differs (UpdateAutoScalingGroup changes only what it is given).
 */

const distributionSchema = z.object({
  OnDemandAllocationStrategy: z.string().optional(),
  OnDemandBaseCapacity: z.number().optional(),
  OnDemandPercentageAboveBaseCapacity: z.number().optional(),
  SpotAllocationStrategy: z.string().optional(),
});
const overrideSchema = z.object({
  InstanceType: z.string().optional(),
  // Set by hand (we never set them): such an override is not ours, so the policy differs.
  WeightedCapacity: z.string().optional(),
  LaunchTemplateSpecification: z.unknown().optional(),
  InstanceRequirements: z.unknown().optional(),
});
const settingsSchema = z.object({
  AutoScalingGroupName: z.string().min(1),
  MinSize: z.number(),
  MaxSize: z.number(),
  DesiredCapacity: z.number(),
  VPCZoneIdentifier: z.string().optional(),
  HealthCheckType: z.string().optional(),
  HealthCheckGracePeriod: z.number().optional(),
  CapacityRebalance: z.boolean().optional(),
  TargetGroupARNs: z.array(z.string()).optional(),
  MixedInstancesPolicy: z.object({
    LaunchTemplate: z.object({
      LaunchTemplateSpecification: z.object({ LaunchTemplateId: z.string().optional(), Version: z.string().optional() }).optional(),
      Overrides: z.array(overrideSchema).optional(),
    }).optional(),
    InstancesDistribution: distributionSchema.optional(),
  }).optional(),
});

export type LiveGroupSettings = z.infer<typeof settingsSchema>;

/**
 * The group's settings as AWS has them; undefined when the group is gone or its description does not have the
 * shape we rely on (the caller then writes everything, which converges either way).
 */
export async function readGroupSettings(clients: AwsClients, name: string, signal?: AbortSignal): Promise<LiveGroupSettings | undefined> {
  const out = await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }), { abortSignal: signal });
  const raw = (out.AutoScalingGroups ?? []).find((group) => group.AutoScalingGroupName === name);
  const parsed = settingsSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** What ensureGroup writes to the group, in UpdateAutoScalingGroup's words. */
export interface WantedGroupSettings {
  AutoScalingGroupName: string;
  MinSize: number;
  MaxSize: number;
  DesiredCapacity: number;
  VPCZoneIdentifier: string;
  MixedInstancesPolicy: MixedInstancesPolicy;
  CapacityRebalance: boolean;
  HealthCheckGracePeriod: number;
}

/** AWS's values for distribution fields a description leaves out (EC2 Auto Scaling API reference, InstancesDistribution). */
const DISTRIBUTION_DEFAULTS: Required<Pick<InstancesDistribution, 'OnDemandAllocationStrategy' | 'OnDemandBaseCapacity' | 'OnDemandPercentageAboveBaseCapacity' | 'SpotAllocationStrategy'>> = {
  OnDemandAllocationStrategy: 'prioritized', OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 100, SpotAllocationStrategy: 'lowest-price',
};

function subnetSet(zoneIdentifier: string | undefined): string[] {
  return [...new Set((zoneIdentifier ?? '').split(',').map((s) => s.trim()).filter(Boolean))].sort();
}

function samePolicy(live: LiveGroupSettings['MixedInstancesPolicy'], wanted: MixedInstancesPolicy): boolean {
  const spec = wanted.LaunchTemplate?.LaunchTemplateSpecification;
  const liveSpec = live?.LaunchTemplate?.LaunchTemplateSpecification;
  if (!liveSpec || liveSpec.LaunchTemplateId !== spec?.LaunchTemplateId || liveSpec.Version !== spec?.Version) return false;
  // Order matters: on-demand "prioritized" launches the first type it can.
  const liveTypes = (live?.LaunchTemplate?.Overrides ?? []).map((o) => (o.WeightedCapacity ?? o.LaunchTemplateSpecification ?? o.InstanceRequirements) === undefined ? o.InstanceType : undefined);
  if (!sameData(liveTypes, (wanted.LaunchTemplate?.Overrides ?? []).map((o) => o.InstanceType))) return false;
  // Only the fields we set are compared; a field left out of the answer has AWS's default value.
  const liveDistribution = { ...DISTRIBUTION_DEFAULTS, ...stripUndefined(live?.InstancesDistribution ?? {}) };
  return Object.entries(wanted.InstancesDistribution ?? {}).every(([key, value]) => value === undefined || liveDistribution[key as keyof typeof liveDistribution] === value);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The part of `wanted` that differs from the live group (empty: nothing to write), and the settings' names for
 * the step's detail. Without a live description everything is written.
 */
export function groupUpdate(live: LiveGroupSettings | undefined, wanted: WantedGroupSettings): { update: Partial<WantedGroupSettings>; changed: string[] } {
  if (!live) {
    const { MinSize, MaxSize, DesiredCapacity, VPCZoneIdentifier, MixedInstancesPolicy, CapacityRebalance, HealthCheckGracePeriod } = wanted;
    return { update: { MinSize, MaxSize, DesiredCapacity, VPCZoneIdentifier, MixedInstancesPolicy, CapacityRebalance, HealthCheckGracePeriod }, changed: ['every setting (the group could not be read)'] };
  }
  const update: Partial<WantedGroupSettings> = {};
  const changed: string[] = [];
  const differs = <K extends keyof WantedGroupSettings>(key: K, what: string, same: boolean): void => {
    if (same) return;
    update[key] = wanted[key];
    changed.push(what);
  };
  // Min, max and desired go together: AWS checks min ≤ desired ≤ max against the values after the update.
  const sizes = live.MinSize === wanted.MinSize && live.MaxSize === wanted.MaxSize && live.DesiredCapacity === wanted.DesiredCapacity;
  differs('MinSize', 'size', sizes);
  differs('MaxSize', 'size', sizes);
  differs('DesiredCapacity', 'size', sizes);
  differs('VPCZoneIdentifier', 'subnets', sameData(subnetSet(live.VPCZoneIdentifier), subnetSet(wanted.VPCZoneIdentifier)));
  differs('MixedInstancesPolicy', 'launch template, instance types or market', samePolicy(live.MixedInstancesPolicy, wanted.MixedInstancesPolicy));
  differs('CapacityRebalance', 'capacity rebalancing', (live.CapacityRebalance ?? false) === wanted.CapacityRebalance);
  differs('HealthCheckGracePeriod', 'health check grace period', live.HealthCheckGracePeriod === wanted.HealthCheckGracePeriod);
  return { update, changed: [...new Set(changed)] };
}

/** The target groups to attach (wanted, missing) and to detach (an older target group of the stack's name). */
export function targetGroupChanges(live: LiveGroupSettings | undefined, wanted: string | undefined, ourName: string): { attach: string[]; detach: string[] } {
  const held = live?.TargetGroupARNs ?? [];
  return {
    // Attaching an attached target group is a no-op in AWS, so an unreadable group gets it too.
    attach: wanted && !held.includes(wanted) ? [wanted] : [],
    // Only ours under an older ARN (the target group was made anew): anything else attached is not the stack's to remove.
    detach: held.filter((arn) => arn !== wanted && arn.includes(`:targetgroup/${ourName}/`)),
  };
}
