import {
  AttachLoadBalancerTargetGroupsCommand, CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand, DetachLoadBalancerTargetGroupsCommand,
  UpdateAutoScalingGroupCommand, type MixedInstancesPolicy,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import type { StepContext } from '../context';
import { awsErrorCode, isNotFound } from '../aws/classify';
import { GeuseError, refused } from '../errors';
import { stackTags } from '../stack/naming';
import { isGpuTier } from '../tiers';
import { pollUntil, sleep } from '../wait';
import { openRuns, reconcileRuns } from '../cost/runs';
import { sightInstances, type InstanceSighting } from '../live';
import { replacementReason } from '../compute-live';
import { ensureResource, onceOf, type Found } from './ensure';
import {
  describeGroup, groupName, inService, isCapacityFailure, scalingActivities, type GroupView, type ScalingActivity,
} from './group-view';
import type { TemplateRef } from './launch-template';
import { applyOnce } from './once';
import { groupUpdate, readGroupSettings, targetGroupChanges, type WantedGroupSettings } from './compare-group';
import { targetGroupName } from './load-balancer';
import type { TeardownContext } from './teardown';
import type { Subnet, WithId } from './network';

type Market = 'spot' | 'on-demand';

/** What the group is made of, from the steps before it. */
export interface GroupInputs {
  template: TemplateRef;
  subnets: readonly Subnet[];
  /** Load-balanced tiers: the group registers each instance it launches here. */
  targetGroupArn?: string;
}

/**
 * Longer than the bootstrap's worst case (images and models download first), so the group never replaces an
 * instance that is still booting.
 */
function gracePeriodSeconds(ctx: Pick<StepContext, 'config'>): number {
  const bootMinutes = Math.max(ctx.config.timeouts.targetHealthyMinutes + 10, isGpuTier(ctx.config.tier) ? 45 : 30);
  return bootMinutes * 60;
}

export function mixedPolicy(template: TemplateRef, instanceTypes: readonly string[], market: Market): MixedInstancesPolicy {
  return {
    LaunchTemplate: {
      LaunchTemplateSpecification: { LaunchTemplateId: template.id, Version: template.version },
      Overrides: instanceTypes.map((type) => ({ InstanceType: type })),
    },
    InstancesDistribution: market === 'spot'
      // price-capacity-optimized: the pools least likely to be taken back, at a low price (AWS's recommendation).
      ? { OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 0, SpotAllocationStrategy: 'price-capacity-optimized' }
      : { OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 100, OnDemandAllocationStrategy: 'prioritized' },
  };
}

/** The group's settings for this deploy; the same call shape creates and updates it, so a redeploy converges. */
function groupSettings(ctx: StepContext, inputs: GroupInputs): WantedGroupSettings {
  const market = ctx.config.market;
  return {
    AutoScalingGroupName: groupName(ctx.stack),
    MinSize: 1, MaxSize: 1, DesiredCapacity: 1,
    VPCZoneIdentifier: inputs.subnets.map((s) => s.id).join(','),
    MixedInstancesPolicy: mixedPolicy(inputs.template, instanceTypesOf(ctx), market),
    // Capacity Rebalancing launches a replacement when AWS warns a spot instance is at risk, before it is taken.
    CapacityRebalance: market === 'spot',
    HealthCheckGracePeriod: gracePeriodSeconds(ctx),
  };
}

function instanceTypesOf(ctx: Pick<StepContext, 'config' | 'facts'>): string[] {
  return ctx.facts.instanceTypes && ctx.facts.instanceTypes.length > 0 ? [...ctx.facts.instanceTypes] : [ctx.config.instanceType];
}

function ours(ctx: StepContext, group: GroupView): boolean {
  return group.stackId === ctx.stackId;
}

function notOurs(ctx: StepContext, group: GroupView): GeuseError {
  return refused('NAME_TAKEN', `An Auto Scaling group named ${group.name} exists in ${ctx.clients.region} and is not this stack's (${group.stackId ? `it belongs to stack id ${group.stackId}` : 'it carries no GeuseMaker stack id'}).`,
    'Deploy under another stack name, or delete that group if you know it is unused.');
}

/**
 * The stack's group of one: created on the first deploy (tagged, the target group attached), brought to these
 * settings and to one instance on every later one (a resume is desired 0 → 1).
 */
async function ensureGroup(ctx: StepContext, inputs: GroupInputs): Promise<{ outcome: 'created' | 'reused' }> {
  const name = groupName(ctx.stack);
  // A group that fell back to on-demand goes back to the config's market (the plan says so); its instance stays until replaced.
  const market = ctx.config.market;
  const settings = groupSettings(ctx, inputs);
  const lookUp = async (): Promise<Found | undefined> => {
    const group = await describeGroup(ctx.clients, name);
    if (!group || group.status === 'Delete in progress') return undefined;
    if (!ours(ctx, group)) throw notOurs(ctx, group);
    return { id: group.name };
  };
  const { outcome } = await ensureResource(ctx, {
    key: 'auto-scaling-group', kind: 'auto-scaling-group',
    describe: lookUp,
    findOrphan: lookUp,
    create: async () => {
      await untilProfileVisible(ctx, () => ctx.clients.autoscaling.send(new CreateAutoScalingGroupCommand({
        ...settings,
        HealthCheckType: 'EC2',
        ...(inputs.targetGroupArn ? { TargetGroupARNs: [inputs.targetGroupArn] } : {}),
        // The group's own tags (instances get theirs from the launch template).
        Tags: stackTags(ctx, 'auto-scaling-group', name).map((tag) => ({ ...tag, PropagateAtLaunch: false })),
      })));
      return { id: name };
    },
  });
  if (outcome === 'reused') await convergeGroup(ctx, settings, inputs.targetGroupArn);
  await ctx.journal.created('auto-scaling-group', 'auto-scaling-group', name, {
    market, instanceTypes: instanceTypesOf(ctx).join(','), launchTemplateVersion: inputs.template.version, fallbackAt: '',
  });
  return { outcome };
}

/**
 * A reused group is read first and given only the settings that differ (none on an unchanged redeploy), and the
 * stack's target group if it lacks it (a target group made anew replaces the older one of the same name).
 */
async function convergeGroup(ctx: StepContext, settings: WantedGroupSettings, targetGroupArn: string | undefined): Promise<void> {
  const name = settings.AutoScalingGroupName;
  const live = await readGroupSettings(ctx.clients, name, ctx.report.signal);
  const { update } = groupUpdate(live, settings);
  if (Object.keys(update).length > 0) await ctx.clients.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, ...update }));
  const { attach, detach } = targetGroupChanges(live, targetGroupArn, targetGroupName(ctx.stack));
  const attached = async (): Promise<string[]> => (await readGroupSettings(ctx.clients, name, ctx.report.signal))?.TargetGroupARNs ?? [];
  if (attach.length > 0) {
    await applyOnce(onceOf(ctx), {
      send: () => ctx.clients.autoscaling.send(new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: attach })),
      isDone: async () => {
        const held = await attached();
        return attach.every((arn) => held.includes(arn));
      },
    });
  }
  if (detach.length > 0) {
    try {
      await ctx.clients.autoscaling.send(new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: detach }));
    } catch (error) {
      // A repeat of a detach whose answer was lost: nothing is attached any more.
      if (!isNotFound(error)) throw error;
    }
  }
}

