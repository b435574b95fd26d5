import assert from 'node:assert/strict';
import { DescribeAutoScalingGroupsCommand, DetachLoadBalancerTargetGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeSubnetsCommand, DescribeVpcAttributeCommand, ModifySubnetAttributeCommand, ModifyVpcAttributeCommand, RevokeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeListenersCommand, DescribeLoadBalancerAttributesCommand, ModifyListenerCommand, ModifyLoadBalancerAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DetachRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, PutRolePolicyCommand, UntagRoleCommand } from '@aws-sdk/client-iam';
import { parsePolicyDocument, samePolicyDocument } from '../../src/engine/resources/compare-json';
import { sameAction } from '../../src/engine/resources/compare-actions';
import { groupUpdate, type LiveGroupSettings, type WantedGroupSettings } from '../../src/engine/resources/compare-group';
import type { ClientInstrument } from '../../src/engine/aws/clients';
import type { StackConfig } from '../../src/engine/stack/config';
import { FaultInjector } from '../harness/faults';
import { automationConfig, devConfig, inspector, testEngine } from '../harness/engine';
import { both } from '../harness/tier-checks';

/**
 * moto has neither PutNotificationConfiguration nor DescribeNotificationConfigurations: both are answered here as
 * AWS answers them (an empty 200; one entry per notice type), from what was put, so a redeploy can read it back.
 */
function recordedNotifications(): ClientInstrument {
  const configured: { AutoScalingGroupName: string; TopicARN: string; NotificationType: string }[] = [];
  return (client, service) => {
    if (service !== 'autoscaling') return;
    client.middlewareStack.add((next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName;
      const input = (args as { input: Record<string, unknown> }).input;
      const metadata = { httpStatusCode: 200, requestId: 'a1b2c3d4-0000-4000-8000-000000000002' };
      if (command === 'PutNotificationConfigurationCommand') {
        const group = String(input.AutoScalingGroupName);
        const topic = String(input.TopicARN);
        for (const type of (input.NotificationTypes as string[] | undefined) ?? []) {
          if (!configured.some((c) => c.AutoScalingGroupName === group && c.TopicARN === topic && c.NotificationType === type)) {
            configured.push({ AutoScalingGroupName: group, TopicARN: topic, NotificationType: type });
          }
        }
        return { output: { $metadata: metadata }, response: {} };
      }
      if (command === 'DescribeNotificationConfigurationsCommand') {
        const groups = (input.AutoScalingGroupNames as string[] | undefined) ?? [];
        return { output: { $metadata: metadata, NotificationConfigurations: configured.filter((c) => groups.length === 0 || groups.includes(c.AutoScalingGroupName)) }, response: {} };
      }
      return next(args);
    }, { step: 'initialize', name: 'recordedNotificationConfigurations' });
  };
}

/** Deploys `config` once, then again unchanged; returns each deploy's mutating calls. */
async function deployTwice(config: StackConfig, extra?: ClientInstrument): Promise<{ first: string[]; second: string[] }> {
  // The recorder goes first, so it sees the calls the recorded answers stand in for.
  const faults = new FaultInjector();
  const engine = testEngine({ instrument: extra ? both(faults.instrument, extra) : faults.instrument });
  try {
    assert.equal((await engine.deploy(config)).state.status, 'deployed');
    const first = faults.mutatingCalls();
    faults.calls.length = 0;
    assert.equal((await engine.deploy(config)).state.status, 'deployed');
    return { first, second: faults.mutatingCalls() };
  } finally {
    engine.dispose();
  }
}

