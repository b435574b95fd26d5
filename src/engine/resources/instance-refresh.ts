import {
  CancelInstanceRefreshCommand, DescribeInstanceRefreshesCommand, StartInstanceRefreshCommand,
  type DesiredConfiguration,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { StepContext } from '../context';
import { awsErrorCode } from '../aws/classify';
import { cancelled, GeuseError } from '../errors';
import { isGpuTier } from '../tiers';
import { pollUntil } from '../wait';
import { describeGroup, groupName, type GroupInstance, type GroupView } from './group-view';
import type { TemplateRef } from './launch-template';

type Market = 'spot' | 'on-demand';

/**
 * Replacing the stack's instance when what it runs changed (instance type, interchangeable types, AMI, root
 * volume, market): an EC2 Auto Scaling instance refresh that launches the new instance before it terminates the
 * old one (the group is a group of one), waited for with progress. The refresh id is journaled in the
 * `auto-scaling-group` record (attrs.refreshId, refreshReason, refreshReplacing, refreshStartedAt) the moment
 * AWS gives it, and cleared when the refresh has ended, so a resumed deploy waits on it instead of starting another.
 */

export interface RefreshInput {
  /** The launch template version with the new settings (already written). */
  template: TemplateRef;
  /** The group's interchangeable types, the chosen one first. */
  instanceTypes: string[];
  /** Why, in plain words ("instance type t3.xlarge → t3.2xlarge"): journaled, and in the note at the end. */
  reason: string;
  /**
   * The market the instance should run in, when it may have changed. AWS's skip matching compares only the
   * template version and the types, so an instance in the other market is replaced with skip matching off.
   */
  market?: Market;
  /**
   * Instances EC2 shows to differ in ways the template version cannot tell (IMDS loosened by hand, another AMI
   * launched from the same version): replaced whatever AWS's matching says, with skip matching off.
   */
  replace?: readonly string[];
}

/** The instance the group runs after the refresh, as EC2 describes it. */
export interface RefreshedInstance {
  id: string;
  instanceType: string;
  market: Market;
  imageId: string;
  zone: string;
}

export interface RefreshResult {
  /** Absent when nothing needed replacing (no refresh was started). */
  refreshId?: string;
  /** AWS's final status ("Successful"), or "NotNeeded". */
  status: string;
  /** The instances the refresh replaced (terminated by it). */
  oldInstanceIds: string[];
  newInstanceId: string;
  instance: RefreshedInstance;
}

/** An instance of the group with the launch template version it was launched from (DescribeAutoScalingGroups gives it). */
export type LaunchedInstance = GroupInstance;

export interface NeedingRefresh {
  id: string;
  /** What differs, for people ("launched from version 3, not 4"). */
  why: string;
  /** It runs in the other market (AWS's skip matching would keep it). */
  wrongMarket: boolean;
}

/** Statuses in which a refresh is still going (it blocks another: StartInstanceRefresh answers InstanceRefreshInProgress). */
const ACTIVE = new Set(['Pending', 'InProgress', 'Cancelling', 'Baking', 'RollbackInProgress']);

/**
 * The in-service instances that do not run what the template version and types say: launched from another
 * template or version, of a type not in the list, or (when `market` is given) in the other market. An instance
 * whose launch template AWS does not report counts as needing it; AWS's skip matching then decides.
 */
export function instancesNeedingRefresh(
  group: { instances: readonly LaunchedInstance[] },
  template: TemplateRef,
  instanceTypes: readonly string[],
  market?: { wanted: Market; of: ReadonlyMap<string, Market> },
): NeedingRefresh[] {
  return group.instances.filter((i) => i.lifecycle === 'InService').flatMap((instance) => {
    const why: string[] = [];
    const launched = instance.launchTemplate;
    if (launched?.id !== template.id) why.push(launched?.id ? `launched from template ${launched.id}, not ${template.id}` : 'its launch template is not known');
    else if (launched.version !== template.version) why.push(`launched from version ${launched.version ?? 'unknown'}, not ${template.version}`);
    if (!instance.instanceType || !instanceTypes.includes(instance.instanceType)) why.push(`runs ${instance.instanceType ?? 'an unknown type'}, not ${instanceTypes.join(' or ')}`);
    const runs = market?.of.get(instance.id);
    const wrongMarket = market !== undefined && runs !== undefined && runs !== market.wanted;
    if (wrongMarket) why.push(`runs ${runs}, not ${market.wanted}`);
    return why.length > 0 ? [{ id: instance.id, why: why.join('; '), wrongMarket }] : [];
  });
}

/**
 * How long AWS waits after a new instance is in service before it counts as replaced and the old one is
 * terminated: the bootstrap's worst case (images and models download first), as the group's health check grace
 * period (auto-scaling.ts), so the old instance serves until the new one has surely finished booting.
 */
export function refreshWarmupSeconds(config: StepContext['config']): number {
  const bootMinutes = Math.max(config.timeouts.targetHealthyMinutes + 10, isGpuTier(config.tier) ? 45 : 30);
  return bootMinutes * 60;
}

/** The group as the refresh reads it (group-view.ts parses it). */
type RefreshGroup = GroupView;

const specSchema = z.object({ LaunchTemplateId: z.string().optional(), LaunchTemplateName: z.string().optional(), Version: z.string().optional() });

const refreshSchema = z.object({
  InstanceRefreshId: z.string().min(1),
  Status: z.string().min(1),
  StatusReason: z.string().optional(),
  PercentageComplete: z.number().optional(),
  InstancesToUpdate: z.number().optional(),
  DesiredConfiguration: z.object({
    LaunchTemplate: specSchema.optional(),
    MixedInstancesPolicy: z.object({ LaunchTemplate: z.object({ LaunchTemplateSpecification: specSchema.optional() }).optional() }).optional(),
  }).optional(),
});
type Refresh = z.output<typeof refreshSchema>;

const instanceSchema = z.object({
  InstanceId: z.string().min(1),
  InstanceType: z.string().optional(),
  ImageId: z.string().optional(),
  InstanceLifecycle: z.string().optional(),
  Placement: z.object({ AvailabilityZone: z.string().optional() }).optional(),
});

async function readGroup(ctx: StepContext, name: string, signal?: AbortSignal): Promise<RefreshGroup> {
  const group = await describeGroup(ctx.clients, name, signal);
  if (!group) {
    throw new GeuseError({
      code: 'INSTANCE_REFRESH_FAILED', kind: 'not-found', operation: 'autoscaling:DescribeAutoScalingGroups',
      message: `The Auto Scaling group ${name} is not there (or AWS described it in an unexpected shape), so its instance cannot be replaced.`,
      nextStep: 'Run deploy again: it recreates the group with the new settings.',
    });
  }
  return group;
}

function serving(group: RefreshGroup): LaunchedInstance[] {
  return group.instances.filter((i) => i.lifecycle === 'InService' && i.healthy);
}

async function describeInstances(ctx: StepContext, ids: readonly string[], signal?: AbortSignal): Promise<z.output<typeof instanceSchema>[]> {
  if (ids.length === 0) return [];
  const out = await ctx.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [...ids] }), { abortSignal: signal });
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).flatMap((raw) => {
    const parsed = instanceSchema.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
}

function marketOf(instance: z.output<typeof instanceSchema>): Market {
  return instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand';
}

async function describeRefreshes(ctx: StepContext, name: string, ids?: string[], signal?: AbortSignal): Promise<Refresh[]> {
  const out = await ctx.clients.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: name, InstanceRefreshIds: ids }), { abortSignal: signal });
  return (out.InstanceRefreshes ?? []).flatMap((raw) => {
    const parsed = refreshSchema.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Whether a refresh replaces onto this launch template (any version): ours, or one a lost answer of ours started. */
function onTemplate(refresh: Refresh, template: TemplateRef): boolean {
  const desired = refresh.DesiredConfiguration;
  const spec = desired?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification ?? desired?.LaunchTemplate;
  return spec?.LaunchTemplateId === template.id;
}

function journalRefresh(ctx: StepContext, name: string, attrs: { refreshId: string; refreshReason: string; refreshReplacing: string; refreshStartedAt: string }): Promise<void> {
  return ctx.journal.created('auto-scaling-group', 'auto-scaling-group', name, attrs);
}

function clearRefresh(ctx: StepContext, name: string): Promise<void> {
  return journalRefresh(ctx, name, { refreshId: '', refreshReason: '', refreshReplacing: '', refreshStartedAt: '' });
}

function journaledReplacing(ctx: StepContext): string[] {
  return (ctx.journal.record('auto-scaling-group')?.attrs.refreshReplacing ?? '').split(',').filter(Boolean);
}

/** The desired configuration: the group's mixed-instances policy on the new version and types, its market kept. */
function desiredConfiguration(group: RefreshGroup, input: RefreshInput): DesiredConfiguration {
  const spec = { LaunchTemplateId: input.template.id, Version: input.template.version };
  if (!group.mixed) return { LaunchTemplate: spec };
  return {
    MixedInstancesPolicy: {
      LaunchTemplate: { LaunchTemplateSpecification: spec, Overrides: input.instanceTypes.map((type) => ({ InstanceType: type })) },
      ...(group.distribution ? { InstancesDistribution: group.distribution } : {}),
    },
  };
}

function isRefreshInProgress(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code === 'InstanceRefreshInProgress' || code === 'InstanceRefreshInProgressFault';
}

/**
 * A refresh to wait on before deciding anything: the journaled one (still going, or ended well while nobody
 * watched), else any refresh still going on the group (StartInstanceRefresh has no client token: a lost answer
 * leaves one unjournaled, and while one runs AWS refuses another).
 */
async function resumable(ctx: StepContext, name: string): Promise<{ refresh: Refresh; journaled: boolean } | undefined> {
  const id = ctx.journal.record('auto-scaling-group')?.attrs.refreshId;
  if (id) {
    const found = (await describeRefreshes(ctx, name, [id], ctx.report.signal))[0];
    if (found && (ACTIVE.has(found.Status) || found.Status === 'Successful')) return { refresh: found, journaled: true };
    if (found) await ctx.report.note(`An earlier instance refresh ${id} of ${name} ended ${found.Status}${found.StatusReason ? ` (AWS said: ${found.StatusReason})` : ''}; this deploy decides again what to replace.`);
    await clearRefresh(ctx, name);
  }
  const active = (await describeRefreshes(ctx, name, undefined, ctx.report.signal)).find((r) => ACTIVE.has(r.Status));
  return active ? { refresh: active, journaled: false } : undefined;
}

/** Starts the refresh and journals its id at once; a refresh AWS says is already going is waited on instead. */
async function start(ctx: StepContext, group: RefreshGroup, input: RefreshInput, needing: readonly NeedingRefresh[], skipMatching: boolean): Promise<Refresh> {
  let id: string;
  try {
    // No abort signal: once sent, the answer must be heard so the id is journaled.
    const out = await ctx.clients.autoscaling.send(new StartInstanceRefreshCommand({
      AutoScalingGroupName: group.name,
      Strategy: 'Rolling',
      DesiredConfiguration: desiredConfiguration(group, input),
      Preferences: {
        // A group of one, terminate before launch: PostgreSQL's and Qdrant's data directories live on the shared EFS,
        // and their lock files only guard one host, so two instances must never run the stack at the same time.
        MinHealthyPercentage: 0, MaxHealthyPercentage: 100,
        InstanceWarmup: refreshWarmupSeconds(ctx.config),
        SkipMatching: skipMatching,
      },
    }));
    id = z.string().min(1).parse(out.InstanceRefreshId);
  } catch (error) {
    if (!isRefreshInProgress(error)) throw error;
    const active = (await describeRefreshes(ctx, group.name)).find((r) => ACTIVE.has(r.Status));
    if (!active) throw error;
    id = active.InstanceRefreshId;
  }
  await journalRefresh(ctx, group.name, {
    refreshId: id, refreshReason: input.reason, refreshReplacing: needing.map((n) => n.id).join(','), refreshStartedAt: new Date().toISOString(),
  });
  return { InstanceRefreshId: id, Status: 'Pending' };
}

/** "instance refresh 50% — launching i-0abc (t3.2xlarge)": where the refresh is, from the refresh and the group. */
function progressText(refresh: Refresh, group: RefreshGroup | undefined, replacing: readonly string[]): string {
  const percent = `instance refresh ${refresh.PercentageComplete ?? 0}%`;
  if (refresh.Status === 'Cancelling') return `${percent} — cancelling`;
  const fresh = group?.instances.filter((i) => !replacing.includes(i.id)) ?? [];
  const old = group?.instances.filter((i) => replacing.includes(i.id)) ?? [];
  const launching = fresh.find((i) => i.lifecycle.startsWith('Pending'));
  if (launching) return `${percent} — launching ${launching.id} (${launching.instanceType ?? 'type pending'})`;
  const leaving = old.find((i) => i.lifecycle.startsWith('Terminating'));
  if (leaving) return `${percent} — terminating ${leaving.id}`;
  const warming = fresh.find((i) => i.lifecycle === 'InService');
  const keeping = old.find((i) => i.lifecycle === 'InService');
  if (warming && keeping) return `${percent} — ${warming.id} (${warming.instanceType ?? 'type unknown'}) warming up beside ${keeping.id}`;
  if (warming) return `${percent} — ${warming.id} (${warming.instanceType ?? 'type unknown'}) warming up (booting the services on the same data)`;
  return `${percent} — ${refresh.Status === 'Pending' ? 'starting' : refresh.StatusReason ?? refresh.Status}`;
}

/** Cancels on the user's abort: AWS stops the refresh; an instance it already replaced stays replaced (terminate before launch). */
async function cancel(ctx: StepContext, name: string, id: string): Promise<void> {
  try {
    await ctx.clients.autoscaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: name }));
  } catch (error) {
    // Anything but "none running" leaves the id journaled, so the next deploy finds the refresh and waits on it.
    if (!/^ActiveInstanceRefreshNotFound/.test(awsErrorCode(error) ?? '')) return;
    await clearRefresh(ctx, name);
    return;
  }
  await clearRefresh(ctx, name);
  await ctx.report.note(`Cancelled the instance refresh ${id} of ${name}: AWS replaces no further instance; one it already replaced stays replaced (the group keeps one instance running), and the next deploy finishes the change.`);
}