/**
 * A new instance profile is not visible to EC2 for a few seconds (AWS-REALITY.md): the group refuses a launch
 * template naming it ("Invalid IAM Instance Profile name"). Retried until it is, within the propagation timeout.
 */
export async function untilProfileVisible<T>(ctx: StepContext, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ctx.timing.profilePropagationTimeoutMs;
  let delay = Math.max(10, ctx.timing.pollIntervalMs / 2);
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const propagation = awsErrorCode(error) === 'ValidationError' && /iam instance profile/i.test(String((error as Error).message));
      if (!propagation || Date.now() > deadline) throw error;
      ctx.report.waiting('the new IAM instance profile to propagate');
      await sleep(delay, ctx.report.signal);
      delay = Math.min(delay * 2, ctx.timing.pollIntervalMs * 4);
    }
  }
}

async function describeInstance(ctx: StepContext, id: string): Promise<Instance | undefined> {
  try {
    return (await ctx.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Switches a spot group to on-demand after spot capacity failed; recorded so show and the next deploy know. */
async function fallBackToOnDemand(ctx: StepContext, inputs: GroupInputs, failures: readonly ScalingActivity[]): Promise<void> {
  await ctx.clients.autoscaling.send(new UpdateAutoScalingGroupCommand({
    AutoScalingGroupName: groupName(ctx.stack), MixedInstancesPolicy: mixedPolicy(inputs.template, instanceTypesOf(ctx), 'on-demand'), CapacityRebalance: false,
  }));
  const at = new Date().toISOString();
  await ctx.journal.created('auto-scaling-group', 'auto-scaling-group', groupName(ctx.stack), { market: 'on-demand', fallbackAt: at });
  const why = failures[0]?.message ?? failures[0]?.description ?? 'no spot capacity';
  await ctx.report.note(`No spot capacity for ${instanceTypesOf(ctx).join(', ')} (${why}); the group switched to on-demand at ${at} because on-demand fallback is allowed. The next deploy sets it back to spot.`);
}

function noCapacity(ctx: StepContext, failures: readonly ScalingActivity[]): GeuseError {
  const why = failures.map((f) => f.message ?? f.description).filter(Boolean).slice(0, 2).join('; ');
  return new GeuseError({
    code: 'NO_CAPACITY', kind: 'capacity', operation: 'autoscaling:CreateAutoScalingGroup',
    message: `AWS has no ${ctx.config.market} capacity for ${instanceTypesOf(ctx).join(', ')} in this stack's AZs right now (${why}). No instance is running: the group is kept at 0 instances, and the rest of the stack is in place.`,
    nextStep: ctx.config.market === 'spot' && !ctx.config.onDemandFallback
      ? 'Allow on-demand fallback (onDemandFallback: true), add interchangeable types (instanceTypes), or wait; then run deploy again. Destroy removes the rest.'
      : 'Add interchangeable types (instanceTypes), choose another region, or wait; then run deploy again. Destroy removes the rest.',
  });
}

/**
 * Waits until the group has an instance in service. Launch failures reach us only as scaling activities: spot
 * capacity failures switch the group to on-demand when that is allowed, and fail the deploy otherwise.
 */
async function waitInService(ctx: StepContext, inputs: GroupInputs, since: string): Promise<string> {
  const name = groupName(ctx.stack);
  let fellBack = ctx.config.market === 'on-demand';
  const what = `the Auto Scaling group ${name} to launch an instance`;
  const found = await pollUntil(async () => {
    const group = await describeGroup(ctx.clients, name);
    const instance = group && inService(group);
    if (instance) return instance.id;
    const failures = (await scalingActivities(ctx.clients, name, ctx.report.signal)).filter((a) => (a.startedAt ?? since) >= since && isCapacityFailure(a));
    if (failures.length > 0) {
      if (!fellBack && ctx.config.market === 'spot' && ctx.config.onDemandFallback) {
        await fallBackToOnDemand(ctx, inputs, failures);
        fellBack = true;
        since = new Date().toISOString();
      } else {
        // Nothing may start billing later by surprise: the group waits at 0 until the next deploy asks again.
        await scaleToZero({ clients: ctx.clients, timing: ctx.timing, signal: ctx.report.signal, waiting: ctx.report.waiting }, name);
        throw noCapacity(ctx, failures);
      }
    }
    const pending = group?.instances.find((i) => i.lifecycle.startsWith('Pending'));
    ctx.report.waiting(pending ? `instance ${pending.id} (${pending.instanceType ?? 'type pending'}, ${pending.zone ?? ''}) to come into service` : what);
    return undefined;
  }, { what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.instanceRunningTimeoutMs, signal: ctx.report.signal });
  return found;
}

/** Ends the recorded runs of instances that are gone, at the time EC2 says (two open runs would both accrue). */
async function closeGoneRuns(ctx: StepContext): Promise<void> {
  const open = openRuns(ctx.journal.state);
  if (open.length === 0) return;
  // Bookkeeping must never fail a deploy: when EC2 cannot be asked, the runs stay open until the next look.
  const sightings = await sightInstances(ctx.clients, open.map((run) => run.instanceId), ctx.report.signal).catch(() => undefined);
  if (!sightings) return;
  const now = new Date();
  const before = new Set(open.map((run) => run.instanceId));
  await ctx.journal.update((state) => {
    state.compute = reconcileRuns(state, sightings, now);
  });
  for (const run of ctx.journal.state.compute) {
    if (!before.has(run.instanceId) || !run.endedAt) continue;
    const seen = sightings.get(run.instanceId);
    await ctx.report.note(`Instance ${run.instanceId} is gone (${seen ? `EC2 says ${seen.state}` : 'EC2 no longer knows it'}); its running time is counted until ${run.endedAt}.`);
  }
}

/** The instance record before this deploy, when it is a single instance from before the group (to migrate). */
function standaloneInstance(ctx: StepContext): string | undefined {
  const record = ctx.journal.record('instance');
  if (record?.status !== 'created' || !record.id || record.attrs.group) return undefined;
  return record.id;
}

/** Records a replacement the group made while nobody watched (an interruption), with AWS's reason. */
async function noteReplacement(ctx: StepContext, previousId: string, current: Instance): Promise<void> {
  const [activities, sightings] = await Promise.all([
    scalingActivities(ctx.clients, groupName(ctx.stack), ctx.report.signal).catch(() => []),
    sightInstances(ctx.clients, [previousId], ctx.report.signal).catch(() => new Map<string, InstanceSighting>()),
  ]);
  const { reason, at } = replacementReason(previousId, activities, sightings);
  await ctx.journal.update((state) => {
    state.replacements = [...state.replacements.slice(-49), {
      at: at ?? current.LaunchTime?.toISOString() ?? new Date().toISOString(),
      oldInstanceId: previousId, newInstanceId: current.InstanceId!, zone: current.Placement?.AvailabilityZone ?? '',
      instanceType: current.InstanceType ?? '', market: current.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand', reason,
    }];
  });
}

/**
 * The group step: the group at one instance on this deploy's launch template, waited for until in service; the
 * instance is journaled as the stack's current one. A stack from before groups keeps its instance until the
 * group's is in service, then that old one is terminated.
 */
export async function ensureGroupInstance(ctx: StepContext, inputs: GroupInputs): Promise<WithId> {
  await closeGoneRuns(ctx);
  const since = new Date(Date.now() - 60_000).toISOString();
  const previous = ctx.journal.record('instance');
  const previousId = previous?.status === 'created' ? previous.id : undefined;
  // An instance from before groups, or one an interrupted migration had still to terminate.
  const migrateFrom = standaloneInstance(ctx) ?? (ctx.journal.record('auto-scaling-group')?.attrs.retiring || undefined);
  const { outcome } = await ensureGroup(ctx, inputs);
  const instanceId = await waitInService(ctx, inputs, since);
  const what = `instance ${instanceId} to be running`;
  const running = await pollUntil(async () => {
    const instance = await describeInstance(ctx, instanceId);
    return instance?.State?.Name === 'running' ? instance : undefined;
  }, { what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.instanceRunningTimeoutMs, signal: ctx.report.signal, onWaiting: () => ctx.report.waiting(what) });
  if (previousId && previousId !== instanceId && !migrateFrom) await noteReplacement(ctx, previousId, running);
  // Written before the instance record changes hands, so a crash in between still retires the old instance.
  if (migrateFrom && migrateFrom !== instanceId) await ctx.journal.created('auto-scaling-group', 'auto-scaling-group', groupName(ctx.stack), { retiring: migrateFrom });
  // What EC2 says the instance is, not what the group was asked for.
  const market = running.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand';
  await ctx.journal.created('instance', 'instance', instanceId, {
    zone: running.Placement?.AvailabilityZone ?? '', market, instanceType: running.InstanceType ?? '', imageId: running.ImageId ?? '',
    publicIp: running.PublicIpAddress ?? '', privateIp: running.PrivateIpAddress ?? '', group: groupName(ctx.stack),
  });
  await ctx.journal.computeStarted({
    instanceId, instanceType: running.InstanceType ?? ctx.config.instanceType, market,
    zone: running.Placement?.AvailabilityZone ?? '', startedAt: (running.LaunchTime ?? new Date()).toISOString(),
  });
  if (migrateFrom && migrateFrom !== instanceId) await retireStandalone(ctx, migrateFrom);
  return {
    outcome: outcome === 'created' || migrateFrom ? 'created' : 'reused',
    detail: `${instanceId} (${running.InstanceType ?? 'type unknown'}, ${market}, ${running.Placement?.AvailabilityZone ?? ''}) in group ${groupName(ctx.stack)}`,
    id: instanceId,
  };
}

/** The single instance of a stack from before groups: terminated once the group's instance serves (data is on EFS). */
async function retireStandalone(ctx: StepContext, id: string): Promise<void> {
  const { terminateInstances } = await import('./teardown');
  await terminateInstances({ clients: ctx.clients, timing: ctx.timing, signal: ctx.report.signal, waiting: ctx.report.waiting }, [id]);
  await ctx.journal.computeEnded([id]);
  await ctx.journal.created('auto-scaling-group', 'auto-scaling-group', groupName(ctx.stack), { retiring: '' });
  await ctx.report.note(`Moved the stack onto its Auto Scaling group: instance ${id} (launched on its own, before groups) is terminated now that the group's instance is in service; the data stayed on EFS.`);
}

/** Once the stack has been healthy behind its load balancer, the group replaces instances the load balancer finds unhealthy too. */
export async function useLoadBalancerHealth(ctx: StepContext): Promise<void> {
  const name = groupName(ctx.stack);
  const grace = gracePeriodSeconds(ctx);
  // A group that already uses them (every redeploy after the first) is left alone.
  const live = await readGroupSettings(ctx.clients, name, ctx.report.signal);
  const update = {
    ...(live?.HealthCheckType === 'ELB' ? {} : { HealthCheckType: 'ELB' }),
    ...(live?.HealthCheckGracePeriod === grace ? {} : { HealthCheckGracePeriod: grace }),
  };
  if (Object.keys(update).length > 0) await ctx.clients.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, ...update }));
  await ctx.journal.created('auto-scaling-group', 'auto-scaling-group', name, { healthCheck: 'ELB' });
}