describe('no-op redeploy: nothing changes when nothing differs (moto over HTTP)', function () {
  this.timeout(180_000);

  it('a dev stack deployed again unchanged makes no mutating AWS call', async () => {
    const { first, second } = await deployTwice(devConfig());
    // The same writes the first deploy needed, so the second one's silence is a comparison, not a skipped step.
    for (const call of ['ec2:ModifyVpcAttribute', 'ec2:ModifySubnetAttribute', 'iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:TagRole', 'autoscaling:CreateAutoScalingGroup']) {
      assert.ok(first.includes(call), `the first deploy calls ${call}`);
    }
    assert.deepEqual(second, [], `mutating calls on an unchanged redeploy: ${second.join(', ')}`);
  });

  it('an automation stack with CloudFront and group notices deployed again unchanged makes no mutating AWS call', async () => {
    const { first, second } = await deployTwice(automationConfig({ cloudFront: true, notifyEmail: 'ops@example.com' }), recordedNotifications());
    for (const call of ['elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:CreateRule', 'autoscaling:UpdateAutoScalingGroup', 'autoscaling:PutNotificationConfiguration', 'cloudfront:CreateDistributionWithTags', 'ec2:AuthorizeSecurityGroupIngress']) {
      assert.ok(first.includes(call), `the first deploy calls ${call}`);
    }
    assert.deepEqual(second, [], `mutating calls on an unchanged redeploy: ${second.join(', ')}`);
  });

  it('a changed setting still converges: a longer timeouts.targetHealthyMinutes updates the group\'s grace period, and nothing else', async () => {
    const faults = new FaultInjector();
    const engine = testEngine({ instrument: faults.instrument });
    const aws = inspector();
    try {
      await engine.deploy(devConfig());
      const grace = async () => (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups?.[0]?.HealthCheckGracePeriod;
      assert.equal(await grace(), 30 * 60, 'dev: 30 min by default');
      faults.calls.length = 0;
      await engine.deploy(devConfig({ timeouts: { targetHealthyMinutes: 40 } }));
      assert.equal(await grace(), 50 * 60, 'targetHealthyMinutes + 10');
      const calls = faults.mutatingCalls();
      assert.deepEqual(calls, ['autoscaling:UpdateAutoScalingGroup'], `mutating calls: ${calls.join(', ')}`);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('drift made by hand on a dev stack is repaired, and only it: DNS hostnames, a subnet\'s public IPs, the role\'s policies and tag, the group\'s size (its subnets reordered are no difference)', async () => {
    const faults = new FaultInjector();
    const engine = testEngine({ instrument: faults.instrument });
    const aws = inspector();
    try {
      const r = (await engine.deploy(devConfig())).state.resources;
      const vpcId = r.vpc!.id!;
      const subnetId = r['subnet-a']!.id!;
      const role = 'gm-demo-instance';
      const policyName = 'geusemaker-read-stack-secrets';
      const ourPolicy = parsePolicyDocument((await aws.iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: policyName }))).PolicyDocument);
      const group = async () => (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups![0]!;
      const subnets = (await group()).VPCZoneIdentifier!.split(',');

      await aws.ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: false } }));
      await aws.ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: false } }));
      await aws.iam.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' }));
      await aws.iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: policyName, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' }] }) }));
      await aws.iam.send(new UntagRoleCommand({ RoleName: role, TagKeys: ['geusemaker:region'] }));
      // (moto ignores CapacityRebalance on an update, so the size stands in for the group's settings.)
      await aws.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'gm-demo', MaxSize: 2, VPCZoneIdentifier: [...subnets].reverse().join(',') }));
      assert.deepEqual((await group()).VPCZoneIdentifier, [...subnets].reverse().join(','), 'the subnets are listed in the other order');

      faults.calls.length = 0;
      await engine.deploy(devConfig());
      const calls = faults.mutatingCalls();
      assert.deepEqual([...calls].sort(), [
        'autoscaling:UpdateAutoScalingGroup', 'ec2:ModifySubnetAttribute', 'ec2:ModifyVpcAttribute', 'iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:TagRole',
      ], `mutating calls: ${calls.join(', ')}`);
      assert.equal((await aws.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' }))).EnableDnsHostnames?.Value, true);
      assert.equal((await aws.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets![0]!.MapPublicIpOnLaunch, true);
      const attached = (await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? [];
      assert.deepEqual(attached.map((p) => p.PolicyName), ['AmazonSSMManagedInstanceCore']);
      assert.deepEqual(parsePolicyDocument((await aws.iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: policyName }))).PolicyDocument), ourPolicy);
      assert.equal((await aws.iam.send(new GetRoleCommand({ RoleName: role }))).Role?.Tags?.find((t) => t.Key === 'geusemaker:region')?.Value, 'us-east-1');
      assert.deepEqual([(await group()).MinSize, (await group()).MaxSize, (await group()).DesiredCapacity], [1, 1, 1]);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('drift made by hand on an automation stack is repaired, and only it: idle timeout, the listener\'s 403 body, the group\'s health check type and target group, the load balancer group\'s rule', async () => {
    const faults = new FaultInjector();
    const engine = testEngine({ instrument: faults.instrument });
    const aws = inspector();
    try {
      const config = automationConfig({ cloudFront: true });
      const r = (await engine.deploy(config)).state.resources;
      const lbArn = r.alb!.id!;
      const listenerArn = r['listener-http']!.id!;
      const albGroup = r['sg-alb']!.id!;
      const targetGroupArn = r['target-group']!.id!;
      const group = async () => (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups![0]!;
      const rules = async () => (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [albGroup] }))).SecurityGroups![0]!.IpPermissions ?? [];
      const before = await rules();
      const listener = async () => (await aws.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners![0]!.DefaultActions![0]!;
      const body = (await listener()).FixedResponseConfig?.MessageBody;

      await aws.elbv2.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '60' }] }));
      // Same action type, other content: a comparison of types alone would miss it.
      await aws.elbv2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'changed by hand' } }] }));
      await aws.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'gm-demo', HealthCheckType: 'EC2' }));
      await aws.autoscaling.send(new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: 'gm-demo', TargetGroupARNs: [targetGroupArn] }));
      await aws.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: albGroup, IpPermissions: before }));

      faults.calls.length = 0;
      await engine.deploy(config);
      const calls = faults.mutatingCalls();
      assert.deepEqual([...calls].sort(), [
        'autoscaling:AttachLoadBalancerTargetGroups', 'autoscaling:UpdateAutoScalingGroup', 'ec2:AuthorizeSecurityGroupIngress',
        'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyLoadBalancerAttributes',
      ], `mutating calls: ${calls.join(', ')}`);
      const idle = (await aws.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }))).Attributes?.find((a) => a.Key === 'idle_timeout.timeout_seconds')?.Value;
      assert.equal(idle, '600');
      assert.equal((await listener()).FixedResponseConfig?.MessageBody, body);
      const asg = await group();
      assert.equal(asg.HealthCheckType, 'ELB');
      assert.deepEqual(asg.TargetGroupARNs, [targetGroupArn]);
      assert.deepEqual((await rules()).map((p) => p.PrefixListIds?.map((l) => l.PrefixListId)), before.map((p) => p.PrefixListIds?.map((l) => l.PrefixListId)));
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});

