import {
  AuthorizeSecurityGroupIngressCommand, DescribeManagedPrefixListsCommand, DescribeSecurityGroupRulesCommand, RevokeSecurityGroupIngressCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { awsErrorCode, isNotFound } from '../aws/classify';
import type { AwsClients } from '../aws/clients';
import { CLOUDFRONT_ORIGIN_PREFIX_LIST, EFS_PORT, HTTPS_PORT, PROXY_PORT } from '../resources/security-groups';
import { CACHE_PORT, DATABASE_PORT, OLLAMA_PORT } from '../scale/names';
import { loadBalancerCidr, usesCloudFront, type StackConfig } from '../stack/config';
import { isLoadBalanced } from '../tiers';
import { sleep } from '../wait';
import { labelOf, named, type DriftItem, type DriftScope, type RepairContext } from './drift-types';

/** Where an inbound rule admits from. */
export interface RuleSource {
  type: 'cidr' | 'cidr6' | 'group' | 'prefix-list';
  value: string;
}

/** One inbound rule as AWS keys it: protocol, port range, one source (descriptions are not part of it). */
export interface IngressRule {
  protocol: string;
  fromPort: number;
  toPort: number;
  source: RuleSource;
}

export interface LiveRule extends IngressRule {
  id: string;
  groupId: string;
}

const GROUP_KEYS = ['sg-alb', 'sg-instance', 'sg-efs', 'sg-workers', 'sg-database', 'sg-queue', 'sg-internal-alb'] as const;
type GroupKey = (typeof GROUP_KEYS)[number];

/** The stack's groups, by journal key, as the expectation needs them. */
export interface GroupIds {
  'sg-alb'?: string;
  'sg-instance'?: string;
  'sg-efs'?: string;
  'sg-workers'?: string;
  'sg-database'?: string;
  'sg-queue'?: string;
  'sg-internal-alb'?: string;
}

const tcp = (port: number, source: RuleSource): IngressRule => ({ protocol: 'tcp', fromPort: port, toPort: port, source });

/**
 * The inbound rules the engine itself sets on each of the stack's groups for this config, read from
 * resources/security-groups.ts (ensureInstanceSecurityGroup, ensureAlbSecurityGroup, ensureEfsSecurityGroup):
 * keep the two in step. Undefined when a group it depends on has no id (then nothing can be compared).
 * `cloudFrontPrefixList` is the managed prefix list's id in the region, or undefined where it is missing
 * (the engine then admits port 80 from the internet).
 */
export function expectedIngress(config: StackConfig, key: GroupKey, ids: GroupIds, cloudFrontPrefixList: string | undefined): IngressRule[] | undefined {
  switch (key) {
    case 'sg-instance': {
      // Load-balanced tiers: port 80 only from the load balancer's group; dev: only from the CIDR in cidr mode.
      const workers = ids['sg-workers'] && config.scale
        ? [...(config.scale.database === 'instance' ? [DATABASE_PORT] : []), ...(config.scale.queue === 'instance' ? [CACHE_PORT] : [])].map((port) => tcp(port, { type: 'group', value: ids['sg-workers']! }))
        : [];
      if (isLoadBalanced(config.tier)) return ids['sg-alb'] ? [tcp(PROXY_PORT, { type: 'group', value: ids['sg-alb'] }), ...workers] : undefined;
      return [...(config.access.mode === 'cidr' ? [tcp(PROXY_PORT, { type: 'cidr', value: config.access.cidr })] : []), ...workers];
    }
    case 'sg-alb': {
      if (usesCloudFront(config) && cloudFrontPrefixList) return [tcp(PROXY_PORT, { type: 'prefix-list', value: cloudFrontPrefixList })];
      const ports = config.certificateArn ? [PROXY_PORT, HTTPS_PORT] : [PROXY_PORT];
      return ports.map((port) => tcp(port, { type: 'cidr', value: loadBalancerCidr(config) ?? '0.0.0.0/0' }));
    }
    case 'sg-efs': {
      if (!ids['sg-instance']) return undefined;
      const workers = config.scale && ids['sg-workers'] ? [tcp(EFS_PORT, { type: 'group', value: ids['sg-workers'] })] : [];
      return [tcp(EFS_PORT, { type: 'group', value: ids['sg-instance'] }), ...workers];
    }
    // Scale (resources/scale-security-groups.ts): the workers take only Ollama from the internal load balancer.
    case 'sg-workers':
      if (!config.scale?.ollamaWorkers) return [];
      return ids['sg-internal-alb'] ? [tcp(OLLAMA_PORT, { type: 'group', value: ids['sg-internal-alb'] })] : undefined;
    case 'sg-database':
      return fromStack(DATABASE_PORT, ids);
    case 'sg-queue':
      return fromStack(CACHE_PORT, ids);
    case 'sg-internal-alb':
      return fromStack(OLLAMA_PORT, ids);
  }
}

/** One port from the instance and from the worker pools; undefined until both groups exist. */
function fromStack(port: number, ids: GroupIds): IngressRule[] | undefined {
  if (!ids['sg-instance'] || !ids['sg-workers']) return undefined;
  return [tcp(port, { type: 'group', value: ids['sg-instance'] }), tcp(port, { type: 'group', value: ids['sg-workers'] })];
}

export function ruleKey(rule: IngressRule): string {
  return `${rule.protocol}:${rule.fromPort}-${rule.toPort}:${rule.source.value}`;
}

const ruleSchema = z.object({
  SecurityGroupRuleId: z.string().min(1),
  GroupId: z.string().min(1),
  IsEgress: z.boolean().optional(),
  IpProtocol: z.string(),
  FromPort: z.number().optional(),
  ToPort: z.number().optional(),
  CidrIpv4: z.string().optional(),
  CidrIpv6: z.string().optional(),
  PrefixListId: z.string().optional(),
  ReferencedGroupInfo: z.object({ GroupId: z.string().optional() }).optional(),
});
const rulesPageSchema = z.object({ SecurityGroupRules: z.array(z.unknown()).optional(), NextToken: z.string().optional() });

function toLive(raw: unknown): LiveRule | undefined {
  const rule = ruleSchema.parse(raw);
  if (rule.IsEgress) return undefined;
  const source: RuleSource | undefined = rule.CidrIpv4 ? { type: 'cidr', value: rule.CidrIpv4 }
    : rule.CidrIpv6 ? { type: 'cidr6', value: rule.CidrIpv6 }
      : rule.PrefixListId ? { type: 'prefix-list', value: rule.PrefixListId }
        : rule.ReferencedGroupInfo?.GroupId ? { type: 'group', value: rule.ReferencedGroupInfo.GroupId } : undefined;
  if (!source) return undefined;
  return { id: rule.SecurityGroupRuleId, groupId: rule.GroupId, protocol: rule.IpProtocol.toLowerCase(), fromPort: rule.FromPort ?? -1, toPort: rule.ToPort ?? -1, source };
}

/** Every inbound rule of these groups, with its rule id (one paged call for all of them). */
export async function ingressRules(clients: AwsClients, groupIds: readonly string[], signal?: AbortSignal): Promise<LiveRule[]> {
  const rules: LiveRule[] = [];
  let token: string | undefined;
  do {
    const page = rulesPageSchema.parse(await clients.ec2.send(new DescribeSecurityGroupRulesCommand({
      Filters: [{ Name: 'group-id', Values: [...groupIds] }], NextToken: token,
    }), { abortSignal: signal }));
    for (const raw of page.SecurityGroupRules ?? []) {
      const rule = toLive(raw);
      if (rule) rules.push(rule);
    }
    token = page.NextToken;
  } while (token);
  return rules;
}

async function prefixListId(clients: AwsClients, signal?: AbortSignal): Promise<string | undefined> {
  const out = await clients.ec2.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: [CLOUDFRONT_ORIGIN_PREFIX_LIST] }] }), { abortSignal: signal });
  return (out.PrefixLists ?? []).find((list) => list.PrefixListName === CLOUDFRONT_ORIGIN_PREFIX_LIST)?.PrefixListId;
}