async function waitFor(ctx: StepContext, name: string, refresh: Refresh, cancellable: boolean): Promise<Refresh> {
  const id = refresh.InstanceRefreshId;
  const replacing = journaledReplacing(ctx);
  const signal = ctx.report.signal;
  const what = `the instance refresh ${id} of ${name}`;
  const launchMs = ctx.timing.instanceRunningTimeoutMs;
  const warmupMs = ctx.timing.targetHealthyTimeoutMs ?? refreshWarmupSeconds(ctx.config) * 1000;
  try {
    if (signal?.aborted) throw cancelled();
    return await pollUntil(async () => {
      const now = (await describeRefreshes(ctx, name, [id], signal))[0];
      if (!now) {
        throw new GeuseError({
          code: 'INSTANCE_REFRESH_FAILED', kind: 'not-found', operation: 'autoscaling:DescribeInstanceRefreshes',
          message: `AWS no longer lists ${what}.`, nextStep: 'Run deploy again; it checks which instance runs the new settings and replaces it if needed.',
        });
      }
      if (!ACTIVE.has(now.Status)) return now;
      ctx.report.waiting(progressText(now, await readGroup(ctx, name, signal).catch(() => undefined), replacing));
      return undefined;
    }, {
      what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: launchMs + warmupMs + ctx.timing.instanceTerminatedTimeoutMs, signal,
      timeoutNextStep: `The refresh keeps going in AWS and the old instance serves until it ends. Run deploy again to keep waiting on it (its id is in the state).`,
    });
  } catch (error) {
    if (!signal?.aborted) throw error;
    if (cancellable) await cancel(ctx, name, id);
    throw cancelled();
  }
}

