import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeManagedPrefixListsCommand, DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand, type IpPermission, type SecurityGroup,
} from '@aws-sdk/client-ec2';
import type { StepContext } from '../context';
import { isNotFound } from '../aws/classify';
import { applyOnce } from './once';
import { ensureResource, onceOf, retryNotFound, type Found } from './ensure';
import { ownedBy, tagSpec } from './ec2-tags';
import type { WithId } from './network';
import { loadBalancerCidr, usesCloudFront } from '../stack/config';

export const EFS_PORT = 2049;
export const PROXY_PORT = 80;

async function describeGroup(ctx: StepContext, id: string): Promise<SecurityGroup | undefined> {
  try {
    return (await ctx.clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups?.[0];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function ensureGroup(ctx: StepContext, vpcId: string, key: string, description: string): Promise<{ found: Found; outcome: 'created' | 'reused' }> {
  return ensureResource(ctx, {
    key, kind: 'security-group',
    describe: async (id) => ((await describeGroup(ctx, id)) ? { id } : undefined),
    findOrphan: async () => {
      const group = (await ctx.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: ownedBy(ctx, key) }))).SecurityGroups?.[0];
      return group?.GroupId ? { id: group.GroupId } : undefined;
    },
    create: async () => {
      const out = await retryNotFound(ctx, () => ctx.clients.ec2.send(new CreateSecurityGroupCommand({
        GroupName: `gm-${ctx.stack}-${key}`, Description: description, VpcId: vpcId, TagSpecifications: tagSpec(ctx, 'security-group', key),
      })));
      return { id: out.GroupId! };
    },
  });
}

function ruleKey(permission: IpPermission, source: string): string {
  return `${permission.IpProtocol}:${permission.FromPort}-${permission.ToPort}:${source}`;
}

function flatten(permissions: readonly IpPermission[]): Map<string, IpPermission> {
  const rules = new Map<string, IpPermission>();
  for (const permission of permissions) {
    const base = { IpProtocol: permission.IpProtocol, FromPort: permission.FromPort, ToPort: permission.ToPort };
    for (const range of permission.IpRanges ?? []) rules.set(ruleKey(permission, range.CidrIp ?? ''), { ...base, IpRanges: [{ CidrIp: range.CidrIp, Description: range.Description }] });
    for (const range of permission.Ipv6Ranges ?? []) rules.set(ruleKey(permission, range.CidrIpv6 ?? ''), { ...base, Ipv6Ranges: [{ CidrIpv6: range.CidrIpv6 }] });
    for (const pair of permission.UserIdGroupPairs ?? []) rules.set(ruleKey(permission, pair.GroupId ?? ''), { ...base, UserIdGroupPairs: [{ GroupId: pair.GroupId, Description: pair.Description }] });
    for (const list of permission.PrefixListIds ?? []) rules.set(ruleKey(permission, list.PrefixListId ?? ''), { ...base, PrefixListIds: [{ PrefixListId: list.PrefixListId, Description: list.Description }] });
  }
  return rules;
}

/**
 * A rule GeuseMaker set (for this config or an earlier one): our description on it, or a source that is one of the
 * stack's own groups or CloudFront's list. Anything else was added by hand: drift reports it, and it is removed
 * only by a deploy whose plan listed it (plan/drift.ts), never here.
 */
function setByUs(ctx: StepContext, rule: IpPermission, ownSources: readonly string[]): boolean {
  const described = [...(rule.IpRanges ?? []), ...(rule.UserIdGroupPairs ?? []), ...(rule.PrefixListIds ?? [])].some((source) => source.Description?.startsWith('GeuseMaker'));
  const ownGroups = new Set(ctx.journal.records().filter((r) => r.kind === 'security-group' && r.id).map((r) => r.id));
  return described || (rule.UserIdGroupPairs ?? []).some((pair) => ownGroups.has(pair.GroupId))
    || (rule.PrefixListIds ?? []).some((list) => ownSources.includes(list.PrefixListId ?? ''));
}

