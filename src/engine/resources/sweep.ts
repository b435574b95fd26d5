import {
  DescribeInstancesCommand, DescribeInternetGatewaysCommand, DescribeLaunchTemplatesCommand, DescribeNetworkInterfacesCommand, DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVolumesCommand, DescribeVpcsCommand, type Filter, type Tag,
} from '@aws-sdk/client-ec2';
import { DescribeMountTargetsCommand, paginateDescribeFileSystems } from '@aws-sdk/client-efs';
import { GetInstanceProfileCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { DescribeParametersCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ssm';
import { DescribeTagsCommand, paginateDescribeLoadBalancers, paginateDescribeTargetGroups, type TagDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../aws/clients';
import { TAG_SWEPT_KINDS, type KindName } from '../kinds';
import { findStackDistributions } from './cloudfront';
import { isNotFound } from '../aws/classify';
import { names, tagValue, TAG_CREATED_AT, TAG_CREATED_ON, TAG_RESOURCE, TAG_STACK, TAG_STACK_ID } from '../stack/naming';

export const STATUS_PARAMETER_KEY = 'bootstrap-status';

/** Our load balancers and target groups are named gm-<stack>...; others' are never read. */
const NAME_PREFIX = 'gm-';

function statusPath(stack: string): string {
  return `${names.parameterPath(stack)}status/`;
}

/** Whether a swept resource is the stack's own runtime status rather than something it created and tagged. */
export function isRuntimeStatus(resource: SweptResource): boolean {
  return resource.kind === 'ssm-parameter' && resource.key === STATUS_PARAMETER_KEY;
}

/** Sweep, journal, destroy and account scan share one vocabulary: the kinds' names. */
export type SweptKind = KindName;

export interface SweptResource {
  kind: SweptKind;
  id: string;
  /** Logical key and stack id from our tags; absent when the resource carries none (e.g. mount targets). */
  key?: string;
  stackId?: string;
  state?: string;
  /** Where and when its stack was first deployed, from its tags (absent on older resources). */
  createdOn?: string;
  createdAt?: string;
  /** Mount targets: the file system they belong to (they carry no tags of their own). */
  fileSystemId?: string;
}

function fromTags(kind: SweptKind, id: string, tags: Tag[] | undefined, state?: string): SweptResource {
  const resource: SweptResource = { kind, id, key: tagValue(tags, TAG_RESOURCE), stackId: tagValue(tags, TAG_STACK_ID), state };
  const createdOn = tagValue(tags, TAG_CREATED_ON);
  const createdAt = tagValue(tags, TAG_CREATED_AT);
  if (createdOn) resource.createdOn = createdOn;
  if (createdAt) resource.createdAt = createdAt;
  return resource;
}

function byStackTag(stack: string): Filter[] {
  return [{ Name: `tag:${TAG_STACK}`, Values: [stack] }];
}

/** Launch templates carry our tags (DescribeLaunchTemplates filters by them). */
export async function sweepLaunchTemplates(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const out = await clients.ec2.send(new DescribeLaunchTemplatesCommand({ Filters: byStackTag(stack) }));
  return (out.LaunchTemplates ?? []).map((t) => fromTags('launch-template', t.LaunchTemplateId!, t.Tags));
}

/**
 * The stack's group is named gm-<stack> and its worker pools gm-<stack>-<pool>-workers; each is this stack's only
 * if its tags say so (one call, by name).
 */
export async function sweepAutoScalingGroups(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const { describeGroups, groupName } = await import('./group-view');
  const { scaleNames } = await import('../scale/names');
  const names = [groupName(stack), scaleNames.workerGroup(stack, 'n8n'), scaleNames.workerGroup(stack, 'ollama')];
  const groups = await describeGroups(clients, names);
  return names.flatMap((name) => {
    const group = groups.get(name);
    return group && tagValue(group.tags, TAG_STACK) === stack ? [fromTags('auto-scaling-group', group.name, group.tags, group.status)] : [];
  });
}

/** Instances not yet terminated (terminated ones keep their tags for an hour). */
export async function sweepInstances(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const out = await clients.ec2.send(new DescribeInstancesCommand({ Filters: [...byStackTag(stack), { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] }] }));
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => fromTags('instance', i.InstanceId!, i.Tags, i.State?.Name));
}

export async function sweepVolumes(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const out = await clients.ec2.send(new DescribeVolumesCommand({ Filters: byStackTag(stack) }));
  return (out.Volumes ?? []).filter((v) => v.State !== 'deleted').map((v) => fromTags('volume', v.VolumeId!, v.Tags, v.State));
}

export async function sweepNetworkInterfaces(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const out = await clients.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: byStackTag(stack) }));
  return (out.NetworkInterfaces ?? []).map((n) => fromTags('network-interface', n.NetworkInterfaceId!, n.TagSet, n.Status));
}

export async function sweepVpcs(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  return ((await clients.ec2.send(new DescribeVpcsCommand({ Filters: byStackTag(stack) }))).Vpcs ?? []).map((v) => fromTags('vpc', v.VpcId!, v.Tags));
}

export async function sweepSubnets(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  return ((await clients.ec2.send(new DescribeSubnetsCommand({ Filters: byStackTag(stack) }))).Subnets ?? []).map((s) => fromTags('subnet', s.SubnetId!, s.Tags));
}

export async function sweepInternetGateways(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  return ((await clients.ec2.send(new DescribeInternetGatewaysCommand({ Filters: byStackTag(stack) }))).InternetGateways ?? []).map((g) => fromTags('internet-gateway', g.InternetGatewayId!, g.Tags));
}