describe('no-op redeploy: how AWS\'s answers are compared', () => {
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: 'arn:aws:ssm:us-east-1:1:parameter/geusemaker/demo/*' }] });

  it('a policy document is the same whether IAM returns it URL-encoded (real IAM) or decoded, with other whitespace and key order; a literal % is not decoded twice', () => {
    assert.ok(samePolicyDocument(encodeURIComponent(policy), policy));
    assert.ok(samePolicyDocument(JSON.stringify(JSON.parse(policy), null, 2), policy));
    assert.ok(samePolicyDocument('{"Statement":[{"Resource":"arn:aws:ssm:us-east-1:1:parameter/geusemaker/demo/*","Action":["ssm:GetParameter"],"Effect":"Allow"}],"Version":"2012-10-17"}', policy));
    assert.deepEqual(parsePolicyDocument('{"Sid":"100%"}'), { Sid: '100%' });
    assert.ok(!samePolicyDocument(encodeURIComponent(policy.replace('Allow', 'Deny')), policy));
    assert.ok(!samePolicyDocument(undefined, policy));
    assert.ok(!samePolicyDocument('%E0%A4%A', policy), 'a malformed answer is a difference (the policy is written)');
  });

  it('listener actions compare as AWS fills them in', () => {
    const tg = 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/gm-demo-tg/1';
    assert.ok(sameAction({ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg, Weight: 1 }] } }, { Type: 'forward', TargetGroupArn: tg }));
    assert.ok(!sameAction({ Type: 'forward', TargetGroupArn: `${tg}0` }, { Type: 'forward', TargetGroupArn: tg }));
    const redirect = { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' as const };
    assert.ok(sameAction({ Type: 'redirect', RedirectConfig: { ...redirect, Host: '#{host}', Path: '/#{path}', Query: '#{query}' } }, { Type: 'redirect', RedirectConfig: redirect }));
    assert.ok(!sameAction({ Type: 'redirect', RedirectConfig: { ...redirect, StatusCode: 'HTTP_302' } }, { Type: 'redirect', RedirectConfig: redirect }));
  });

  it('the group\'s settings: subnets in any order and distribution fields AWS leaves at their defaults are no difference; a type order, a version or a grace period is', () => {
    const wanted: WantedGroupSettings = {
      AutoScalingGroupName: 'gm-demo', MinSize: 1, MaxSize: 1, DesiredCapacity: 1, VPCZoneIdentifier: 'subnet-a,subnet-b', CapacityRebalance: false, HealthCheckGracePeriod: 1800,
      MixedInstancesPolicy: {
        LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: 'lt-1', Version: '2' }, Overrides: [{ InstanceType: 't3.xlarge' }, { InstanceType: 'm5.xlarge' }] },
        InstancesDistribution: { OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 100, OnDemandAllocationStrategy: 'prioritized' },
      },
    };
    const live: LiveGroupSettings = {
      AutoScalingGroupName: 'gm-demo', MinSize: 1, MaxSize: 1, DesiredCapacity: 1, VPCZoneIdentifier: 'subnet-b,subnet-a', HealthCheckGracePeriod: 1800,
      MixedInstancesPolicy: {
        LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: 'lt-1', Version: '2' }, Overrides: [{ InstanceType: 't3.xlarge' }, { InstanceType: 'm5.xlarge' }] },
        InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: 100 },
      },
    };
    assert.deepEqual(groupUpdate(live, wanted).update, {});
    const reordered = { ...live, MixedInstancesPolicy: { ...live.MixedInstancesPolicy, LaunchTemplate: { ...live.MixedInstancesPolicy!.LaunchTemplate, Overrides: [{ InstanceType: 'm5.xlarge' }, { InstanceType: 't3.xlarge' }] } } };
    assert.deepEqual(Object.keys(groupUpdate(reordered, wanted).update), ['MixedInstancesPolicy']);
    const older = { ...live, MixedInstancesPolicy: { ...live.MixedInstancesPolicy, LaunchTemplate: { ...live.MixedInstancesPolicy!.LaunchTemplate, LaunchTemplateSpecification: { LaunchTemplateId: 'lt-1', Version: '1' } } } };
    assert.deepEqual(Object.keys(groupUpdate(older, wanted).update), ['MixedInstancesPolicy']);
    assert.deepEqual(groupUpdate({ ...live, HealthCheckGracePeriod: 300, DesiredCapacity: 0 }, wanted).update, { MinSize: 1, MaxSize: 1, DesiredCapacity: 1, HealthCheckGracePeriod: 1800 });
    assert.deepEqual(Object.keys(groupUpdate(undefined, wanted).update).sort(), ['CapacityRebalance', 'DesiredCapacity', 'HealthCheckGracePeriod', 'MaxSize', 'MinSize', 'MixedInstancesPolicy', 'VPCZoneIdentifier']);
  });
});
