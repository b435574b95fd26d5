import {
  AssociateRouteTableCommand, AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateRouteCommand,
  CreateRouteTableCommand, CreateSubnetCommand, CreateVpcCommand, DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcAttributeCommand, DescribeVpcsCommand, ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
} from '@aws-sdk/client-ec2';
import type { StepContext } from '../context';
import type { StepResult } from '../graph/run-graph';
import { isNotFound } from '../aws/classify';
import { applyOnce } from './once';
import { ensureResource, onceOf, retryNotFound, type Found } from './ensure';
import { ownedBy, tagSpec } from './ec2-tags';

export const VPC_CIDR = '10.42.0.0/16';
const SUBNET_CIDRS = ['10.42.0.0/20', '10.42.16.0/20'];
/** Private subnets (scale: RDS and ElastiCache): no public addresses, and the VPC's main route table has no internet route. */
const PRIVATE_SUBNET_CIDRS = ['10.42.128.0/24', '10.42.129.0/24'];

/** One of the stack's subnets, with its AZ. */
export interface Subnet {
  id: string;
  zone: string;
}

/** A step's result with the id of what it ensured, for the steps that use it. */
export type WithId = StepResult & { id: string };

export async function ensureVpc(ctx: StepContext): Promise<WithId> {
  const { found, outcome } = await ensureResource(ctx, {
    key: 'vpc', kind: 'vpc',
    describe: async (id) => {
      try {
        const out = await ctx.clients.ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }));
        return out.Vpcs?.[0]?.VpcId ? { id } : undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    findOrphan: async () => {
      const out = await ctx.clients.ec2.send(new DescribeVpcsCommand({ Filters: ownedBy(ctx, 'vpc') }));
      const id = out.Vpcs?.[0]?.VpcId;
      return id ? { id } : undefined;
    },
    create: async () => {
      const out = await ctx.clients.ec2.send(new CreateVpcCommand({ CidrBlock: VPC_CIDR, TagSpecifications: tagSpec(ctx, 'vpc', 'vpc') }));
      return { id: out.Vpc!.VpcId! };
    },
  });
  // EFS mounts by DNS name, which needs DNS hostnames on. A new VPC has them off; a reused one is asked first.
  if (outcome === 'created' || !(await dnsHostnamesOn(ctx, found.id))) {
    await retryNotFound(ctx, () => ctx.clients.ec2.send(new ModifyVpcAttributeCommand({ VpcId: found.id, EnableDnsHostnames: { Value: true } })));
  }
  return { outcome, detail: found.id, id: found.id };
}

