import { currentSpotPrices } from '../cost/spot';
import { groupInstanceTypes } from './alternates';
import { DescribeInstanceTypeOfferingsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClients } from '../aws/clients';
import type { QuotaApi } from '../aws/quotas';
import { describeInstanceType, type InstanceTypeFacts } from '../discovery/instance-types';
import { awsErrorCode, classifyAwsError } from '../aws/classify';
import type { PlanFacts } from '../context';
import { GeuseError, invalidInput, refused } from '../errors';
import type { StackConfig } from '../stack/config';
import { isGpuTier } from '../tiers';
import type { StackState } from '../state/schema';
import { sweepStack } from '../resources/sweep';
import { describeForeign, describeOwner, otherStackIds, ownershipOf, splitByOwner, type ForeignResource } from '../resources/ownership';
import { fixedNameConflicts } from './name-preflight';
import { stackSteps, type StepSpec } from './stack-steps';
import { loadBalancerSubnetsOf } from '../resources/load-balancer-network';
import { resolvePins, type PinOverride, type PinResolution } from './pins';
import { testedImages } from '../bootstrap/compose';
import { describeImageChange, imageChanges, renderedServices, type ImageChange } from '../upgrade/images';
import { checkInstanceFamily } from './gpu-families';
import { gpuQuotaPreflight } from './gpu-quota';
import { gpuVcpusInUse } from './gpu-in-use';
import { checkPlanLimits } from './limits';
import { checkInstance } from '../update/instance-check';
import { CHANGE_SYMBOLS, diffStack, wasApplied, type ChangeAction, type StackDiff } from '../update/diff';
import { plannedRemovals, type Removal } from '../update/removals';
import { refuseNetworkChange } from '../update/refusals';
import type { DriftReport } from './drift';

/**
 * use: the user's own network, never created or deleted; wait: a step that only waits for AWS; reuse: a stack
 * not yet applied in full finds what an earlier try made. An applied stack's plan is a diff (update/diff.ts):
 * update in place, replace, delete, unchanged.
 */
export type PlanAction = 'create' | 'reuse' | 'keep' | 'use' | 'wait' | Exclude<ChangeAction, 'create'>;

export const ACTION_SYMBOLS: Record<PlanAction, string> = { ...CHANGE_SYMBOLS, reuse: '=', keep: '=', use: ' ', wait: '…' };

export interface PlanItem {
  step: string;
  title: string;
  action: PlanAction;
  ids: string[];
  note?: string;
}

export interface DeployPlan {
  config: StackConfig;
  facts: PlanFacts;
  items: PlanItem[];
  /** Resources carrying this name that belong to another stack id, when --adopt took them over. */
  adoptedStackId?: string;
  warnings: string[];
  /** What runs beside the stack and what it costs (backups, the budget and its cost allocation tag): facts, not warnings. */
  notes?: string[];
  /** The image the instance boots (or, reused, would boot when next replaced), as DescribeImages names it. */
  ami?: { id: string; name?: string; architecture: string; source: string };
  /** An applied stack's plan as a diff from what is applied and what runs (absent for a new stack). */
  diff?: StackDiff;
  /** What was changed outside GeuseMaker since it was applied (read live); deploy repairs what is listed here only. */
  drift?: DriftReport;
  /** Newer than what the stack is pinned to: the release's tested images and the newest AMI of its family (`geusemaker upgrade`). */
  upgrade?: UpgradeAvailable;
}

/** What `geusemaker upgrade` would move a pinned stack to. */
export interface UpgradeAvailable {
  images: ImageChange[];
  ami?: { from: string; to: string; toName?: string };
}

async function checked<T>(call: () => Promise<T>, profile?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error, { profile });
  }
}