/** "tcp 22", "tcp 1024-2048", "all traffic". */
function portsText(rule: IngressRule): string {
  if (rule.protocol === '-1') return 'all traffic';
  return `${rule.protocol} ${rule.fromPort === rule.toPort ? rule.fromPort : `${rule.fromPort}-${rule.toPort}`}`;
}

function sourceText(source: RuleSource, ours: ReadonlyMap<string, string>): string {
  if (source.type === 'group') return ours.has(source.value) ? named(ours.get(source.value)!, source.value) : `security group ${source.value}`;
  if (source.type === 'prefix-list') return `prefix list ${source.value}`;
  return source.value;
}

function ruleDetail(groupId: string, rule: IngressRule, ruleId?: string): Record<string, string> {
  return {
    check: 'ingress', repairBy: 'drift', groupId, protocol: rule.protocol, fromPort: String(rule.fromPort), toPort: String(rule.toPort),
    sourceType: rule.source.type, source: rule.source.value, ...(ruleId ? { ruleId } : {}),
  };
}

/**
 * Inbound rules of every journaled group of the stack against what the engine sets for this config: a rule
 * someone added (any source) and one of ours that was revoked. Egress is not the engine's to keep.
 */
export async function checkIngress(scope: DriftScope): Promise<DriftItem[]> {
  const present = GROUP_KEYS.flatMap((key) => {
    const record = scope.live(key);
    return record ? [{ key, id: record.id }] : [];
  });
  if (present.length === 0) return [];
  const ids: GroupIds = Object.fromEntries(GROUP_KEYS.map((key) => [key, scope.state.resources[key]?.id]));
  const config = scope.state.config;
  const needsPrefixList = usesCloudFront(config) && present.some((group) => group.key === 'sg-alb');
  const [rules, prefixList] = await Promise.all([
    ingressRules(scope.clients, present.map((group) => group.id), scope.signal),
    needsPrefixList ? prefixListId(scope.clients, scope.signal) : Promise.resolve(undefined),
  ]);
  const ours = new Map(present.map((group) => [group.id, group.key]));
  const items: DriftItem[] = [];
  for (const group of present) {
    const wanted = expectedIngress(config, group.key, ids, prefixList);
    if (!wanted) continue;
    const wantedKeys = new Set(wanted.map(ruleKey));
    const live = rules.filter((rule) => rule.groupId === group.id);
    const liveKeys = new Set(live.map(ruleKey));
    const where = named(group.key, group.id);
    for (const rule of live.filter((one) => !wantedKeys.has(ruleKey(one)))) {
      items.push({
        key: group.key, kind: 'security-group', id: group.id, what: 'rule-added',
        text: `ingress ${portsText(rule)} from ${sourceText(rule.source, ours)} added outside GeuseMaker on ${where}`,
        repair: 'deploy removes it', detail: ruleDetail(group.id, rule, rule.id),
      });
    }
    for (const rule of wanted.filter((one) => !liveKeys.has(ruleKey(one)))) {
      items.push({
        key: group.key, kind: 'security-group', id: group.id, what: 'rule-removed',
        text: `ingress ${portsText(rule)} from ${sourceText(rule.source, ours)} removed outside GeuseMaker from ${where}`,
        repair: 'deploy adds it back', detail: ruleDetail(group.id, rule),
      });
    }
  }
  return items;
}