async function dnsHostnamesOn(ctx: StepContext, vpcId: string): Promise<boolean> {
  const out = await retryNotFound(ctx, () => ctx.clients.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' })));
  return out.EnableDnsHostnames?.Value === true;
}

/** The stack's subnet `key` in its index-th AZ (CIDR by index); private ones keep the main route table (no internet route). */
export async function ensureSubnet(ctx: StepContext, key: string, index: 0 | 1, vpcId: string, visibility: 'public' | 'private' = 'public'): Promise<StepResult & { subnet: Subnet }> {
  const zone = ctx.facts.zones[index]!;
  const toFound = (subnet: { SubnetId?: string; AvailabilityZone?: string }): Found => ({ id: subnet.SubnetId!, attrs: { zone: subnet.AvailabilityZone ?? zone } });
  // What the journaled subnet's description said, so a reused subnet that already maps public IPs is left alone.
  let mapsPublicIp = false;
  const { found, outcome } = await ensureResource(ctx, {
    key, kind: 'subnet',
    describe: async (id) => {
      try {
        const subnet = (await ctx.clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.[0];
        mapsPublicIp = subnet?.MapPublicIpOnLaunch === true;
        return subnet ? toFound(subnet) : undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    findOrphan: async () => {
      const subnet = (await ctx.clients.ec2.send(new DescribeSubnetsCommand({ Filters: ownedBy(ctx, key) }))).Subnets?.[0];
      return subnet ? toFound(subnet) : undefined;
    },
    create: async () => {
      const out = await retryNotFound(ctx, () => ctx.clients.ec2.send(new CreateSubnetCommand({
        VpcId: vpcId, CidrBlock: (visibility === 'public' ? SUBNET_CIDRS : PRIVATE_SUBNET_CIDRS)[index], AvailabilityZone: zone, TagSpecifications: tagSpec(ctx, 'subnet', key),
      })));
      return toFound(out.Subnet!);
    },
  });
  // Public IPv4 lets the SSM agent reach AWS without a NAT gateway (which would cost more than the instance).
  if (visibility === 'public' && (outcome === 'created' || !mapsPublicIp)) {
    await retryNotFound(ctx, () => ctx.clients.ec2.send(new ModifySubnetAttributeCommand({ SubnetId: found.id, MapPublicIpOnLaunch: { Value: true } })));
  }
  return { outcome, detail: `${found.id} in ${found.attrs?.zone ?? zone}`, subnet: { id: found.id, zone: found.attrs?.zone ?? zone } };
}

export async function ensureInternetGateway(ctx: StepContext, vpcId: string): Promise<WithId> {
  const { found, outcome } = await ensureResource(ctx, {
    key: 'igw', kind: 'internet-gateway',
    describe: async (id) => {
      try {
        const igw = (await ctx.clients.ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] }))).InternetGateways?.[0];
        return igw ? { id } : undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    findOrphan: async () => {
      const igw = (await ctx.clients.ec2.send(new DescribeInternetGatewaysCommand({ Filters: ownedBy(ctx, 'igw') }))).InternetGateways?.[0];
      return igw?.InternetGatewayId ? { id: igw.InternetGatewayId } : undefined;
    },
    create: async () => {
      const out = await ctx.clients.ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: tagSpec(ctx, 'internet-gateway', 'igw') }));
      return { id: out.InternetGateway!.InternetGatewayId! };
    },
  });
  const attached = async (): Promise<boolean> => {
    const igw = (await ctx.clients.ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [found.id] }))).InternetGateways?.[0];
    return igw?.Attachments?.some((a) => a.VpcId === vpcId) ?? false;
  };
  if (!(await attached())) {
    await applyOnce(onceOf(ctx), {
      send: () => retryNotFound(ctx, () => ctx.clients.ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: found.id, VpcId: vpcId }))),
      isDone: attached,
    });
  }
  return { outcome, detail: found.id, id: found.id };
}

export async function ensureRouteTable(ctx: StepContext, vpcId: string, igwId: string, subnetIds: readonly string[]): Promise<WithId> {
  const { found, outcome } = await ensureResource(ctx, {
    key: 'route-table', kind: 'route-table',
    describe: async (id) => {
      try {
        const table = (await ctx.clients.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables?.[0];
        return table ? { id } : undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    findOrphan: async () => {
      const table = (await ctx.clients.ec2.send(new DescribeRouteTablesCommand({ Filters: ownedBy(ctx, 'route-table') }))).RouteTables?.[0];
      return table?.RouteTableId ? { id: table.RouteTableId } : undefined;
    },
    create: async (token) => {
      const out = await retryNotFound(ctx, () => ctx.clients.ec2.send(new CreateRouteTableCommand({
        VpcId: vpcId, ClientToken: token, TagSpecifications: tagSpec(ctx, 'route-table', 'route-table'),
      })));
      return { id: out.RouteTable!.RouteTableId! };
    },
  });
  const read = async () => (await ctx.clients.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [found.id] }))).RouteTables?.[0];
  const routesOut = (t: Awaited<ReturnType<typeof read>>): boolean => t?.Routes?.some((route) => route.DestinationCidrBlock === '0.0.0.0/0' && route.GatewayId === igwId) ?? false;
  const table = await read();
  if (!routesOut(table)) {
    await applyOnce(onceOf(ctx), {
      send: () => retryNotFound(ctx, () => ctx.clients.ec2.send(new CreateRouteCommand({ RouteTableId: found.id, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId }))),
      isDone: async () => routesOut(await read()),
    });
  }
  for (const subnetId of subnetIds) {
    if (table?.Associations?.some((association) => association.SubnetId === subnetId)) continue;
    await applyOnce(onceOf(ctx), {
      send: () => retryNotFound(ctx, () => ctx.clients.ec2.send(new AssociateRouteTableCommand({ RouteTableId: found.id, SubnetId: subnetId }))),
      isDone: async () => (await read())?.Associations?.some((association) => association.SubnetId === subnetId) ?? false,
    });
  }
  return { outcome, detail: found.id, id: found.id };
}
