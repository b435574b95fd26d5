import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { GetDistributionCommand } from '@aws-sdk/client-cloudfront';
import {
  DescribeInternetGatewaysCommand, DescribeLaunchTemplatesCommand, DescribeRouteTablesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeFileSystemsCommand, DescribeMountTargetsCommand } from '@aws-sdk/client-efs';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetInstanceProfileCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { awsErrorCode, isNotFound } from '../aws/classify';
import type { AwsClients } from '../aws/clients';
import { LIVE_INSTANCE_STATES, sightInstances } from '../live';
import type { ResourceRecord } from '../state/schema';

type Probe = (clients: AwsClients, ids: readonly string[], signal?: AbortSignal) => Promise<Set<string>>;

/** A describe by id that answers "no such thing" (each service words it its own way) says it is gone. */
function saysGone(error: unknown): boolean {
  return isNotFound(error) || /NotFound/.test(awsErrorCode(error) ?? '');
}

/** Each id on its own: one id's "not found" must not hide the others (ELB, IAM, CloudFront fail a whole batch). */
function oneByOne(exists: (clients: AwsClients, id: string, signal?: AbortSignal) => Promise<boolean>): Probe {
  return async (clients, ids, signal) => {
    const found = await Promise.all(ids.map(async (id) => {
      try {
        return (await exists(clients, id, signal)) ? id : undefined;
      } catch (error) {
        if (saysGone(error)) return undefined;
        throw error;
      }
    }));
    return new Set(found.filter((id): id is string => id !== undefined));
  };
}

type Filters = { Name: string; Values: string[] }[];

/** EC2 filters by id answer only what exists (a missing id is simply absent), so one call covers every id. */
function byFilter(filter: string, field: string, read: (clients: AwsClients, filters: Filters, signal?: AbortSignal) => Promise<unknown[] | undefined>): Probe {
  const schema = z.object({ [field]: z.string() });
  return async (clients, ids, signal) => new Set(((await read(clients, [{ Name: filter, Values: [...ids] }], signal)) ?? []).map((raw) => String(schema.parse(raw)[field])));
}

const fileSystemSchema = z.object({ FileSystems: z.array(z.object({ LifeCycleState: z.string().optional() })).optional() });
const groupsSchema = z.object({ AutoScalingGroups: z.array(z.object({ AutoScalingGroupName: z.string(), Status: z.string().optional() })).optional() });
const parametersSchema = z.object({ Parameters: z.array(z.object({ Name: z.string() })).optional() });