/** Makes the group's inbound rules the wanted ones (so switching access mode closes the ports we opened before). */
export async function reconcileIngress(ctx: StepContext, groupId: string, wanted: readonly IpPermission[], ownSources: readonly string[] = []): Promise<void> {
  const readRules = async (): Promise<Map<string, IpPermission>> => flatten((await retryNotFound(ctx, async () => {
    const group = await describeGroup(ctx, groupId);
    if (!group) throw Object.assign(new Error(`Security group ${groupId} not found`), { name: 'InvalidGroup.NotFound' });
    return group;
  })).IpPermissions ?? []);
  const current = await readRules();
  const desired = flatten(wanted);
  const extra = [...current.entries()].filter(([key, rule]) => !desired.has(key) && setByUs(ctx, rule, ownSources)).map(([, rule]) => rule);
  const missing = [...desired.entries()].filter(([key]) => !current.has(key));
  if (extra.length > 0) {
    try {
      await ctx.clients.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: extra }));
    } catch (error) {
      // A repeat of a revoke whose answer was lost: the rules are already gone.
      if (!isNotFound(error)) throw error;
    }
  }
  if (missing.length > 0) {
    await applyOnce(onceOf(ctx), {
      send: () => retryNotFound(ctx, () => ctx.clients.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: missing.map(([, rule]) => rule) }))),
      isDone: async () => {
        const now = await readRules();
        return missing.every(([key]) => now.has(key));
      },
    });
  }
}

export const HTTPS_PORT = 443;

/** `albGroupId` is the load balancer's group on the tiers that have one. */
export async function ensureInstanceSecurityGroup(ctx: StepContext, vpcId: string, albGroupId: string | undefined): Promise<WithId> {
  const { found, outcome } = await ensureGroup(ctx, vpcId, 'sg-instance', 'GeuseMaker instance: no inbound by default, services reached over SSM');
  const access = ctx.config.access;
  // Services bind to loopback; the reverse proxy on port 80 is the one door: on automation/gpu open only to the
  // load balancer's group (never to an address range), on dev only to the CIDR in cidr mode.
  const wanted: IpPermission[] = [...(albGroupId
    ? [{ IpProtocol: 'tcp', FromPort: PROXY_PORT, ToPort: PROXY_PORT, UserIdGroupPairs: [{ GroupId: albGroupId, Description: 'GeuseMaker proxy from the load balancer' }] }]
    : access.mode === 'cidr' ? [{ IpProtocol: 'tcp', FromPort: PROXY_PORT, ToPort: PROXY_PORT, IpRanges: [{ CidrIp: access.cidr, Description: 'GeuseMaker proxy from the configured CIDR' }] }] : []),
  // The workers' group is made after this one; once it exists, a redeploy keeps the rules that admit it.
  ...workersToInstance(ctx, ctx.journal.record('sg-workers')?.status === 'created' ? ctx.journal.record('sg-workers')?.id : undefined)];
  await reconcileIngress(ctx, found.id, wanted);
  const source = albGroupId ? `the load balancer's group ${albGroupId}` : access.mode === 'cidr' ? access.cidr : '';
  const inbound = wanted.length === 0 ? 'no inbound rules' : `port ${PROXY_PORT} from ${source} only`;
  return { outcome, detail: `${found.id} (${inbound})`, id: found.id };
}

/** AWS-managed list of CloudFront's origin-facing addresses (counts as its max entries, ~55, against the group's rule quota). */
export const CLOUDFRONT_ORIGIN_PREFIX_LIST = 'com.amazonaws.global.cloudfront.origin-facing';

async function cloudFrontPrefixListId(ctx: StepContext): Promise<string | undefined> {
  const lists = (await ctx.clients.ec2.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: [CLOUDFRONT_ORIGIN_PREFIX_LIST] }] }))).PrefixLists ?? [];
  return lists.find((list) => list.PrefixListName === CLOUDFRONT_ORIGIN_PREFIX_LIST && list.PrefixListId)?.PrefixListId;
}

/**
 * The load balancer's group: behind CloudFront only CloudFront's origin-facing addresses (the origin is http-only,
 * so the secret header must not be sendable from anywhere else); otherwise HTTP (and HTTPS with a certificate)
 * from the internet or from the configured CIDR.
 */
