import type { AwsClients } from './aws/clients';
import { classifyAwsError } from './aws/classify';
import type { EngineTiming } from './context';
import { GeuseError, refused } from './errors';
import type { ProgressListener } from './progress';
import { Journal, type StateWriter } from './state/journal';
import type { StackState } from './state/schema';
import { timeoutsSchema, type StackConfig } from './stack/config';
import { runGraph, type GraphStep } from './graph/run-graph';
import { isRuntimeStatus, mountTargetsOf, sweepStack, type SweptKind, type SweptResource } from './resources/sweep';
import { describeFileSystemById } from './resources/efs-describe';
import { EFS_STANDARD_USD_PER_GB_MONTH } from './cost/fallback-prices';
import { endRunsAsEc2Says } from './cost/runs';
import * as teardown from './resources/teardown';
import { describeForeign, describeOwner, otherStackIds, ownershipOf, splitByOwner, type ForeignResource, type OwnedSplit, type Ownership } from './resources/ownership';

/** Kinds kept when data is kept: the file system and the secrets that protect what is on it. */
export const DATA_KINDS: readonly SweptKind[] = ['efs', 'ssm-parameter'];

export interface DestroyPlan {
  stack: string;
  region: string;
  keepData: boolean;
  /** Whose resources are deleted: the state's stack id, or the one the user explicitly adopted. */
  stackId?: string;
  /** Set when the user adopted a stack this machine has no state for (destroy --adopt). */
  adoptedStackId?: string;
  /** Without state: how the region was found. */
  regionFrom?: string;
  /** Everything that will be deleted, from the journal and a tag sweep. */
  toDelete: SweptResource[];
  toKeep: SweptResource[];
  /** Carry the stack's name but are not ours (another stack id, or none): listed, never touched. */
  foreign: ForeignResource[];
}

const journalKinds: Record<string, SweptKind> = {
  vpc: 'vpc', subnet: 'subnet', 'internet-gateway': 'internet-gateway', 'route-table': 'route-table',
  'security-group': 'security-group', efs: 'efs', 'mount-target': 'mount-target', 'iam-role': 'iam-role',
  'instance-profile': 'instance-profile', 'ssm-parameter': 'ssm-parameter', instance: 'instance',
  'load-balancer': 'load-balancer', 'target-group': 'target-group', 'cloudfront-distribution': 'cloudfront-distribution',
};

/**
 * Everything that carries the stack's name: the tag sweep, the journal's records it missed (a lost tag never
 * hides our resource), and the mount targets of every file system found. Whose each one is, splitByOwner says.
 */
export async function gatherResources(clients: AwsClients, stack: string, journal?: StackState): Promise<SweptResource[]> {
  const swept = await sweepStack(clients, stack);
  const byId = new Map(swept.map((r) => [`${r.kind}:${r.id}`, r]));
  for (const record of Object.values(journal?.resources ?? {})) {
    if (record.status === 'deleted' || record.external || !record.id) continue;
    const kind = journalKinds[record.kind];
    if (kind && kind !== 'mount-target' && !byId.has(`${kind}:${record.id}`)) byId.set(`${kind}:${record.id}`, { kind, id: record.id, key: record.key, stackId: journal?.stackId });
  }
  const fileSystems = [...byId.values()].filter((r) => r.kind === 'efs').map((r) => r.id);
  for (const target of await mountTargetsOf(clients, fileSystems)) {
    if (target.state !== 'deleted' && target.state !== 'deleting') byId.set(`mount-target:${target.id}`, target);
  }
  return [...byId.values()].filter((r) => r.state !== 'terminated' && r.state !== 'deleted');
}

/**
 * Whose resources a destroy deletes: the state's; without state and with --adopt, the one other stack id found
 * (several are refused: there is no telling which the user means).
 */