function refreshFailed(ctx: StepContext, name: string, refresh: Refresh, group: RefreshGroup, input: RefreshInput): GeuseError {
  const left = serving(group);
  const said = refresh.StatusReason ? ` AWS said: ${refresh.StatusReason}` : '';
  const still = left.length > 0
    ? `The instance ${left.map((i) => `${i.id} (${i.instanceType ?? 'type unknown'})`).join(', ')} serves the stack on its previous settings (the group launched it from the version it had)`
    : `No instance is in service in ${name} right now`;
  return new GeuseError({
    code: 'INSTANCE_REFRESH_FAILED', kind: refresh.Status === 'Cancelled' ? 'conflict' : 'unknown', operation: 'autoscaling:StartInstanceRefresh',
    message: `The instance refresh ${refresh.InstanceRefreshId} of ${name} (${input.reason}) ended ${refresh.Status}.${said} ${still}; the new settings are not applied to it.`,
    nextStep: `Look at the group's scaling activities (\`geusemaker show ${ctx.stack}\`), fix what they report (capacity, the AMI, the instance type), then run deploy again: it starts a new instance refresh.`,
  });
}

async function instanceNow(ctx: StepContext, group: RefreshGroup, prefer: (i: LaunchedInstance) => boolean): Promise<RefreshedInstance> {
  const candidates = serving(group);
  const chosen = candidates.find(prefer) ?? candidates[0];
  const described = chosen ? (await describeInstances(ctx, [chosen.id]))[0] : undefined;
  if (!chosen || !described) {
    throw new GeuseError({
      code: 'NO_INSTANCE', kind: 'not-found', operation: 'autoscaling:DescribeAutoScalingGroups',
      message: `The Auto Scaling group ${group.name} has no instance in service${chosen ? ` (EC2 does not describe ${chosen.id})` : ''}.`,
      nextStep: 'Run deploy again: it waits for the group to bring an instance into service.',
    });
  }
  return {
    id: described.InstanceId, instanceType: described.InstanceType ?? chosen.instanceType ?? '', market: marketOf(described),
    imageId: described.ImageId ?? '', zone: described.Placement?.AvailabilityZone ?? chosen.zone ?? '',
  };
}

