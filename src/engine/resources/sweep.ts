import {
  DescribeInstancesCommand, DescribeInternetGatewaysCommand, DescribeNetworkInterfacesCommand, DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVolumesCommand, DescribeVpcsCommand, type Filter, type Tag,
} from '@aws-sdk/client-ec2';
import { DescribeMountTargetsCommand, paginateDescribeFileSystems } from '@aws-sdk/client-efs';
import { GetInstanceProfileCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { DescribeParametersCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ssm';
import { DescribeTagsCommand, paginateDescribeLoadBalancers, paginateDescribeTargetGroups, type TagDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../aws/clients';
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

export type SweptKind =
  | 'instance' | 'volume' | 'network-interface' | 'vpc' | 'subnet' | 'internet-gateway' | 'route-table'
  | 'security-group' | 'efs' | 'mount-target' | 'iam-role' | 'instance-profile' | 'ssm-parameter'
  | 'load-balancer' | 'target-group' | 'cloudfront-distribution';

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

async function ec2Sweep(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const filters: Filter[] = [{ Name: `tag:${TAG_STACK}`, Values: [stack] }];
  const { ec2 } = clients;
  const [instances, volumes, enis, vpcs, subnets, igws, tables, groups] = await Promise.all([
    ec2.send(new DescribeInstancesCommand({ Filters: [...filters, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] }] })),
    ec2.send(new DescribeVolumesCommand({ Filters: filters })),
    ec2.send(new DescribeNetworkInterfacesCommand({ Filters: filters })),
    ec2.send(new DescribeVpcsCommand({ Filters: filters })),
    ec2.send(new DescribeSubnetsCommand({ Filters: filters })),
    ec2.send(new DescribeInternetGatewaysCommand({ Filters: filters })),
    ec2.send(new DescribeRouteTablesCommand({ Filters: filters })),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters })),
  ]);
  return [
    ...(instances.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => fromTags('instance', i.InstanceId!, i.Tags, i.State?.Name)),
    ...(volumes.Volumes ?? []).filter((v) => v.State !== 'deleted').map((v) => fromTags('volume', v.VolumeId!, v.Tags, v.State)),
    ...(enis.NetworkInterfaces ?? []).map((n) => fromTags('network-interface', n.NetworkInterfaceId!, n.TagSet, n.Status)),
    ...(vpcs.Vpcs ?? []).map((v) => fromTags('vpc', v.VpcId!, v.Tags)),
    ...(subnets.Subnets ?? []).map((s) => fromTags('subnet', s.SubnetId!, s.Tags)),
    ...(igws.InternetGateways ?? []).map((g) => fromTags('internet-gateway', g.InternetGatewayId!, g.Tags)),
    ...(tables.RouteTables ?? []).map((t) => fromTags('route-table', t.RouteTableId!, t.Tags)),
    ...(groups.SecurityGroups ?? []).map((g) => fromTags('security-group', g.GroupId!, g.Tags)),
  ];
}

async function efsSweep(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const found: SweptResource[] = [];
  for await (const page of paginateDescribeFileSystems({ client: clients.efs }, {})) {
    for (const fs of page.FileSystems ?? []) {
      if (tagValue(fs.Tags, TAG_STACK) !== stack || fs.LifeCycleState === 'deleted') continue;
      found.push(fromTags('efs', fs.FileSystemId!, fs.Tags, fs.LifeCycleState));
    }
  }
  return found;
}

async function iamSweep(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const found: SweptResource[] = [];
  try {
    const role = (await clients.iam.send(new GetRoleCommand({ RoleName: names.role(stack) }))).Role;
    if (role) found.push(fromTags('iam-role', role.RoleName!, role.Tags));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    const profile = (await clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: names.instanceProfile(stack) }))).InstanceProfile;
    if (profile) found.push(fromTags('instance-profile', profile.InstanceProfileName!, profile.Tags));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return found;
}

async function parameterSweep(clients: AwsClients, stack: string): Promise<SweptResource[]> {
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
async function elbSweep(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const candidates: { kind: SweptKind; arn: string; state?: string }[] = [];
  for await (const page of paginateDescribeLoadBalancers({ client: clients.elbv2 }, {})) {
    for (const lb of page.LoadBalancers ?? []) {
      if (lb.LoadBalancerName?.startsWith(NAME_PREFIX)) candidates.push({ kind: 'load-balancer', arn: lb.LoadBalancerArn!, state: lb.State?.Code });
    }
  }
  for await (const page of paginateDescribeTargetGroups({ client: clients.elbv2 }, {})) {
    for (const group of page.TargetGroups ?? []) {
      if (group.TargetGroupName?.startsWith(NAME_PREFIX)) candidates.push({ kind: 'target-group', arn: group.TargetGroupArn! });
    }
  }
  const found: SweptResource[] = [];
  for (let i = 0; i < candidates.length; i += 20) {
    const batch = candidates.slice(i, i + 20);
    const described = await elbTags(clients, batch.map((c) => c.arn));
    for (const candidate of batch) {
      const tags = described.find((d) => d.ResourceArn === candidate.arn)?.Tags;
      if (tagValue(tags, TAG_STACK) === stack) found.push(fromTags(candidate.kind, candidate.arn, tags, candidate.state));
    }
  }
  return found;
}

async function cloudFrontSweep(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  return (await findStackDistributions(clients, stack)).map((d) => fromTags('cloudfront-distribution', d.id, d.tags.map((t) => ({ Key: t.Key, Value: t.Value })), d.status));
}

/** Everything in the account (stack's region, plus global IAM and CloudFront) that carries this stack's name. */
export async function sweepStack(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const groups = await Promise.all([
    ec2Sweep(clients, stack), efsSweep(clients, stack), iamSweep(clients, stack), parameterSweep(clients, stack),
    elbSweep(clients, stack), cloudFrontSweep(clients, stack),
  ]);
  return groups.flat();
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