export async function sweepRouteTables(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  return ((await clients.ec2.send(new DescribeRouteTablesCommand({ Filters: byStackTag(stack) }))).RouteTables ?? []).map((t) => fromTags('route-table', t.RouteTableId!, t.Tags));
}

export async function sweepSecurityGroups(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  return ((await clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: byStackTag(stack) }))).SecurityGroups ?? []).map((g) => fromTags('security-group', g.GroupId!, g.Tags));
}

export async function sweepFileSystems(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const found: SweptResource[] = [];
  for await (const page of paginateDescribeFileSystems({ client: clients.efs }, {})) {
    for (const fs of page.FileSystems ?? []) {
      if (tagValue(fs.Tags, TAG_STACK) !== stack || fs.LifeCycleState === 'deleted') continue;
      found.push(fromTags('efs', fs.FileSystemId!, fs.Tags, fs.LifeCycleState));
    }
  }
  return found;
}

/** IAM names are fixed per stack: looked up by name, not listed. */
export async function sweepRoles(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  try {
    const role = (await clients.iam.send(new GetRoleCommand({ RoleName: names.role(stack) }))).Role;
    return role ? [fromTags('iam-role', role.RoleName!, role.Tags)] : [];
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return [];
  }
}

export async function sweepInstanceProfiles(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  try {
    const profile = (await clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: names.instanceProfile(stack) }))).InstanceProfile;
    return profile ? [fromTags('instance-profile', profile.InstanceProfileName!, profile.Tags)] : [];
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return [];
  }
}

export async function sweepParameters(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const found: SweptResource[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.ssm.send(new DescribeParametersCommand({
      ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: [names.parameterPath(stack).replace(/\/$/, '')] }],
      NextToken: nextToken,
    }));
    for (const parameter of page.Parameters ?? []) {
      // The instance writes its bootstrap status itself, untagged: it is the stack's, and never data.
      if (parameter.Name!.startsWith(statusPath(stack))) {
        found.push({ kind: 'ssm-parameter', id: parameter.Name!, key: STATUS_PARAMETER_KEY });
        continue;
      }
      const tags = (await clients.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: parameter.Name! }))).TagList;
      found.push(fromTags('ssm-parameter', parameter.Name!, tags));
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return found;
}

/** Tags of these ARNs; one that someone else deleted meanwhile is skipped rather than failing the whole batch. */
async function elbTags(clients: AwsClients, arns: readonly string[]): Promise<TagDescription[]> {
  try {
    return (await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [...arns] }))).TagDescriptions ?? [];
  } catch (error) {
    if (!isNotFound(error)) throw error;
    if (arns.length === 1) return [];
    const each: TagDescription[] = [];
    for (const arn of arns) each.push(...(await elbTags(clients, [arn])));
    return each;
  }
}

/** ELBv2 has no tag filter on describes: list ours by name (gm-...), then read tags 20 ARNs at a time. */
async function ofStack(clients: AwsClients, stack: string, kind: SweptKind, candidates: readonly { arn: string; state?: string }[]): Promise<SweptResource[]> {
  const found: SweptResource[] = [];
  for (let i = 0; i < candidates.length; i += 20) {
    const batch = candidates.slice(i, i + 20);
    const described = await elbTags(clients, batch.map((c) => c.arn));
    for (const candidate of batch) {
      const tags = described.find((d) => d.ResourceArn === candidate.arn)?.Tags;
      if (tagValue(tags, TAG_STACK) === stack) found.push(fromTags(kind, candidate.arn, tags, candidate.state));
    }
  }
  return found;
}

export async function sweepLoadBalancers(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const candidates: { arn: string; state?: string }[] = [];
  for await (const page of paginateDescribeLoadBalancers({ client: clients.elbv2 }, {})) {
    for (const lb of page.LoadBalancers ?? []) {
      if (lb.LoadBalancerName?.startsWith(NAME_PREFIX)) candidates.push({ arn: lb.LoadBalancerArn!, state: lb.State?.Code });
    }
  }
  return ofStack(clients, stack, 'load-balancer', candidates);
}

export async function sweepTargetGroups(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const candidates: { arn: string }[] = [];
  for await (const page of paginateDescribeTargetGroups({ client: clients.elbv2 }, {})) {
    for (const group of page.TargetGroups ?? []) {
      if (group.TargetGroupName?.startsWith(NAME_PREFIX)) candidates.push({ arn: group.TargetGroupArn! });
    }
  }
  return ofStack(clients, stack, 'target-group', candidates);
}

export async function sweepDistributions(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  return (await findStackDistributions(clients, stack)).map((d) => fromTags('cloudfront-distribution', d.id, d.tags.map((t) => ({ Key: t.Key, Value: t.Value })), d.status));
}

/** Everything in the account (stack's region, plus global IAM and CloudFront) that carries this stack's name: every kind's own query, side by side. */
export async function sweepStack(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  return (await Promise.all(TAG_SWEPT_KINDS.map((kind) => kind.findByTag(clients, stack)))).flat();
}

/** Mount targets carry no tags: list them through the stack's file systems. */
export async function mountTargetsOf(clients: AwsClients, fileSystemIds: readonly string[]): Promise<SweptResource[]> {
  const found: SweptResource[] = [];
  for (const fileSystemId of fileSystemIds) {
    try {
      const targets = (await clients.efs.send(new DescribeMountTargetsCommand({ FileSystemId: fileSystemId }))).MountTargets ?? [];
      for (const target of targets) found.push({ kind: 'mount-target', id: target.MountTargetId!, state: target.LifeCycleState, fileSystemId });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return found;
}

