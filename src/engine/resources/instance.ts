import { DescribeInstancesCommand, RunInstancesCommand, type Instance, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import type { StepContext } from '../context';
import { awsErrorCode, isNotFound } from '../aws/classify';
import { GeuseError } from '../errors';
import { renderUserData } from '../bootstrap/userdata';
import { pollUntil, sleep } from '../wait';
import { isGpuTier } from '../tiers';
import { ensureResource, retryNotFound, type Found } from './ensure';
import { publicUrlFrom } from './public-url';
import { ownedBy, tagSpec } from './ec2-tags';
import type { Subnet, WithId } from './network';
import { sightInstances } from '../live';
import { openRuns, reconcileRuns } from '../cost/runs';

/** Errors after which another AZ or market may succeed (AWS-REALITY.md: the SDK does not retry these). */
const CAPACITY_CODES = new Set([
  'InsufficientInstanceCapacity', 'InsufficientCapacity', 'UnfulfillableCapacity', 'SpotMaxPriceTooLow',
  'MaxSpotInstanceCountExceeded', 'InsufficientHostCapacity', 'Unsupported',
]);

const LIVE_STATES = new Set(['pending', 'running', 'stopping', 'stopped']);

function isProfilePropagation(error: unknown): boolean {
  return awsErrorCode(error) === 'InvalidParameterValue' && /iam instance profile/i.test(String((error as Error).message));
}

export interface Placement {
  subnetId: string;
  zone: string;
}

/** What the instance is launched with, from the steps before it. */
export interface InstanceInputs {
  /** Where it may go, in order: the stack's subnets (one per AZ on a new network). */
  subnets: readonly Subnet[];
  groupId: string;
  fileSystemId: string;
  profileName: string;
}

async function describeInstance(ctx: StepContext, id: string): Promise<Instance | undefined> {
  try {
    return (await ctx.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function toFound(instance: Instance): Found {
  return {
    id: instance.InstanceId!,
    attrs: {
      zone: instance.Placement?.AvailabilityZone ?? '',
      market: instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
      instanceType: instance.InstanceType ?? '',
      imageId: instance.ImageId ?? '',
    },
  };
}

/**
 * Ends the recorded runs of instances that are gone (a spot interruption, a termination by hand) at the time
 * EC2 says, or when last seen alive once EC2 has forgotten them; marks live ones seen. Two open runs would
 * both accrue in cost to date.
 */
async function closeGoneRuns(ctx: StepContext): Promise<void> {
  const open = openRuns(ctx.journal.state);
  if (open.length === 0) return;
  // Bookkeeping must never fail a deploy: when EC2 cannot be asked, the runs stay open until the next look.
  const sightings = await sightInstances(ctx.clients, open.map((run) => run.instanceId), ctx.report.signal).catch(() => undefined);
  if (!sightings) return;
  const now = new Date();
  const before = new Map(open.map((run) => [run.instanceId, run]));
  await ctx.journal.update((state) => {
    state.compute = reconcileRuns(state, sightings, now);
  });
  for (const run of ctx.journal.state.compute) {
    if (!before.has(run.instanceId) || !run.endedAt) continue;
    const seen = sightings.get(run.instanceId);
    await ctx.report.note(`Instance ${run.instanceId} is gone (${seen ? `EC2 says ${seen.state}` : 'EC2 no longer knows it'}); its running time is counted until ${run.endedAt}.`);
  }
}

function launchInput(ctx: StepContext, inputs: InstanceInputs, placement: Placement, market: 'spot' | 'on-demand', token: string): RunInstancesCommandInput {
  const { fileSystemId: efsId, groupId } = inputs;
  // The OS variant follows the AMI plan.ts resolved; gpu stacks boot a Deep Learning AMI (NVIDIA driver present).
  const userData = renderUserData({
    config: ctx.config, region: ctx.clients.region, fileSystemId: efsId, publicUrl: publicUrlFrom(ctx.config, ctx.journal.state.resources), os: ctx.facts.os ?? 'al2023', architecture: ctx.facts.architecture, gpu: isGpuTier(ctx.config.tier),
  });
  return {
    ImageId: ctx.facts.amiId,
    InstanceType: ctx.config.instanceType as RunInstancesCommandInput['InstanceType'],
    MinCount: 1,
    MaxCount: 1,
    ClientToken: token,
    IamInstanceProfile: { Name: inputs.profileName },
    // A public address lets the SSM agent reach AWS without a NAT gateway; no inbound rule makes it reachable.
    NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: placement.subnetId, Groups: [groupId], AssociatePublicIpAddress: true }],
    // Hop limit 1: the IMDSv2 token's reply dies at the Docker bridge (a second hop), so no container gets the role's credentials.
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
    BlockDeviceMappings: [{
      DeviceName: ctx.facts.rootDeviceName,
      Ebs: { VolumeSize: ctx.facts.rootVolumeGb ?? ctx.config.rootVolumeGb, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
    }],
    ...(market === 'spot'
      ? { InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } } }
      : {}),
    UserData: userData.payload.toString('base64'),
    TagSpecifications: [
      ...tagSpec(ctx, 'instance', 'instance', `gm-${ctx.stack}`),
      ...tagSpec(ctx, 'volume', 'instance-root', `gm-${ctx.stack}-root`),
      ...tagSpec(ctx, 'network-interface', 'instance-eni', `gm-${ctx.stack}-eni`),
    ],
  };
}

/** RunInstances, retrying exactly the "instance profile not visible yet" error a new profile causes. */
async function runWithPropagationRetry(ctx: StepContext, input: RunInstancesCommandInput): Promise<Instance> {
  const deadline = Date.now() + ctx.timing.profilePropagationTimeoutMs;
  let delay = Math.max(10, ctx.timing.pollIntervalMs / 2);
  for (;;) {
    try {
      const out = await retryNotFound(ctx, () => ctx.clients.ec2.send(new RunInstancesCommand(input)));
      return out.Instances![0]!;
    } catch (error) {
      if (!isProfilePropagation(error) || Date.now() > deadline) throw error;
      ctx.report.waiting('the new IAM instance profile to propagate');
      await sleep(delay, ctx.report.signal);
      delay = Math.min(delay * 2, ctx.timing.pollIntervalMs * 4);
    }
  }
}

/** Tries each AZ in the chosen market, then on-demand if allowed; says which fallback was taken. */
async function launchWithFallback(ctx: StepContext, inputs: InstanceInputs, token: string): Promise<Instance> {
  const markets: ('spot' | 'on-demand')[] = ctx.config.market === 'spot' && ctx.config.onDemandFallback ? ['spot', 'on-demand'] : [ctx.config.market];
  const failures: string[] = [];
  let attempt = 0;
  for (const market of markets) {
    for (const placement of inputs.subnets.map((subnet): Placement => ({ subnetId: subnet.id, zone: subnet.zone }))) {
      const attemptToken = `${token}-${attempt++}`.slice(0, 64);
      await ctx.journal.intent('instance', 'instance', attemptToken);
      try {
        const instance = await runWithPropagationRetry(ctx, launchInput(ctx, inputs, placement, market, attemptToken));
        if (failures.length > 0) {
          const fallback = market !== ctx.config.market
            ? `No ${ctx.config.market} capacity (${failures.join('; ')}); launched on-demand in ${placement.zone} because on-demand fallback is allowed.`
            : `${failures.join('; ')}; launched ${market} in ${placement.zone} instead.`;
          await ctx.report.note(fallback);
        }
        return instance;
      } catch (error) {
        const code = awsErrorCode(error);
        if (!code || !CAPACITY_CODES.has(code)) throw error;
        failures.push(`${market} in ${placement.zone}: ${code}`);
      }
    }
  }
  const allowHint = ctx.config.market === 'spot' && !ctx.config.onDemandFallback
    ? 'Allow on-demand fallback (onDemandFallback: true), choose another instance type or region, or try again later.'
    : 'Choose another instance type or region, or try again later.';
  throw new GeuseError({
    code: 'NO_CAPACITY', kind: 'capacity', operation: 'ec2:RunInstances',
    message: `AWS has no capacity for ${ctx.config.instanceType} right now (${failures.join('; ')}). No instance is running; the rest of the stack is in place.`,
    nextStep: `${allowHint} Then run deploy again, or destroy to remove the rest.`,
  });
}

export async function ensureInstance(ctx: StepContext, inputs: InstanceInputs): Promise<WithId> {
  await closeGoneRuns(ctx);
  const baseToken = `gm-${ctx.stack}-${Date.now().toString(36)}`;
  const { found, outcome } = await ensureResource(ctx, {
    key: 'instance', kind: 'instance',
    describe: async (id) => {
      const instance = await describeInstance(ctx, id);
      return instance && LIVE_STATES.has(instance.State?.Name ?? '') ? toFound(instance) : undefined;
    },
    findOrphan: async () => {
      const reservations = (await ctx.clients.ec2.send(new DescribeInstancesCommand({
        Filters: [...ownedBy(ctx, 'instance'), { Name: 'instance-state-name', Values: [...LIVE_STATES] }],
      }))).Reservations ?? [];
      const instance = reservations.flatMap((r) => r.Instances ?? [])[0];
      return instance ? toFound(instance) : undefined;
    },
    create: async () => toFound(await launchWithFallback(ctx, inputs, baseToken)),
  });
  const what = `instance ${found.id} to be running`;
  const running = await pollUntil(async () => {
    const instance = await describeInstance(ctx, found.id);
    const state = instance?.State?.Name;
    if (state === 'terminated' || state === 'shutting-down') {
      throw new GeuseError({
        code: 'INSTANCE_TERMINATED', kind: 'capacity', operation: 'ec2:RunInstances',
        message: `Instance ${found.id} was terminated while starting (${instance?.StateReason?.Message ?? 'no reason given'}).`,
        nextStep: 'Run deploy again to launch a new instance.',
      });
    }
    return state === 'running' ? instance : undefined;
  }, { what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.instanceRunningTimeoutMs, signal: ctx.report.signal, onWaiting: () => ctx.report.waiting(what) });
  await ctx.journal.created('instance', 'instance', found.id, { ...toFound(running!).attrs, publicIp: running?.PublicIpAddress ?? '', privateIp: running?.PrivateIpAddress ?? '' });
  const market = running?.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand';
  await ctx.journal.computeStarted({
    instanceId: found.id, instanceType: running?.InstanceType ?? ctx.config.instanceType, market,
    zone: running?.Placement?.AvailabilityZone ?? '', startedAt: (running?.LaunchTime ?? new Date()).toISOString(),
  });
  // Read back from EC2: a reused instance runs what it was launched as, whatever the config says now.
  return { outcome, detail: `${found.id} (${running?.InstanceType ?? 'type unknown'}, ${market}, ${running?.Placement?.AvailabilityZone ?? ''})`, id: found.id };
}