async function resolveInstanceType(clients: AwsClients, config: StackConfig): Promise<InstanceTypeFacts> {
  try {
    const type = await describeInstanceType(clients, config.instanceType);
    if (!type) throw Object.assign(new Error('unknown'), { name: 'InvalidInstanceType' });
    return type;
  } catch (error) {
    if (awsErrorCode(error) === 'InvalidInstanceType') {
      throw invalidInput('CONFIG_INVALID', `instanceType: ${config.instanceType} is not an EC2 instance type in ${config.region}.`,
        'Pick a type such as t3.xlarge or m7i.xlarge (see `aws ec2 describe-instance-types`), then run again.');
    }
    throw classifyAwsError(error, { profile: config.profile });
  }
}

async function offeredZones(clients: AwsClients, config: StackConfig): Promise<string[]> {
  const offerings = await checked(() => clients.ec2.send(new DescribeInstanceTypeOfferingsCommand({
    LocationType: 'availability-zone', Filters: [{ Name: 'instance-type', Values: [config.instanceType] }],
  })), config.profile);
  return [...new Set((offerings.InstanceTypeOfferings ?? []).map((o) => o.Location!).filter(Boolean))].sort();
}

interface SubnetZone {
  id: string;
  zone: string;
}

/** The configured subnets in AZs that offer the type, and the AZ of every configured subnet. */
async function checkExistingNetwork(clients: AwsClients, config: StackConfig, zones: string[]): Promise<{ usable: SubnetZone[]; zoneOf: Map<string, string> }> {
  if (config.network.mode !== 'existing') return { usable: [], zoneOf: new Map() };
  const { vpcId, subnetIds } = config.network;
  try {
    await clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
  } catch (error) {
    if (awsErrorCode(error)?.startsWith('InvalidVpcID')) throw invalidInput('CONFIG_INVALID', `network.vpcId: ${vpcId} does not exist in ${config.region}.`, 'Check the VPC id and region, or use network: { mode: new }.');
    throw classifyAwsError(error, { profile: config.profile });
  }
  let subnets;
  try {
    subnets = (await clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }))).Subnets ?? [];
  } catch (error) {
    if (awsErrorCode(error)?.startsWith('InvalidSubnetID')) throw invalidInput('CONFIG_INVALID', `network.subnetIds: one of ${subnetIds.join(', ')} does not exist in ${config.region}.`, 'Check the subnet ids and region.');
    throw classifyAwsError(error, { profile: config.profile });
  }
  const outside = subnets.filter((s) => s.VpcId !== vpcId).map((s) => s.SubnetId);
  if (outside.length > 0) throw invalidInput('CONFIG_INVALID', `network.subnetIds: ${outside.join(', ')} not in ${vpcId}.`, 'Use subnets of the chosen VPC.');
  const usable = subnets.filter((s) => zones.includes(s.AvailabilityZone ?? '')).map((s) => ({ id: s.SubnetId!, zone: s.AvailabilityZone! }));
  if (usable.length === 0) {
    throw invalidInput('CONFIG_INVALID', `network.subnetIds: none of the subnets is in an AZ that offers ${config.instanceType} (offered in ${zones.join(', ')}).`, 'Add a subnet in one of those AZs or choose another instance type.');
  }
  return { usable, zoneOf: new Map(subnets.map((s) => [s.SubnetId!, s.AvailabilityZone ?? ''])) };
}

/**
 * An ALB sends traffic only to targets in its own AZs: an instance elsewhere stays "unused" (Target.NotInUse).
 * So the instance may go only where the load balancer has a subnet.
 */
function servedByLoadBalancer(config: StackConfig, usable: SubnetZone[], zoneOf: Map<string, string>, loadBalancerSubnets: readonly string[] | undefined): SubnetZone[] {
  if (!loadBalancerSubnets) return usable;
  const served = new Set(loadBalancerSubnets.map((id) => zoneOf.get(id)));
  const kept = usable.filter((s) => served.has(s.zone));
  if (kept.length > 0) return kept;
  const offered = [...new Set(usable.map((s) => s.zone))].sort();
  const lbZones = [...served].filter((z): z is string => Boolean(z)).sort();
  throw invalidInput('CONFIG_INVALID',
    `network.subnetIds: of these subnets' AZs, ${config.instanceType} is offered only in ${offered.join(', ')}, where the load balancer has no public subnet (its subnets are in ${lbZones.join(', ')}), so it could not reach the instance.`,
    `Add a public subnet (route to an internet gateway) in ${offered.join(' or ')} to network.subnetIds, or choose an instance type offered in ${lbZones.join(' or ')}.`);
}

