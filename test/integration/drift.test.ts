import assert from 'node:assert/strict';
import { DescribeAutoScalingGroupsCommand, DetachLoadBalancerTargetGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupRulesCommand, RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import {
  CreateRuleCommand, DeleteRuleCommand, DescribeListenersCommand, DescribeRulesCommand, ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { detectDrift, leftToDeploy, repairDrift } from '../../src/engine/plan/drift';
import type { StackState } from '../../src/engine/state/schema';
import { createClients } from '../../src/engine/aws/clients';
import { automationConfig, inspector, testEngine } from '../harness/engine';
import { FaultInjector } from '../harness/faults';
import { testEmulator } from '../harness/root-hooks';

function idOf(state: StackState, key: string): string {
  const id = state.resources[key]?.id;
  assert.ok(id, `the journal has ${key}`);
  return id;
}

describe('drift: what AWS has against what the stack should have', function () {
  this.timeout(120_000);

  it('lists a hand-added ingress rule, a deleted listener rule and a resized group with their ids; repair and a redeploy leave none; a group not ours is never reported or touched', async () => {
    const engine = testEngine();
    const aws = inspector();
    try {
      // CloudFront on: without it the automation tier's listener has no rules to delete.
      const config = automationConfig({ cloudFront: true });
      await engine.deploy(config);
      const state = (await engine.show('demo'))!;
      assert.deepEqual(await detectDrift(aws, state), { items: [], warnings: [] }, 'a fresh deploy has no drift');

      const instanceGroup = idOf(state, 'sg-instance');
      const originRule = idOf(state, 'listener-rule-origin');
      // Someone else's group in the stack's VPC, with the same hand-made rule: never ours to report or revoke.
      const foreign = (await aws.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'not-geusemaker', Description: 'made by hand', VpcId: idOf(state, 'vpc') }))).GroupId!;
      const ssh = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }] };
      await aws.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: foreign, IpPermissions: [ssh] }));

      // By hand, outside GeuseMaker.
      const added = (await aws.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: instanceGroup, IpPermissions: [ssh] }))).SecurityGroupRules?.[0]?.SecurityGroupRuleId;
      assert.ok(added, 'AWS names the rule it added');
      await aws.elbv2.send(new DeleteRuleCommand({ RuleArn: originRule }));
      await aws.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'gm-demo', MaxSize: 3 }));
      const distribution = idOf(state, 'cloudfront');
      const { DistributionConfig: current, ETag } = await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: distribution }));
      const origins = current!.Origins!.Items!.map((o) => ({ ...o, DomainName: 'origin.example.com' }));
      await aws.cloudfront.send(new UpdateDistributionCommand({ Id: distribution, IfMatch: ETag, DistributionConfig: { ...current!, Origins: { Quantity: origins.length, Items: origins } } }));

      const drift = await detectDrift(aws, state);
      assert.deepEqual(drift.warnings, []);
      const brief = drift.items.map((i) => ({ key: i.key, id: i.id, what: i.what })).sort((a, b) => a.key.localeCompare(b.key));
      assert.deepEqual(brief, [
        { key: 'auto-scaling-group', id: 'gm-demo', what: 'setting-changed' },
        { key: 'cloudfront', id: distribution, what: 'setting-changed' },
        { key: 'listener-rule-origin', id: originRule, what: 'missing' },
        { key: 'sg-instance', id: instanceGroup, what: 'rule-added' },
      ]);
      const rule = drift.items.find((i) => i.what === 'rule-added')!;
      assert.equal(rule.text, `ingress tcp 22 from 203.0.113.0/24 added outside GeuseMaker on ${instanceGroup} (instance security group)`);
      assert.equal(rule.repair, 'deploy removes it');
      assert.equal(rule.detail?.ruleId, added);
      const group = drift.items.find((i) => i.key === 'auto-scaling-group')!;
      assert.match(group.text, /min\/max\/desired 1\/3\/1/);
      assert.equal(group.repair, 'deploy restores 1/1/1');
      assert.equal(drift.items.find((i) => i.what === 'missing')!.repair, 'deploy recreates it');
      const origin = drift.items.find((i) => i.key === 'cloudfront')!;
      assert.equal(origin.text, `${distribution} (CloudFront distribution) sends viewers to origin.example.com (changed outside GeuseMaker); the stack's origin is its load balancer ${state.resources.alb?.attrs.dnsName}`);
      assert.equal(origin.repair, 'deploy points it back at the load balancer');
      const secret = (await aws.ssm.send(new GetParameterCommand({ Name: '/geusemaker/demo/origin-header', WithDecryption: true }))).Parameter?.Value;
      assert.ok(secret && !JSON.stringify(drift).includes(secret), 'the origin secret is never in the report');
      assert.ok(drift.items.every((i) => !i.text.includes(foreign)), 'the foreign group is never named');

      assert.deepEqual(drift.items.filter(leftToDeploy).map((i) => i.key).sort(), ['cloudfront', 'listener-rule-origin']);
      const done = await repairDrift({ clients: aws, state, timing: { pollIntervalMs: 20 } }, drift.items);
      assert.deepEqual(done, [
        `Removed ingress tcp 22 from 203.0.113.0/24 (${added}) from ${instanceGroup} (instance security group); read back: the group no longer has it.`,
        'Auto Scaling group gm-demo is back to min/max/desired 1/1/1; read back: 1/1/1.',
      ]);
      const rulesOf = async (groupId: string) => ((await aws.ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [])
        .filter((r) => !r.IsEgress).map((r) => `${r.IpProtocol}:${r.FromPort}:${r.CidrIpv4 ?? r.ReferencedGroupInfo?.GroupId ?? ''}`);
      assert.deepEqual(await rulesOf(instanceGroup), [`tcp:80:${idOf(state, 'sg-alb')}`]);
      assert.deepEqual(await rulesOf(foreign), ['tcp:22:203.0.113.0/24'], 'the group that is not ours keeps its rule');
      const sizes = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups?.[0];
      assert.deepEqual([sizes?.MinSize, sizes?.MaxSize, sizes?.DesiredCapacity], [1, 1, 1]);

      // The deleted rule and CloudFront's origin are the deploy's: its ensure steps put them back (confirmed, as --yes does).
      await engine.deploy(config, { confirm: async () => true });
      const after = (await engine.show('demo'))!;
      const listenerRules = (await aws.elbv2.send(new DescribeRulesCommand({ ListenerArn: idOf(after, 'listener-http') }))).Rules ?? [];
      assert.deepEqual(listenerRules.filter((r) => !r.IsDefault).map((r) => r.RuleArn), [idOf(after, 'listener-rule-origin')]);
      assert.deepEqual(await detectDrift(aws, after), { items: [], warnings: [] });
    } finally {
      engine.dispose();
      aws.destroy();
    }
  });

  it('without CloudFront: an EFS rule revoked, a listener rule added, the default action changed and the target group detached are listed and repaired in place; a paused stack expects its group at 0/1/0', async () => {
    const engine = testEngine();
    const aws = inspector();
    try {
      await engine.deploy(automationConfig());
      const state = (await engine.show('demo'))!;
      const [efsGroup, instanceGroup, listener, targetGroup] = [idOf(state, 'sg-efs'), idOf(state, 'sg-instance'), idOf(state, 'listener-http'), idOf(state, 'target-group')];

      // By its rule id, as the console does (whatever description the rule carries).
      const nfs = ((await aws.ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [efsGroup] }] }))).SecurityGroupRules ?? [])
        .find((rule) => !rule.IsEgress && rule.FromPort === 2049 && rule.ReferencedGroupInfo?.GroupId === instanceGroup)!;
      await aws.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: efsGroup, SecurityGroupRuleIds: [nfs.SecurityGroupRuleId!] }));
      const added = (await aws.elbv2.send(new CreateRuleCommand({
        ListenerArn: listener, Priority: 5, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/admin/*'] } }],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
      }))).Rules![0]!.RuleArn!;
      await aws.elbv2.send(new ModifyListenerCommand({ ListenerArn: listener, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }] }));
      await aws.autoscaling.send(new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: 'gm-demo', TargetGroupARNs: [targetGroup] }));

      const drift = await detectDrift(aws, state);
      assert.deepEqual(drift.warnings, []);
      assert.deepEqual(drift.items.map((i) => [i.key, i.what, i.text]), [
        ['sg-efs', 'rule-removed', `ingress tcp 2049 from ${instanceGroup} (instance security group) removed outside GeuseMaker from ${efsGroup} (file system security group)`],
        ['listener-http', 'setting-changed', 'the HTTP listener\'s default action answers 503 (changed outside GeuseMaker); the stack\'s forwards to gm-demo-tg'],
        ['listener-http', 'rule-added', `rule at priority 5 (if path /admin/*: answers 404) added outside GeuseMaker on ${listener.split('/').at(-1)} (HTTP listener)`],
        ['auto-scaling-group', 'setting-changed', 'target group gm-demo-tg/' + targetGroup.split('/').at(-1) + ' was detached from gm-demo (Auto Scaling group) outside GeuseMaker: new instances would not be registered behind the load balancer'],
      ]);
      const done = await repairDrift({ clients: aws, state, timing: { pollIntervalMs: 20 } }, drift.items);
      assert.equal(done.length, 4);
      assert.match(done[0]!, new RegExp(`^Added ingress tcp 2049 from ${instanceGroup} back to ${efsGroup} \\(file system security group\\); read back: rule sgr-\\w+ is there\\.$`));
      assert.equal(done[1], 'The HTTP listener\'s default action is restored; read back: it forwards to gm-demo-tg.');
      assert.match(done[2]!, /^Deleted the rule at priority 5 added on .* \(HTTP listener\); read back: the listener no longer has it\.$/);
      assert.match(done[3]!, /^Target group gm-demo-tg\/\w+ attached to Auto Scaling group gm-demo again; read back: the group registers its instances there\.$/);
      const rules = (await aws.elbv2.send(new DescribeRulesCommand({ ListenerArn: listener }))).Rules ?? [];
      assert.deepEqual(rules.filter((r) => r.RuleArn === added), []);
      const actions = (await aws.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listener] }))).Listeners?.[0]?.DefaultActions;
      assert.deepEqual(actions?.map((a) => [a.Type, a.TargetGroupArn]), [['forward', targetGroup]]);
      assert.deepEqual(await detectDrift(aws, state), { items: [], warnings: [] }, 'nothing left without a redeploy');

      // A read AWS refuses is a warning naming what could not be compared, never a thrown error; nothing is written.
      const denied = { name: 'AccessDenied', message: 'User is not authorized to perform this action', status: 403 };
      const faults = new FaultInjector([
        { operation: 'ec2:DescribeSecurityGroupRules', mode: 'before', error: denied },
        { operation: 'elasticloadbalancing:DescribeTargetGroups', mode: 'before', error: denied },
      ]);
      const refusing = createClients({ region: 'us-east-1', endpoint: testEmulator().endpoint, maxAttempts: 1, instrument: faults.instrument });
      try {
        const partial = await detectDrift(refusing, state);
        assert.deepEqual(partial.items, []);
        assert.equal(partial.warnings.length, 2);
        assert.match(partial.warnings[0]!, /^Could not check that arn:aws:elasticloadbalancing:\S+ \(target group\) still exists: .*denied/);
        assert.match(partial.warnings[1]!, /^Could not compare the security groups' inbound rules with the stack: .*denied/);
        assert.deepEqual(faults.mutatingCalls(), [], 'detectDrift only reads');
      } finally {
        refusing.destroy();
      }

      await engine.pause('demo');
      const paused = (await engine.show('demo'))!;
      assert.equal(paused.status, 'paused');
      assert.deepEqual(await detectDrift(aws, paused), { items: [], warnings: [] }, 'the group at 0/1/0 is what a paused stack has');
      await aws.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'gm-demo', MinSize: 1, DesiredCapacity: 1 }));
      const woken = await detectDrift(aws, paused);
      assert.deepEqual(woken.items.map((i) => [i.key, i.repair]), [['auto-scaling-group', 'deploy restores 0/1/0']]);
    } finally {
      engine.dispose();
      aws.destroy();
    }
  });
});
