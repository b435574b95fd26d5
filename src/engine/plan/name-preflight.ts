import { DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { describeGroup } from '../resources/group-view';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../aws/clients';
import { isNotFound } from '../aws/classify';
import type { StackConfig } from '../stack/config';
import { isLoadBalanced } from '../tiers';
import { tagValue, TAG_CREATED_AT, TAG_CREATED_ON, TAG_STACK, TAG_STACK_ID } from '../stack/naming';
import { loadBalancerName, targetGroupName } from '../resources/load-balancer';
import type { ForeignResource, Ownership } from '../resources/ownership';
import type { SweptKind } from '../resources/sweep';

/** The security groups a stack names gm-<stack>-<key> (only a reused VPC can already hold same-named ones). */
const GROUP_KEYS = ['sg-instance', 'sg-alb', 'sg-efs'] as const;

type Tags = { Key?: string; Value?: string }[] | undefined;

/**
 * A resource with one of the stack's fixed names that the sweep does not see (it carries no geusemaker:stack tag
 * with this name). Ours only with our stack id; otherwise it would collide mid-deploy, so plan reports it first.
 */
function conflict(config: StackConfig, owner: Ownership, kind: SweptKind, id: string, tags: Tags): ForeignResource | undefined {
  const stackId = tagValue(tags, TAG_STACK_ID);
  if ((owner.stackId !== undefined && stackId === owner.stackId) || owner.journalIds.has(id)) return undefined;
  // Tagged with this stack's name: the sweep already lists it.
  if (tagValue(tags, TAG_STACK) === config.name) return undefined;
  return { kind, id, stackId, createdOn: tagValue(tags, TAG_CREATED_ON), createdAt: tagValue(tags, TAG_CREATED_AT), reason: stackId ? 'other-stack' : 'untagged' };
}

/** The ELBv2 resource of that name (found by `arn`, undefined when none), if it is not ours. */
async function elbConflict(clients: AwsClients, config: StackConfig, owner: Ownership, kind: SweptKind, arn: () => Promise<string | undefined>): Promise<ForeignResource[]> {
  let found: string | undefined;
  try {
    found = await arn();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (!found) return [];
  const tags = (await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [found] }))).TagDescriptions?.[0]?.Tags;
  const hit = conflict(config, owner, kind, found, tags);
  return hit ? [hit] : [];
}

async function loadBalancerConflicts(clients: AwsClients, config: StackConfig, owner: Ownership): Promise<ForeignResource[]> {
  return [
    ...await elbConflict(clients, config, owner, 'load-balancer', async () =>
      (await clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [loadBalancerName(config.name)] }))).LoadBalancers?.[0]?.LoadBalancerArn),
    ...await elbConflict(clients, config, owner, 'target-group', async () =>
      (await clients.elbv2.send(new DescribeTargetGroupsCommand({ Names: [targetGroupName(config.name)] }))).TargetGroups?.[0]?.TargetGroupArn),
  ];
}

async function securityGroupConflicts(clients: AwsClients, config: StackConfig, owner: Ownership): Promise<ForeignResource[]> {
  if (config.network.mode !== 'existing') return [];
  const out = await clients.ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: 'vpc-id', Values: [config.network.vpcId] }, { Name: 'group-name', Values: GROUP_KEYS.map((key) => `gm-${config.name}-${key}`) }],
  }));
  return (out.SecurityGroups ?? []).flatMap((group) => conflict(config, owner, 'security-group', group.GroupId!, group.Tags) ?? []);
}

/** The Auto Scaling group and launch template are named gm-<stack> in the region: one made by hand would collide. */
async function computeConflicts(clients: AwsClients, config: StackConfig, owner: Ownership): Promise<ForeignResource[]> {
  const name = `gm-${config.name}`;
  const [group, templates] = await Promise.all([
    describeGroup(clients, name),
    clients.ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'launch-template-name', Values: [name] }] })),
  ]);
  const found = [
    ...(group ? [conflict(config, owner, 'auto-scaling-group', group.name, group.tags)] : []),
    ...(templates.LaunchTemplates ?? []).map((t) => conflict(config, owner, 'launch-template', t.LaunchTemplateId!, t.Tags)),
  ];
  return found.filter((hit): hit is ForeignResource => hit !== undefined);
}

/** Fixed names (load balancer, target group, security groups in a reused VPC, the group and its template) held by resources that are not ours. */
export async function fixedNameConflicts(clients: AwsClients, config: StackConfig, owner: Ownership): Promise<ForeignResource[]> {
  const [balancers, groups, compute] = await Promise.all([
    isLoadBalanced(config.tier) ? loadBalancerConflicts(clients, config, owner) : Promise.resolve([]),
    securityGroupConflicts(clients, config, owner),
    computeConflicts(clients, config, owner),
  ]);
  return [...balancers, ...groups, ...compute];
}
