import { paginateDescribeRouteTables, paginateDescribeSubnets, paginateDescribeVpcs } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import { tagValue, TAG_STACK } from '../stack/naming';

export interface DiscoveredSubnet {
  id: string;
  zone: string;
  cidr: string;
  /** Has a route to an internet gateway: an instance there can pull images, an ALB there can face the internet. */
  public: boolean;
}

export interface DiscoveredVpc {
  id: string;
  name?: string;
  cidr: string;
  isDefault: boolean;
  /** Created by a GeuseMaker stack (then reusing it is usually a mistake). */
  stack?: string;
  subnets: DiscoveredSubnet[];
  /** Distinct AZs among public subnets: load balancer tiers need two. */
  publicZones: string[];
}

const vpcSchema = z.object({ VpcId: z.string(), CidrBlock: z.string(), IsDefault: z.boolean().optional(), Tags: z.array(z.object({ Key: z.string().optional(), Value: z.string().optional() })).optional() });
const subnetSchema = z.object({ SubnetId: z.string(), VpcId: z.string(), AvailabilityZone: z.string(), CidrBlock: z.string(), MapPublicIpOnLaunch: z.boolean().optional() });

/** VPCs and subnets of a region, with which subnets are public, for the wizard's network step. */
export async function discoverNetworks(clients: AwsClients): Promise<DiscoveredVpc[]> {
  try {
    const vpcs: z.infer<typeof vpcSchema>[] = [];
    for await (const page of paginateDescribeVpcs({ client: clients.ec2 }, {})) vpcs.push(...(page.Vpcs ?? []).map((v) => vpcSchema.parse(v)));
    const subnets: z.infer<typeof subnetSchema>[] = [];
    for await (const page of paginateDescribeSubnets({ client: clients.ec2 }, {})) subnets.push(...(page.Subnets ?? []).map((s) => subnetSchema.parse(s)));
    // A subnet is public when its route table (its own, else the VPC's main one) sends 0.0.0.0/0 to an internet gateway.
    const publicTables = new Map<string, boolean>();
    const explicit = new Map<string, string>();
    const mainTable = new Map<string, string>();
    for await (const page of paginateDescribeRouteTables({ client: clients.ec2 }, {})) {
      for (const table of page.RouteTables ?? []) {
        if (!table.RouteTableId || !table.VpcId) continue;
        publicTables.set(table.RouteTableId, (table.Routes ?? []).some((r) => r.DestinationCidrBlock === '0.0.0.0/0' && r.GatewayId?.startsWith('igw-')));
        for (const association of table.Associations ?? []) {
          if (association.Main) mainTable.set(table.VpcId, table.RouteTableId);
          else if (association.SubnetId) explicit.set(association.SubnetId, table.RouteTableId);
        }
      }
    }
    return vpcs.map((vpc) => {
      const own = subnets.filter((s) => s.VpcId === vpc.VpcId).map((s): DiscoveredSubnet => {
        const table = explicit.get(s.SubnetId) ?? mainTable.get(vpc.VpcId);
        return { id: s.SubnetId, zone: s.AvailabilityZone, cidr: s.CidrBlock, public: table ? publicTables.get(table) === true : false };
      }).sort((a, b) => a.zone.localeCompare(b.zone));
      return {
        id: vpc.VpcId, name: tagValue(vpc.Tags, 'Name'), cidr: vpc.CidrBlock, isDefault: vpc.IsDefault === true, stack: tagValue(vpc.Tags, TAG_STACK),
        subnets: own, publicZones: [...new Set(own.filter((s) => s.public).map((s) => s.zone))],
      };
    }).sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.id.localeCompare(b.id));
  } catch (error) {
    throw classifyAwsError(error, { profile: clients.profile });
  }
}