export function destroyOwnership(name: string, region: string, state: StackState | undefined, resources: readonly SweptResource[], adopt: boolean): { owner: Ownership; adoptedStackId?: string } {
  const owner = ownershipOf(state);
  if (state || !adopt) return { owner };
  const { foreign } = splitByOwner(resources, owner);
  const ids = otherStackIds(foreign);
  if (ids.length > 1) {
    throw refused('ADOPT_AMBIGUOUS', `Resources named for stack ${name} in ${region} belong to ${ids.length} different stacks (${ids.map((id) => describeOwner(foreign, id)).join('; ')}), so --adopt cannot tell which to take over.`,
      'Destroy each from the machine or state folder that deployed it, or remove the ones you know by hand.');
  }
  const adoptedStackId = ids[0];
  return adoptedStackId ? { owner: { stackId: adoptedStackId, journalIds: new Set() }, adoptedStackId } : { owner };
}

/** A destroy with no state that found nothing of its own: never a success, and never a guess. */
export function nothingOfOurs(plan: DestroyPlan, stateDir: string): GeuseError {
  const where = plan.regionFrom ?? plan.region;
  if (plan.foreign.length === 0) {
    return new GeuseError({
      code: 'STACK_NOT_FOUND', kind: 'not-found',
      message: `No stack named ${plan.stack} was found: ${stateDir} has no state for it, and nothing in ${where} (nor IAM or CloudFront) carries its name, so nothing was deleted.`,
      nextStep: `Check the name with \`geusemaker list\`, or pass --region if the stack lives in another region.`,
    });
  }
  const adoptable = otherStackIds(plan.foreign).length === 1;
  return refused('NOT_OURS',
    `Nothing was deleted: ${stateDir} has no state for stack ${plan.stack}, and what carries that name in ${where} is not this machine's:\n${describeForeign(plan.foreign).map((line) => `  - ${line}`).join('\n')}`,
    adoptable
      ? `If this is your own stack (deployed from another machine or state folder, or its state was lost), run \`geusemaker destroy ${plan.stack} --adopt\`: you are shown its stack id and asked before anything is deleted. Otherwise leave it alone: it belongs to someone else.`
      : 'These are not GeuseMaker resources of a stack: if you know they are unused, delete them yourself in the AWS console.');
}

export function planDestroyFrom(stack: string, region: string, found: OwnedSplit, keepData: boolean, owner: Pick<DestroyPlan, 'stackId' | 'adoptedStackId' | 'regionFrom'> = {}): DestroyPlan {
  const keep = (r: SweptResource) => keepData && DATA_KINDS.includes(r.kind) && !isRuntimeStatus(r);
  return { stack, region, keepData, ...owner, toDelete: found.ours.filter((r) => !keep(r)), toKeep: found.ours.filter(keep), foreign: found.foreign };
}

function idsOf(resources: readonly SweptResource[], kind: SweptKind): string[] {
  return resources.filter((r) => r.kind === kind).map((r) => r.id);
}

