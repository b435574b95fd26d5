import assert from 'node:assert/strict';
import { DescribeManagedPrefixListsCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { ClientInstrument } from '../../src/engine/aws/clients';
import { publicUrlOf } from '../../src/engine/operate';
import { ORIGIN_HEADER } from '../../src/engine/resources/load-balancer';
import type { StackState } from '../../src/engine/state/schema';
import { inspector } from './engine';

export function both(...instruments: ClientInstrument[]): ClientInstrument {
  return (client, service) => instruments.forEach((instrument) => instrument(client, service));
}

/**
 * What issue 7's test 1 asks of a load-balanced stack with CloudFront: ALB subnets in two AZs; the instance
 * group's only inbound rule references the ALB group; the ALB group admits only CloudFront's prefix list; the listener answers 403 by default and forwards only
 * with the origin header; CloudFront's origin is http-only and points at the ALB.
 */
export async function assertBehindCloudFront(state: StackState): Promise<void> {
  const aws = inspector();
  try {
    const r = state.resources;
    const lb = (await aws.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [r.alb!.id!] }))).LoadBalancers![0]!;
    assert.equal(lb.Scheme, 'internet-facing');
    const subnets = (await aws.ec2.send(new DescribeSubnetsCommand({ SubnetIds: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId!) }))).Subnets ?? [];
    assert.equal(subnets.length, 2);
    assert.equal(new Set(subnets.map((s) => s.AvailabilityZone)).size, 2, 'ALB subnets in two different AZs');

    // moto ships AWS's managed com.amazonaws.global.cloudfront.origin-facing list, so this is the prefix-list path.
    const cloudFrontList = (await aws.ec2.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.global.cloudfront.origin-facing'] }] }))).PrefixLists![0]!.PrefixListId;
    const albGroup = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [r['sg-alb']!.id!] }))).SecurityGroups![0]!;
    assert.deepEqual(albGroup.IpPermissions?.map((p) => [p.FromPort, p.ToPort, p.PrefixListIds?.map((l) => l.PrefixListId), p.IpRanges ?? [], p.Ipv6Ranges ?? []]), [[80, 80, [cloudFrontList], [], []]],
      'the load balancer admits only CloudFront\'s origin-facing addresses');

    const instanceGroup = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [r['sg-instance']!.id!] }))).SecurityGroups![0]!;
    const inbound = instanceGroup.IpPermissions ?? [];
    assert.equal(inbound.length, 1, 'one inbound rule on the instance');
    assert.deepEqual(inbound[0]!.UserIdGroupPairs?.map((p) => p.GroupId), [r['sg-alb']!.id], 'it references the ALB group');
    assert.deepEqual(inbound[0]!.IpRanges ?? [], [], 'no address range on the instance');
    assert.equal(inbound[0]!.FromPort, 80);

    const listeners = (await aws.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
    assert.deepEqual(listeners.map((l) => l.Port), [80]);
    assert.equal(listeners[0]!.DefaultActions?.[0]?.Type, 'fixed-response');
    assert.equal(listeners[0]!.DefaultActions?.[0]?.FixedResponseConfig?.StatusCode, '403', 'default action is 403');
    const rules = ((await aws.elbv2.send(new DescribeRulesCommand({ ListenerArn: listeners[0]!.ListenerArn }))).Rules ?? []).filter((rule) => !rule.IsDefault);
    assert.equal(rules.length, 1);
    const secret = (await aws.ssm.send(new GetParameterCommand({ Name: `/geusemaker/${state.name}/origin-header`, WithDecryption: true }))).Parameter!.Value!;
    assert.ok(secret.length >= 32);
    const condition = rules[0]!.Conditions![0]!;
    assert.equal(condition.Field, 'http-header');
    assert.equal(condition.HttpHeaderConfig?.HttpHeaderName, ORIGIN_HEADER);
    assert.deepEqual(condition.HttpHeaderConfig?.Values, [secret], 'the rule requires the secret origin header');
    assert.equal(rules[0]!.Actions?.[0]?.Type, 'forward');

    const group = (await aws.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [r['target-group']!.id!] }))).TargetGroups![0]!;
    assert.equal(group.HealthCheckPath, '/healthz');
    const health = (await aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn }))).TargetHealthDescriptions ?? [];
    assert.deepEqual(health.map((h) => h.Target?.Id), [r.instance!.id], 'the instance is the one registered target');

    const config = (await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: r.cloudfront!.id! }))).DistributionConfig!;
    const origin = config.Origins!.Items![0]!;
    assert.equal(origin.DomainName, lb.DNSName, 'origin is the ALB');
    assert.equal(origin.CustomOriginConfig?.OriginProtocolPolicy, 'http-only');
    assert.equal(origin.CustomOriginConfig?.OriginReadTimeout, 60);
    assert.deepEqual(origin.CustomHeaders?.Items?.map((h) => [h.HeaderName, h.HeaderValue]), [[ORIGIN_HEADER, secret]]);
    assert.equal(config.PriceClass, 'PriceClass_100');
    assert.equal(config.HttpVersion, 'http2and3');
    assert.equal(config.DefaultCacheBehavior?.AllowedMethods?.Quantity, 7, 'all HTTP methods');
    assert.equal(config.DefaultCacheBehavior?.ViewerProtocolPolicy, 'redirect-to-https');
    assert.equal(publicUrlOf(state), `https://${r.cloudfront!.attrs.domainName}/`);
  } finally {
    aws.destroy();
  }
}