/** How to tell, per journal kind, which of these ids AWS still has. Kinds without an entry are not probed. */
const PROBES: Partial<Record<ResourceRecord['kind'], Probe>> = {
  vpc: byFilter('vpc-id', 'VpcId', async (c, Filters, s) => (await c.ec2.send(new DescribeVpcsCommand({ Filters }), { abortSignal: s })).Vpcs),
  subnet: byFilter('subnet-id', 'SubnetId', async (c, Filters, s) => (await c.ec2.send(new DescribeSubnetsCommand({ Filters }), { abortSignal: s })).Subnets),
  'internet-gateway': byFilter('internet-gateway-id', 'InternetGatewayId', async (c, Filters, s) => (await c.ec2.send(new DescribeInternetGatewaysCommand({ Filters }), { abortSignal: s })).InternetGateways),
  'route-table': byFilter('route-table-id', 'RouteTableId', async (c, Filters, s) => (await c.ec2.send(new DescribeRouteTablesCommand({ Filters }), { abortSignal: s })).RouteTables),
  'security-group': byFilter('group-id', 'GroupId', async (c, Filters, s) => (await c.ec2.send(new DescribeSecurityGroupsCommand({ Filters }), { abortSignal: s })).SecurityGroups),
  'launch-template': oneByOne(async (c, id, s) => ((await c.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }), { abortSignal: s })).LaunchTemplates ?? []).length > 0),
  efs: oneByOne(async (c, id, s) => {
    const state = fileSystemSchema.parse(await c.efs.send(new DescribeFileSystemsCommand({ FileSystemId: id }), { abortSignal: s })).FileSystems?.[0]?.LifeCycleState;
    return state !== undefined && state !== 'deleting' && state !== 'deleted';
  }),
  'mount-target': oneByOne(async (c, id, s) => ((await c.efs.send(new DescribeMountTargetsCommand({ MountTargetId: id }), { abortSignal: s })).MountTargets ?? []).length > 0),
  'iam-role': oneByOne(async (c, id, s) => (await c.iam.send(new GetRoleCommand({ RoleName: id }), { abortSignal: s })).Role !== undefined),
  'instance-profile': oneByOne(async (c, id, s) => (await c.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: id }), { abortSignal: s })).InstanceProfile !== undefined),
  // Metadata only: GetParameter would fetch the secret itself.
  'ssm-parameter': async (c, ids, s) => {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 50) {
      const out = parametersSchema.parse(await c.ssm.send(new DescribeParametersCommand({
        ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: ids.slice(i, i + 50) }], MaxResults: 50,
      }), { abortSignal: s }));
      for (const parameter of out.Parameters ?? []) found.add(parameter.Name);
    }
    return found;
  },
  'load-balancer': oneByOne(async (c, id, s) => ((await c.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [id] }), { abortSignal: s })).LoadBalancers ?? []).length > 0),
  'target-group': oneByOne(async (c, id, s) => ((await c.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [id] }), { abortSignal: s })).TargetGroups ?? []).length > 0),
  listener: oneByOne(async (c, id, s) => ((await c.elbv2.send(new DescribeListenersCommand({ ListenerArns: [id] }), { abortSignal: s })).Listeners ?? []).length > 0),
  'listener-rule': oneByOne(async (c, id, s) => ((await c.elbv2.send(new DescribeRulesCommand({ RuleArns: [id] }), { abortSignal: s })).Rules ?? []).length > 0),
  'cloudfront-distribution': oneByOne(async (c, id, s) => (await c.cloudfront.send(new GetDistributionCommand({ Id: id }), { abortSignal: s })).Distribution !== undefined),
  'auto-scaling-group': async (c, ids, s) => {
    const out = groupsSchema.parse(await c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...ids] }), { abortSignal: s }));
    // A forced delete in progress is as good as gone: the deploy makes the group anew.
    return new Set((out.AutoScalingGroups ?? []).filter((g) => g.Status !== 'Delete in progress').map((g) => g.AutoScalingGroupName));
  },
  'sns-topic': oneByOne(async (c, id, s) => (await c.sns.send(new GetTopicAttributesCommand({ TopicArn: id }), { abortSignal: s })).Attributes !== undefined),
  // Only an instance from before groups: the group's own instance is replaced by the group, which is no drift.
  instance: async (c, ids, s) => {
    const seen = await sightInstances(c, ids, s);
    return new Set([...seen.values()].filter((i) => LIVE_INSTANCE_STATES.includes(i.state)).map((i) => i.id));
  },
};

/** The records of one kind, and what became of the probe. */
export interface ProbeResult {
  kind: ResourceRecord['kind'];
  records: readonly (ResourceRecord & { id: string })[];
  /** Ids AWS still has; undefined when the probe failed (then `error`). */
  present?: Set<string>;
  error?: unknown;
}

/** Which of these records AWS still has, one probe per kind, side by side. A failed probe is returned, never thrown. */
export async function probeRecords(clients: AwsClients, records: readonly (ResourceRecord & { id: string })[], signal?: AbortSignal): Promise<ProbeResult[]> {
  const byKind = new Map<ResourceRecord['kind'], (ResourceRecord & { id: string })[]>();
  for (const record of records) {
    if (!PROBES[record.kind]) continue;
    byKind.set(record.kind, [...(byKind.get(record.kind) ?? []), record]);
  }
  return Promise.all([...byKind.entries()].map(async ([kind, list]): Promise<ProbeResult> => {
    try {
      return { kind, records: list, present: await PROBES[kind]!(clients, list.map((r) => r.id), signal) };
    } catch (error) {
      return { kind, records: list, error };
    }
  }));
}