/** Deletion order from AWS-REALITY.md, as a graph: network and IAM teardown run side by side once instances are gone. */
function destroySteps(plan: DestroyPlan, clients: AwsClients, timing: EngineTiming, signal: AbortSignal | undefined, allFileSystems: string[], config: StackConfig | undefined): GraphStep[] {
  const del = plan.toDelete;
  // The stack's own CloudFront timeout; the default when the journal is lost.
  const distributionTimeoutMs = (config?.timeouts ?? timeoutsSchema.parse({})).cloudFrontDeployedMinutes * 60_000;
  const ctxFor = (waiting: (what: string) => void): teardown.TeardownContext => ({ clients, timing, signal, distributionTimeoutMs, waiting });
  // Each step says what it really did: deleted something, kept data, or found nothing to do.
  const step = (id: string, title: string, deps: string[], targets: readonly string[], work: (ctx: teardown.TeardownContext) => Promise<void>, kept: readonly string[] = []): GraphStep => ({
    id, title, deps,
    run: async (waiting) => {
      if (targets.length > 0) await work(ctxFor(waiting));
      // Kept data is what the user must hear about, even when something beside it was deleted.
      if (kept.length > 0) return { outcome: 'kept', detail: `${kept.join(', ')}${targets.length > 0 ? `; deleted ${targets.join(', ')}` : ''}` };
      return targets.length > 0 ? { outcome: 'deleted', detail: targets.join(', ') } : { outcome: 'gone' };
    },
  });
  const keptIds = (kind: SweptKind) => idsOf(plan.toKeep, kind);
  const roleName = idsOf(del, 'iam-role')[0];
  const profileName = idsOf(del, 'instance-profile')[0];
  const leftovers = [...idsOf(del, 'volume'), ...idsOf(del, 'network-interface')];
  return [
    step('instances', 'Terminate instances', [], idsOf(del, 'instance'), (c) => teardown.terminateInstances(c, idsOf(del, 'instance'))),
    // CloudFront's disable → deploy → delete takes minutes and needs nothing else gone, so it runs beside the
    // instances; the load balancer it points at goes only after it, so viewers never hit a dangling origin.
    step('cloudfront', 'CloudFront distribution (disable, wait, delete)', [], idsOf(del, 'cloudfront-distribution'), async (c) => {
      for (const id of idsOf(del, 'cloudfront-distribution')) await teardown.deleteDistribution(c, id);
    }),
    step('load-balancer', 'Load balancer (with its listeners)', ['instances', 'cloudfront'], idsOf(del, 'load-balancer'), (c) => teardown.deleteLoadBalancers(c, idsOf(del, 'load-balancer'))),
    step('target-groups', 'Target groups', ['load-balancer'], idsOf(del, 'target-group'), (c) => teardown.deleteTargetGroups(c, idsOf(del, 'target-group'))),
    step('leftovers', 'Leftover volumes and interfaces', ['instances'], leftovers, (c) => teardown.deleteLeftovers(c, idsOf(del, 'volume'), idsOf(del, 'network-interface'))),
    // Mount targets sit in the stack's subnets, so they go even when the file system is kept.
    step('mount-targets', 'EFS mount targets', ['instances'], idsOf(del, 'mount-target'), (c) => teardown.deleteMountTargets(c, allFileSystems)),
    step('efs', 'EFS file system', ['mount-targets'], idsOf(del, 'efs'), async (c) => {
      for (const id of idsOf(del, 'efs')) await teardown.deleteFileSystem(c, id);
    }, keptIds('efs')),
    step('security-groups', 'Security groups', ['instances', 'mount-targets', 'leftovers', 'load-balancer'], idsOf(del, 'security-group'), (c) => teardown.deleteSecurityGroups(c, idsOf(del, 'security-group'))),
    step('internet-gateway', 'Internet gateway', ['instances', 'leftovers', 'load-balancer'], idsOf(del, 'internet-gateway'), async (c) => {
      for (const id of idsOf(del, 'internet-gateway')) await teardown.deleteInternetGateway(c, id);
    }),
    step('route-table', 'Route table', ['instances'], idsOf(del, 'route-table'), async (c) => {
      for (const id of idsOf(del, 'route-table')) await teardown.deleteRouteTable(c, id);
    }),
    step('subnets', 'Subnets', ['route-table', 'mount-targets', 'leftovers', 'load-balancer'], idsOf(del, 'subnet'), (c) => teardown.deleteSubnets(c, idsOf(del, 'subnet'))),
    step('vpc', 'VPC', ['subnets', 'security-groups', 'internet-gateway', 'route-table'], idsOf(del, 'vpc'), async (c) => {
      for (const id of idsOf(del, 'vpc')) await teardown.deleteVpc(c, id);
    }),
    step('iam', 'IAM role and instance profile', ['instances'], [roleName, profileName].filter((n): n is string => n !== undefined), (c) => teardown.deleteIamRoleAndProfile(c, roleName, profileName)),
    // Last: CloudFront's header and the instance read them, so an interrupted destroy must leave them for a redeploy.
    step('secrets', 'Secrets', ['instances', 'cloudfront', 'load-balancer', 'efs'], idsOf(del, 'ssm-parameter'), (c) => teardown.deleteParameters(c, idsOf(del, 'ssm-parameter')), keptIds('ssm-parameter')),
  ];
}