/**
 * Replaces the group's instance(s) that do not run the template version and types through an instance refresh
 * (the old instance goes first: the data on EFS is never open twice), waiting until it ends, with progress. Resumable: a journaled or already running refresh
 * is waited on, never started twice. Throws INSTANCE_REFRESH_FAILED when the refresh fails, is cancelled by
 * someone else or rolls back (naming the instance in service then); on the user's abort it cancels the refresh.
 */
export async function refreshGroupInstance(ctx: StepContext, input: RefreshInput): Promise<RefreshResult> {
  const name = groupName(ctx.stack);
  let started = false;
  // At most: a refresh already going (another's target) to wait out, then our own.
  for (let round = 0; round < 3; round++) {
    const found = started ? undefined : await resumable(ctx, name);
    let refresh = found?.refresh;
    let replacing = journaledReplacing(ctx);
    if (!refresh) {
      const before = await readGroup(ctx, name, ctx.report.signal);
      const markets = input.market
        ? new Map((await describeInstances(ctx, serving(before).map((i) => i.id), ctx.report.signal)).map((i) => [i.InstanceId, marketOf(i)] as const))
        : undefined;
      const matched = instancesNeedingRefresh(before, input.template, input.instanceTypes, input.market && markets ? { wanted: input.market, of: markets } : undefined);
      const forced = serving(before).filter((i) => input.replace?.includes(i.id) && !matched.some((n) => n.id === i.id))
        .map((i) => ({ id: i.id, why: input.reason, wrongMarket: false }));
      const needing = [...matched, ...forced];
      if (needing.length === 0) {
        const instance = await instanceNow(ctx, before, () => true);
        return { status: 'NotNeeded', oldInstanceIds: [], newInstanceId: instance.id, instance };
      }
      if (ctx.report.signal?.aborted) throw cancelled();
      // AWS's skip matching ignores the market: an instance in the wrong one must be replaced regardless.
      const skipMatching = forced.length === 0 && !needing.some((n) => n.wrongMarket);
      ctx.report.waiting(`instance refresh of ${name}: replacing ${needing.map((n) => `${n.id} (${n.why})`).join(', ')}`);
      refresh = await start(ctx, before, input, needing, skipMatching);
      replacing = needing.map((n) => n.id);
      started = true;
    } else if (!found?.journaled) {
      // Found going but not journaled (a lost answer of ours, or another's): journaled now, so a crash resumes on it.
      const now = await readGroup(ctx, name, ctx.report.signal);
      // Terminate before launch: the recorded instance may already be gone, and was what this refresh replaces.
      const recorded = ctx.journal.record('instance');
      const gone = recorded?.status === 'created' && recorded.id && !serving(now).some((i) => i.id === recorded.id) ? [recorded.id] : [];
      replacing = [...new Set([...instancesNeedingRefresh(now, input.template, input.instanceTypes).map((n) => n.id), ...gone])];
      await journalRefresh(ctx, name, {
        refreshId: refresh.InstanceRefreshId, refreshReason: input.reason, refreshReplacing: replacing.join(','), refreshStartedAt: new Date().toISOString(),
      });
    }
    const ours = started || found?.journaled === true || onTemplate(refresh, input.template);
    const wasCancelling = refresh.Status === 'Cancelling';
    const ended = ACTIVE.has(refresh.Status) ? await waitFor(ctx, name, refresh, ours) : refresh;
    const after = await readGroup(ctx, name, ctx.report.signal);
    if (ended.Status !== 'Successful') {
      // A cancel an earlier abort asked for has finished: decide again, with nothing running now.
      if (wasCancelling && ended.Status === 'Cancelled') {
        await clearRefresh(ctx, name);
        continue;
      }
      await clearRefresh(ctx, name);
      throw refreshFailed(ctx, name, ended, after, input);
    }
    await clearRefresh(ctx, name);
    // Another's refresh (other template or version) may have left ours still to do.
    if (!started && !onTemplate(ended, input.template) && instancesNeedingRefresh(after, input.template, input.instanceTypes).length > 0) continue;
    const instance = await instanceNow(ctx, after, (i) => !replacing.includes(i.id));
    const gone = replacing.filter((id) => id !== instance.id);
    if (gone.length > 0) await ctx.journal.computeEnded(gone);
    await ctx.report.note(gone.length > 0
      ? `Replaced ${gone.join(', ')} with ${instance.id} (${instance.instanceType}, ${instance.market}) through instance refresh ${ended.InstanceRefreshId}: ${input.reason}. The old one was terminated before the new one started, so the databases on EFS were never open on two instances.`
      : `Instance refresh ${ended.InstanceRefreshId} ended ${ended.Status}; ${instance.id} (${instance.instanceType}, ${instance.market}) runs the new settings (${input.reason}).`);
    return { refreshId: ended.InstanceRefreshId, status: ended.Status, oldInstanceIds: gone, newInstanceId: instance.id, instance };
  }
  throw new GeuseError({
    code: 'INSTANCE_REFRESH_FAILED', kind: 'conflict', operation: 'autoscaling:StartInstanceRefresh',
    message: `Instance refreshes of ${name} kept being started by something else; this deploy did not start its own.`,
    nextStep: 'Wait until no instance refresh runs on the group (EC2 console → Auto Scaling Groups → Instance refresh), then run deploy again.',
  });
}