/** A name taken by another stack (adoptable) or by resources that are no stack's (never touched): the safe paths only. */
function nameTaken(config: StackConfig, foreign: readonly ForeignResource[]): GeuseError {
  const untagged = foreign.filter((r) => r.reason === 'untagged');
  const owners = otherStackIds(foreign);
  const listed = describeForeign(foreign, 'left alone').map((line) => `  - ${line}`).join('\n');
  if (untagged.length > 0) {
    return refused('NAME_TAKEN',
      `The stack name "${config.name}" is already used in this AWS account by resources GeuseMaker did not create for this stack, so nothing was created:\n${listed}`,
      `Choose another stack name. If you made ${untagged.map((r) => r.id).join(', ')} yourself and no longer need ${untagged.length === 1 ? 'it' : 'them'}, delete ${untagged.length === 1 ? 'it' : 'them'} by hand first; GeuseMaker never deletes or takes over what it did not create.`);
  }
  return refused('NAME_TAKEN',
    `The stack name "${config.name}" is already used in this AWS account by a stack this machine's state does not know (a deploy from another machine or state folder, or a lost state file), so nothing was created:\n${listed}`,
    owners.length === 1
      ? `If it is yours, take it over with \`geusemaker deploy ${config.name} --adopt\` (its data is kept and reused); otherwise choose another stack name.`
      : `Choose another stack name: ${owners.length} different stacks use this one, so none can be adopted.`);
}

/**
 * Offered AZs with the cheapest current spot price first: a new network's first subnet (where the instance
 * goes first) lands there. Prices are a preference, never a requirement: without them the order is kept.
 */
async function cheapestSpotFirst(clients: AwsClients, instanceType: string, zones: readonly string[]): Promise<string[]> {
  const prices = await currentSpotPrices(clients, instanceType).catch(() => []);
  const rank = (zone: string) => prices.find((p) => p.zone === zone)?.usdPerHour ?? Number.POSITIVE_INFINITY;
  return [...zones].sort((a, b) => rank(a) - rank(b));
}

/**
 * Like Promise.all, but when several checks fail the first in the list is reported, not the fastest:
 * the same config always gets the same answer (a wrong subnet before what it implies for the load balancer).
 */