export interface ApplyDestroyOptions {
  clients: AwsClients;
  store: StateWriter & { remove(name: string): Promise<void> };
  state: StackState | undefined;
  plan: DestroyPlan;
  /** The same ownership the plan was made with: the final check counts only our resources. */
  owner: Ownership;
  timing: EngineTiming;
  signal?: AbortSignal;
  onProgress: ProgressListener;
}

export interface DestroyResult {
  kept: SweptResource[];
  /** Monthly cost of what was kept, with how it was worked out. */
  keptMonthlyCost?: { usd: number; basis: string };
  stateRemoved: boolean;
}


export async function keptCost(clients: AwsClients, kept: readonly SweptResource[]): Promise<DestroyResult['keptMonthlyCost']> {
  const fileSystems = kept.filter((r) => r.kind === 'efs');
  if (fileSystems.length === 0) return undefined;
  let bytes = 0;
  for (const fs of fileSystems) bytes += (await describeFileSystemById(clients, fs.id))?.SizeInBytes?.Value ?? 0;
  const gb = bytes / 1024 ** 3;
  return {
    usd: Math.round(gb * EFS_STANDARD_USD_PER_GB_MONTH * 100) / 100,
    basis: `${gb.toFixed(2)} GB on EFS Standard at about $${EFS_STANDARD_USD_PER_GB_MONTH}/GB-month (estimate); Parameter Store standard parameters are free`,
  };
}

/** Deletes in dependency order; the state is dropped only once a final sweep confirms everything is gone. */
export async function applyDestroy(options: ApplyDestroyOptions): Promise<DestroyResult> {
  const { clients, plan } = options;
  const journal = options.state ? new Journal(options.store, options.state) : undefined;
  await journal?.setStatus('destroying');
  const allFileSystems = [...plan.toDelete, ...plan.toKeep].filter((r) => r.kind === 'efs').map((r) => r.id);
  let remaining: SweptResource[];
  try {
    await runGraph(destroySteps(plan, clients, options.timing, options.signal, allFileSystems, options.state?.config), { signal: options.signal, onProgress: options.onProgress, context: { profile: clients.profile, stack: plan.stack } });
    remaining = splitByOwner(await gatherResources(clients, plan.stack), options.owner).ours;
    const left = remaining.filter((r) => !(plan.keepData && DATA_KINDS.includes(r.kind) && !isRuntimeStatus(r)));
    if (left.length > 0) {
      throw new GeuseError({
        code: 'DESTROY_INCOMPLETE', kind: 'transient',
        message: `Some resources of stack ${plan.stack} still exist: ${left.map((r) => `${r.kind} ${r.id}`).join(', ')}.`,
        nextStep: `Run \`geusemaker destroy ${plan.stack}\` again; it continues where it stopped.`,
      });
    }
  } catch (error) {
    const classified = classifyAwsError(error, { profile: clients.profile, stack: plan.stack });
    await journal?.setStatus('destroy_failed', classified).catch(() => undefined);
    throw classified;
  }
  // The final sweep already says what is left: with data kept, exactly the data.
  const kept = plan.keepData ? remaining.filter((r) => DATA_KINDS.includes(r.kind) && !isRuntimeStatus(r)) : [];
  if (kept.length === 0) {
    await options.store.remove(plan.stack);
    return { kept, stateRemoved: true };
  }
  if (journal) {
    const keptIds = new Set(kept.map((r) => r.id));
    await endRunsAsEc2Says(journal, clients, journal.state.compute.map((c) => c.instanceId));
    await journal.forget(Object.values(journal.state.resources).filter((r) => !r.id || !keptIds.has(r.id)).map((r) => r.key));
    await journal.setStatus('destroyed');
  }
  return { kept, keptMonthlyCost: await keptCost(clients, kept), stateRemoved: false };
}