export async function ensureAlbSecurityGroup(ctx: StepContext, vpcId: string): Promise<WithId> {
  const allowed = loadBalancerCidr(ctx.config);
  const { found, outcome } = await ensureGroup(ctx, vpcId, 'sg-alb', 'GeuseMaker load balancer: HTTP/HTTPS from the allowed sources');
  // Looked up either way: a rule from it is one we set (CloudFront on before), so turning CloudFront off removes it.
  const cloudFrontList = await cloudFrontPrefixListId(ctx);
  const prefixListId = usesCloudFront(ctx.config) ? cloudFrontList : undefined;
  const ownSources = cloudFrontList ? [cloudFrontList] : [];
  if (usesCloudFront(ctx.config) && !prefixListId) {
    await ctx.report.note(`The managed prefix list ${CLOUDFRONT_ORIGIN_PREFIX_LIST} is not available in ${ctx.config.region}: the load balancer admits port ${PROXY_PORT} from the internet, and only the listener's origin-header rule keeps CloudFront from being bypassed.`);
  }
  if (prefixListId) {
    await reconcileIngress(ctx, found.id, [{ IpProtocol: 'tcp', FromPort: PROXY_PORT, ToPort: PROXY_PORT, PrefixListIds: [{ PrefixListId: prefixListId, Description: 'GeuseMaker load balancer from CloudFront only' }] }], ownSources);
    return { outcome, detail: `${found.id} (port ${PROXY_PORT} from CloudFront's origin-facing addresses only, ${prefixListId})`, id: found.id };
  }
  const ports = ctx.config.certificateArn ? [PROXY_PORT, HTTPS_PORT] : [PROXY_PORT];
  const description = allowed ? 'GeuseMaker load balancer from the configured CIDR' : 'GeuseMaker load balancer from the internet';
  await reconcileIngress(ctx, found.id, ports.map((port) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: allowed ?? '0.0.0.0/0', Description: description }] })), ownSources);
  return { outcome, detail: `${found.id} (ports ${ports.join(', ')} from ${allowed ?? 'the internet'})`, id: found.id };
}

/** NFS from the instance, and from the worker pools when the stack scales out (Ollama workers read models from EFS). */
export async function ensureEfsSecurityGroup(ctx: StepContext, vpcId: string, instanceGroupId: string, workerGroupId?: string): Promise<WithId> {
  const { found, outcome } = await ensureGroup(ctx, vpcId, 'sg-efs', 'GeuseMaker EFS mount targets: NFS from the stack instance only');
  const sources = [{ GroupId: instanceGroupId, Description: 'GeuseMaker NFS from the stack instance' }, ...(workerGroupId ? [{ GroupId: workerGroupId, Description: 'GeuseMaker NFS from the worker pools' }] : [])];
  await reconcileIngress(ctx, found.id, sources.map((pair) => ({ IpProtocol: 'tcp', FromPort: EFS_PORT, ToPort: EFS_PORT, UserIdGroupPairs: [pair] })));
  return { outcome, detail: `${found.id} (NFS 2049 from ${sources.map((pair) => pair.GroupId).join(' and ')} only)`, id: found.id };
}

/**
 * Scale with database or queue on the instance: the workers reach its PostgreSQL (5432) and Valkey (6379),
 * published on the host for them alone.
 */
export function workersToInstance(ctx: Pick<StepContext, 'config'>, workersGroupId: string | undefined): IpPermission[] {
  const scale = ctx.config.scale;
  if (!scale || !workersGroupId) return [];
  const ports = [...(scale.database === 'instance' ? [5432] : []), ...(scale.queue === 'instance' ? [6379] : [])];
  return ports.map((port) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, UserIdGroupPairs: [{ GroupId: workersGroupId, Description: `GeuseMaker ${port} from the worker pools` }] }));
}

/** Adds the workers' rules to the instance's group once the workers' group exists (first deploy). */
export async function admitWorkersToInstance(ctx: StepContext, instanceGroupId: string, workersGroupId: string): Promise<void> {
  const extra = workersToInstance(ctx, workersGroupId);
  if (extra.length === 0) return;
  const group = await describeGroup(ctx, instanceGroupId);
  const present = flatten(group?.IpPermissions ?? []);
  const missing = extra.filter((rule) => !present.has(ruleKey(rule, workersGroupId)));
  if (missing.length === 0) return;
  await applyOnce(onceOf(ctx), {
    send: () => ctx.clients.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: instanceGroupId, IpPermissions: missing })),
    isDone: async () => {
      const now = flatten((await describeGroup(ctx, instanceGroupId))?.IpPermissions ?? []);
      return missing.every((rule) => now.has(ruleKey(rule, workersGroupId)));
    },
  });
}
