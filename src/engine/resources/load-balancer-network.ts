import { DescribeRouteTablesCommand, DescribeSubnetsCommand, type RouteTable } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import { invalidInput } from '../errors';
import type { StackConfig } from '../stack/config';
import { isLoadBalanced } from '../tiers';

function routesToInternet(table: RouteTable | undefined): boolean {
  return (table?.Routes ?? []).some((route) => route.DestinationCidrBlock === '0.0.0.0/0' && (route.GatewayId ?? '').startsWith('igw-') && route.State !== 'blackhole');
}

/**
 * A reused network for automation/gpu: an internet-facing ALB needs public subnets (a route to an internet
 * gateway) in at least two AZs, one per AZ. Returns one such subnet per AZ, or refuses with the reason.
 * New networks already have subnet-a and subnet-b in two AZs.
 */
export async function loadBalancerSubnetsOf(clients: AwsClients, config: StackConfig): Promise<string[] | undefined> {
  if (!isLoadBalanced(config.tier) || config.network.mode !== 'existing') return undefined;
  const { vpcId, subnetIds } = config.network;
  try {
    const subnets = (await clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }))).Subnets ?? [];
    const tables = (await clients.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).RouteTables ?? [];
    const main = tables.find((t) => (t.Associations ?? []).some((a) => a.Main));
    const tableOf = (subnetId: string) => tables.find((t) => (t.Associations ?? []).some((a) => a.SubnetId === subnetId)) ?? main;
    const byZone = new Map<string, string>();
    for (const subnet of [...subnets].sort((a, b) => (a.SubnetId ?? '').localeCompare(b.SubnetId ?? ''))) {
      if (!subnet.SubnetId || !subnet.AvailabilityZone || byZone.has(subnet.AvailabilityZone)) continue;
      if (routesToInternet(tableOf(subnet.SubnetId))) byZone.set(subnet.AvailabilityZone, subnet.SubnetId);
    }
    if (byZone.size < 2) {
      const zones = [...new Set(subnets.map((s) => s.AvailabilityZone))].join(', ');
      throw invalidInput('NETWORK_NOT_FOR_LOAD_BALANCER',
        `network.subnetIds: an internet-facing load balancer needs public subnets (a route to an internet gateway) in at least two Availability Zones; ${byZone.size === 0 ? 'none of the subnets is public' : `the public ones are all in ${[...byZone.keys()].join(', ')}`} (subnets are in ${zones || 'no AZ'}).`,
        'Add a public subnet in a second AZ of this VPC to network.subnetIds, or use network: { mode: new }.');
    }
    return [...byZone.values()];
  } catch (error) {
    throw classifyAwsError(error, { profile: config.profile });
  }
}