async function firstFailureInOrder<T extends readonly unknown[]>(checks: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(checks);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

export interface PlanOptions {
  adopt?: boolean;
  /** Service Quotas for the GPU vCPU preflight (injected: moto has no EC2 quotas); without it the check is skipped with a warning. */
  quotas?: QuotaApi;
  /** Render these instead of the stack's pins: an upgrade's target, or the previous pins it rolls back to. */
  pins?: PinOverride;
  /** An upgrade keeps the instance type and replaces terminate-first: it needs no GPU vCPUs beyond what runs. */
  skipGpuQuota?: boolean;
}

/** Read-only: checks the config against the account and says what deploy would create, reuse and keep. */
export async function planDeploy(clients: AwsClients, config: StackConfig, state: StackState | undefined, options: PlanOptions = {}): Promise<DeployPlan> {
  if (state && state.region !== config.region && Object.values(state.resources).some((r) => r.status !== 'deleted')) {
    throw invalidInput('CONFIG_INVALID', `region: stack ${config.name} lives in ${state.region}, but the configuration says ${config.region}.`,
      `Destroy it first (geusemaker destroy ${config.name} --delete-data) or keep region ${state.region}.`);
  }
  if (wasApplied(state)) refuseNetworkChange(state, config);
  const identity = await checked(() => clients.sts.send(new GetCallerIdentityCommand({})), config.profile);
  const [typeFacts, zones] = await Promise.all([resolveInstanceType(clients, config), offeredZones(clients, config)]);
  const { architecture } = typeFacts;
  checkInstanceFamily(config, typeFacts);
  checkPlanLimits(config, { architecture, os: config.os }, state);
  if (zones.length === 0) {
    throw invalidInput('CONFIG_INVALID', `instanceType: ${config.instanceType} is not offered in any AZ of ${config.region}.`,
      `Choose another instance type or region (\`geusemaker prices${isGpuTier(config.tier) ? ' --gpu' : ''} --region <region>\` lists the types a region offers).`);
  }
  if (config.network.mode === 'new' && zones.length < 2) {
    throw invalidInput('CONFIG_INVALID', `instanceType: ${config.instanceType} is offered in ${zones.length} AZ(s) of ${config.region}; a new network needs two.`,
      'Choose an instance type offered more widely, or another region.');
  }
  const warnings: string[] = [];
  if (isGpuTier(config.tier) && !options.skipGpuQuota) {
    if (options.quotas) {
      const inUse = await checked(() => gpuVcpusInUse(clients, config.instanceType, config.name), config.profile);
      warnings.push(...await gpuQuotaPreflight(options.quotas, config, typeFacts.vcpus, inUse));
    } else warnings.push('The GPU vCPU quota was not checked (no Service Quotas access configured).');
  }
  const owner = ownershipOf(state);
  const [pins, network, swept, loadBalancerSubnets, fixedNames] = await firstFailureInOrder([
    // A stack with no instance to keep (destroyed with its data kept, a first deploy) never waits for an upgrade.
    resolvePins(clients, config, state, architecture, options.pins, { newestWhenGone: !wasApplied(state) }),
    checkExistingNetwork(clients, config, zones),
    checked(() => sweepStack(clients, config.name), config.profile),
    loadBalancerSubnetsOf(clients, config),
    checked(() => fixedNameConflicts(clients, config, owner), config.profile),
  ] as const);
  const existingSubnets = servedByLoadBalancer(config, network.usable, network.zoneOf, loadBalancerSubnets);
  const foreign = [...splitByOwner(swept.filter((r) => r.state !== 'terminated'), owner).foreign, ...fixedNames];
  let adoptedStackId: string | undefined;
  if (foreign.length > 0) {
    const ids = otherStackIds(foreign);
    if (!options.adopt || ids.length !== 1 || foreign.some((r) => r.reason === 'untagged')) throw nameTaken(config, foreign);
    adoptedStackId = ids[0];
    warnings.push(`Adopting ${foreign.length} existing resource(s) of ${describeOwner(foreign, adoptedStackId!)}.`);
  }
  const ami = pins.ami;
  const ordered = config.network.mode === 'new' && config.market === 'spot' ? await cheapestSpotFirst(clients, config.instanceType, zones) : zones;
  const facts: PlanFacts = {
    accountId: identity.Account ?? '000000000000', architecture, amiId: ami.amiId, ...(ami.name ? { amiName: ami.name } : {}), rootDeviceName: ami.rootDeviceName, os: ami.os,
    images: pins.images,
    amiSource: `${ami.name ?? ami.amiId} (${ami.source}${ami.via && ami.source !== 'override' ? `: ${ami.via}` : ''})`,
    rootVolumeGb: Math.max(config.rootVolumeGb, ami.rootSnapshotGb ?? 0),
    zones: config.network.mode === 'new' ? ordered.slice(0, 2) : zones, existingSubnets: existingSubnets.length > 0 ? existingSubnets : undefined,
    loadBalancerSubnets,
  };
  if (config.scale) {
    const images = await checked(() => (import('./worker-images')).then((m) => m.workerImages(clients, config, state, facts, isGpuTier(config.tier))), config.profile);
    if (images) facts.workerImages = images;
  }
  const groupZones = facts.existingSubnets ? [...new Set(facts.existingSubnets.map((s) => s.zone))] : facts.zones;
  facts.instanceTypes = await checked(() => groupInstanceTypes(clients, config, groupZones), config.profile);
  const live = adoptedStackId ? undefined : await checkInstance(clients, config, state, facts);
  if (pins.gone) {
    // Nothing new boots from it: refused when this deploy would launch an instance, else said.
    const { what, fix } = pinnedAmiGone(config, pins);
    if (live === undefined || live.differences.some((d) => d.how === 'replace')) {
      throw new GeuseError({ code: 'AMI_NOT_FOUND', kind: 'not-found', message: `${what}, so this deploy could not launch an instance from it; nothing was changed.`, nextStep: fix });
    }
    warnings.push(`${what}: the running instance keeps running, but a replacement (a spot interruption, a failed health check) could not boot from it. ${fix}`);
  }
  if (pins.replacedGone) {
    const gone = pins.replacedGone;
    warnings.push(`The AMI this stack was pinned to, ${gone.amiId}${gone.amiName ? ` (${gone.amiName})` : ''}, no longer exists in ${config.region}: the instance launches from the newest of its family, ${ami.amiId}${ami.name ? ` (${ami.name})` : ''}, which becomes its pin.`);
  }
  const items: PlanItem[] = stackSteps({ config }).map((spec) => planItem(spec, config, facts, state, adoptedStackId));
  const instanceItem = items.find((item) => item.step === 'instance');
  if (instanceItem) instanceItem.note = groupWords(config, facts);
  const fellBackAt = state?.resources['auto-scaling-group']?.attrs.fallbackAt;
  if (fellBackAt && config.market === 'spot') {
    warnings.push(`The group has run on-demand since ${fellBackAt} (no spot capacity then). This deploy sets it back to spot: the running on-demand instance stays until it is next replaced, and if spot is still short, launches fall back to on-demand again${config.onDemandFallback ? '' : ' — no: onDemandFallback is off, so they would fail'}.`);
  }
  const standalone = state?.resources.instance;
  if (standalone?.status === 'created' && standalone.id && !standalone.attrs.group && state?.resources['auto-scaling-group']?.status !== 'created') {
    warnings.push(`Moves the stack onto an Auto Scaling group of one: the group launches a new instance, and once it is in service the old instance ${standalone.id} is terminated. Data stays on EFS; the services are unavailable for the few minutes the new instance boots.`);
  }
  const diff = wasApplied(state) && !adoptedStackId ? diffItems(items, state, config, facts, live?.differences ?? []) : undefined;
  // Bringing a running instance to a new configuration is a change of an applied stack; a new one is launched on it.
  const updateAt = items.findIndex((item) => item.step === 'instance-update');
  if (!diff && updateAt >= 0) items.splice(updateAt, 1);
  // Loaded only here: drift reads every kind's API.
  // A change that stopped part-way is not drift: what it already did is compared against the config it was applying.
  const driftBase = state?.pending ? { ...state, config: state.pending.config } : state;
  const drift = diff && driftBase ? await (await import('./drift')).detectDrift(clients, driftBase) : undefined;
  if (drift && diff) drift.items = drift.items.filter((item) => !diff.removals.some((removal) => removal.key === item.key));
  if (diff && drift && drift.items.length > 0) diff.unchanged = false;
  if (drift) warnings.push(...drift.warnings);
  if (ami.rootSnapshotGb !== undefined && ami.rootSnapshotGb > config.rootVolumeGb) {
    warnings.push(`Root volume raised from ${config.rootVolumeGb} to ${ami.rootSnapshotGb} GiB: the image's root snapshot (${ami.name ?? ami.amiId}) is that large.`);
  }
  if (config.market === 'spot' && !config.onDemandFallback) warnings.push('Spot without on-demand fallback: if AWS has no spot capacity, deploy stops without an instance.');
  const amiFacts = { id: ami.amiId, ...(ami.name ? { name: ami.name } : {}), architecture, source: facts.amiSource ?? ami.source };
  // Only a stack that runs already has something to upgrade (a new one gets the newest).
  const upgrade = state && pins.amiFrom !== 'newest' && !options.pins ? upgradeAvailable(config, state, pins) : undefined;
  if (upgrade) warnings.push(upgradeAdvice(config, upgrade));
  return { config, facts, items, adoptedStackId, warnings, ami: amiFacts, ...(diff ? { diff } : {}), ...(drift ? { drift } : {}), ...(upgrade ? { upgrade } : {}) };
}

/** Newer tested images (of the services the stack runs) and a newer AMI of its family than the pins; undefined when none. */
function upgradeAvailable(config: StackConfig, state: StackState, pins: PinResolution): UpgradeAvailable | undefined {
  const images = imageChanges(pins.images, testedImages(), renderedServices(config, state.resources));
  const newest = pins.newest;
  const ami = pins.amiFrom !== 'config' && newest && newest.amiId !== pins.ami.amiId ? { from: pins.ami.amiId, to: newest.amiId, ...(newest.name ? { toName: newest.name } : {}) } : undefined;
  return images.length > 0 || ami ? { images, ...(ami ? { ami } : {}) } : undefined;
}

function upgradeAdvice(config: StackConfig, upgrade: UpgradeAvailable): string {
  const parts = [
    ...(upgrade.images.length > 0 ? [`images ${upgrade.images.map(describeImageChange).join(', ')}`] : []),
    ...(upgrade.ami ? [`AMI ${upgrade.ami.from} → ${upgrade.ami.to}${upgrade.ami.toName ? ` (${upgrade.ami.toName})` : ''}`] : []),
  ];
  return `Newer versions than this stack is pinned to: ${parts.join('; ')}. Deploy keeps the pinned ones; run \`geusemaker upgrade ${config.name}\` to move to them (a backup first, then health is checked and a failure rolls back).`;
}

/** The pinned AMI was deregistered (nothing new boots from it), and the way out. */
function pinnedAmiGone(config: StackConfig, pins: PinResolution): { what: string; fix: string } {
  const gone = pins.gone!;
  const newest = pins.newest ? ` to ${pins.newest.amiId}${pins.newest.name ? ` (${pins.newest.name})` : ''}` : '';
  return {
    what: `The AMI this stack is pinned to, ${gone.amiId}${gone.amiName ? ` (${gone.amiName})` : ''}, no longer exists in ${config.region} (its publisher deregistered it)`,
    fix: `Run \`geusemaker upgrade ${config.name}\` to move the stack${newest} (a backup first), or set amiId to an image you choose.`,
  };
}

/** The plan's words for the group: its types and market, and what happens when AWS takes the instance back. */
function groupWords(config: StackConfig, facts: PlanFacts): string {
  const types = facts.instanceTypes?.length ? facts.instanceTypes : [config.instanceType];
  const market = config.market === 'spot'
    ? `spot (price-capacity-optimized, Capacity Rebalancing${config.onDemandFallback ? ', on-demand if spot has no capacity' : ''})`
    : 'on-demand';
  return `Auto Scaling group of one: ${types.join(', ')}, ${market}; an interrupted or failed instance is replaced automatically on the same data`;
}

/** What deploy will do for one step, from what the state knows (and what the user's network is). */
function planItem(spec: StepSpec, config: StackConfig, facts: PlanFacts, state: StackState | undefined, adoptedStackId: string | undefined): PlanItem {
  if (spec.id === 'network' && config.network.mode === 'existing') {
    const subnets = facts.existingSubnets?.map((s) => s.id) ?? config.network.subnetIds;
    return { step: spec.id, title: `Existing VPC ${config.network.vpcId} and its subnets`, action: 'use', ids: [config.network.vpcId, ...subnets], note: 'yours: never created or deleted' };
  }
  if (spec.keys.length === 0 && WAIT_STEPS.has(spec.id)) return { step: spec.id, title: spec.title, action: 'wait', ids: [] };
  // The existing network's mount targets are journaled per AZ of the usable subnets.
  const keys = spec.id === 'mount-targets' ? [...new Set((facts.existingSubnets ?? []).map((s) => `mount-target-${s.zone}`))] : spec.keys;
  const records = keys.map((key) => state?.resources[key]).filter((r) => r?.status === 'created' && r.id);
  const allKnown = keys.length > 0 && records.length === keys.length;
  const dataKept = state?.status === 'destroyed' && (spec.id === 'efs' || spec.id === 'secrets');
  return {
    step: spec.id, title: spec.title,
    action: adoptedStackId ? 'reuse' : allKnown ? (dataKept ? 'keep' : 'reuse') : 'create',
    ids: records.map((r) => r!.id!),
    note: dataKept ? 'kept from the last destroy: existing data is reattached' : undefined,
  };
}

/** Steps that create nothing: they wait for AWS (target health, CloudFront's rollout). */
const WAIT_STEPS = new Set(['target-healthy', 'cloudfront-deployed', 'instance-update', 'group-notifications']);

/** Steps whose resources a setting's effect changes in place (beyond the instance, which EC2 is read for). */
const UPDATED_BY: Record<string, readonly string[]> = {
  front: ['sg-instance', 'sg-alb', 'launch-template', 'instance', 'listeners'],
  services: ['launch-template'],
  replace: ['launch-template', 'instance'],
  group: ['instance'],
  notices: ['notify-topic', 'group-notifications'],
  // Queue mode changes the instance's bootstrap (pushed in place) and the pools' templates and groups.
  scale: ['launch-template', 'worker-group-n8n', 'worker-group-ollama'],
};

/**
 * An applied stack's plan items as a diff: what an earlier deploy made is unchanged unless a changed setting
 * updates it, the instance is replaced or updated as EC2's answers say, and what the change takes away is deleted.
 */
function diffItems(items: PlanItem[], state: StackState, config: StackConfig, facts: PlanFacts, instance: StackDiff['instance']): StackDiff {
  const removals: Removal[] = plannedRemovals(state, config, facts);
  // Settings, effects and whether anything differs; the items' own creates are added at the end.
  const probe = diffStack(state, config, instance, removals);
  const touched = new Set(probe.settings.flatMap((change) => UPDATED_BY[change.effect] ?? []));
  const replace = instance.filter((d) => d.how === 'replace');
  for (const item of items) {
    if (item.action !== 'reuse' && item.action !== 'keep') continue;
    item.action = touched.has(item.step) ? 'update' : 'unchanged';
  }
  const update = items.find((item) => item.step === 'instance-update');
  if (update) {
    if (replace.length > 0) {
      update.action = 'replace';
      update.note = `${replace.map((d) => d.text).join('; ')}: an instance refresh replaces ${state.resources.instance?.id ?? 'the instance'}`;
    } else if (instance.some((d) => d.how === 'in-place') || probe.settings.some((c) => c.effect === 'services' || c.effect === 'front' || c.effect === 'scale')) {
      update.action = 'update';
      update.note = `new bootstrap pushed to ${state.resources.instance?.id ?? 'the instance'} over SSM (only changed services restart)`;
    } else update.action = 'unchanged';
  }
  if (replace.length > 0 || instance.length > 0) {
    const template = items.find((item) => item.step === 'launch-template');
    if (template && template.action === 'unchanged') template.action = 'update';
  }
  for (const removal of removals) {
    items.push({ step: `remove-${removal.key}`, title: REMOVAL_TITLES[removal.kind] ?? removal.kind, action: 'delete', ids: [removal.id], note: 'no longer in this configuration; deleted after the rest works' });
  }
  const hasCreates = items.some((item) => item.action === 'create' || item.action === 'update' || item.action === 'replace');
  return { ...probe, unchanged: probe.unchanged && !hasCreates };
}

const REMOVAL_TITLES: Record<string, string> = {
  'load-balancer': 'Application Load Balancer', 'target-group': 'Target group', listener: 'Load balancer listener', 'listener-rule': 'Listener rule',
  'cloudfront-distribution': 'CloudFront distribution', 'security-group': 'Security group', 'sns-topic': 'Notification topic',
};