function permissionOf(detail: Record<string, string>): IpPermission {
  const base = { IpProtocol: detail.protocol, FromPort: Number(detail.fromPort), ToPort: Number(detail.toPort) };
  const source = detail.source ?? '';
  switch (detail.sourceType) {
    case 'cidr': return { ...base, IpRanges: [{ CidrIp: source }] };
    case 'cidr6': return { ...base, Ipv6Ranges: [{ CidrIpv6: source }] };
    case 'prefix-list': return { ...base, PrefixListIds: [{ PrefixListId: source }] };
    default: return { ...base, UserIdGroupPairs: [{ GroupId: source }] };
  }
}

function ruleOf(detail: Record<string, string>): IngressRule {
  return {
    protocol: detail.protocol ?? '', fromPort: Number(detail.fromPort), toPort: Number(detail.toPort),
    source: { type: (detail.sourceType ?? 'cidr') as RuleSource['type'], value: detail.source ?? '' },
  };
}

/** Reads the group's rules until `settled` holds (AWS lists a change a moment late), or gives the last read. */
async function readBack(ctx: RepairContext, groupId: string, settled: (rules: LiveRule[]) => boolean): Promise<LiveRule[]> {
  let rules: LiveRule[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    rules = await ingressRules(ctx.clients, [groupId], ctx.signal);
    if (settled(rules)) break;
    await sleep(ctx.timing?.pollIntervalMs ?? 1_000, ctx.signal);
  }
  return rules;
}

/**
 * Revokes exactly the added rule (by its rule id when known) or authorizes ours back, then reads the group again.
 * A revoke answered "not found" or an authorize answered "duplicate" is a repeat of what is already so.
 */
export async function repairIngress(ctx: RepairContext, item: DriftItem): Promise<string> {
  const detail = item.detail ?? {};
  const groupId = detail.groupId ?? item.id;
  const rule = ruleOf(detail);
  const where = `${groupId} (${labelOf(item.key)})`;
  const words = `ingress ${portsText(rule)} from ${rule.source.value}`;
  if (item.what === 'rule-added') {
    try {
      await ctx.clients.ec2.send(new RevokeSecurityGroupIngressCommand(detail.ruleId
        ? { GroupId: groupId, SecurityGroupRuleIds: [detail.ruleId] }
        : { GroupId: groupId, IpPermissions: [permissionOf(detail)] }), { abortSignal: ctx.signal });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const after = await readBack(ctx, groupId, (rules) => !rules.some((one) => ruleKey(one) === ruleKey(rule)));
    const left = after.some((one) => ruleKey(one) === ruleKey(rule));
    return left
      ? `Revoked ${words} on ${where}, but AWS still lists it; deploy again to retry.`
      : `Removed ${words}${detail.ruleId ? ` (${detail.ruleId})` : ''} from ${where}; read back: the group no longer has it.`;
  }
  try {
    await ctx.clients.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [permissionOf(detail)] }), { abortSignal: ctx.signal });
  } catch (error) {
    if (awsErrorCode(error) !== 'InvalidPermission.Duplicate') throw error;
  }
  const after = await readBack(ctx, groupId, (rules) => rules.some((one) => ruleKey(one) === ruleKey(rule)));
  const back = after.find((one) => ruleKey(one) === ruleKey(rule));
  return back
    ? `Added ${words} back to ${where}; read back: rule ${back.id} is there.`
    : `Authorized ${words} on ${where}, but AWS does not list it yet; deploy again to retry.`;
}