/** Pause: the group at 0 (kept with its launch template), waiting until its instances are gone. Returns their ids. */
export async function scaleToZero(ctx: TeardownContext, name: string): Promise<string[]> {
  const group = await describeGroup(ctx.clients, name);
  if (!group) return [];
  const ids = group.instances.map((i) => i.id);
  await applyOnce({ timing: ctx.timing, signal: ctx.signal }, {
    send: () => ctx.clients.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, DesiredCapacity: 0 })),
    isDone: async () => (await describeGroup(ctx.clients, name))?.desired === 0,
  });
  const what = `the Auto Scaling group ${name} to terminate its instance`;
  await pollUntil(async () => ((await describeGroup(ctx.clients, name))?.instances.length ? undefined : true), {
    what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.instanceTerminatedTimeoutMs, signal: ctx.signal, onWaiting: () => ctx.waiting(what),
  });
  if (ids.length > 0) {
    const { terminateInstances } = await import('./teardown');
    // The group stops counting an instance as soon as it starts terminating; wait for EC2 to finish.
    await terminateInstances(ctx, ids);
  }
  return ids;
}

/** Destroy: a forced delete terminates the group's instances; real AWS takes minutes ("Delete in progress"). */
export async function deleteGroups(ctx: TeardownContext, names: readonly string[]): Promise<void> {
  for (const name of names) {
    try {
      await ctx.clients.autoscaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }));
    } catch (error) {
      if (!isNotFound(error) && !/not found/i.test(String((error as Error).message))) throw error;
    }
    const what = `the Auto Scaling group ${name} to be deleted`;
    await pollUntil(async () => ((await describeGroup(ctx.clients, name)) ? undefined : true), {
      what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.instanceTerminatedTimeoutMs, signal: ctx.signal, onWaiting: () => ctx.waiting(what),
    });
  }
}
