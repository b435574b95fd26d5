import assert from 'node:assert/strict';
import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupRulesCommand } from '@aws-sdk/client-ec2';
import { ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { DeleteRuleCommand, DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { renderPlan, renderShow } from '../../src/engine/present/text';
import { automationConfig, inspector, testEngine } from '../harness/engine';
import { FaultInjector } from '../harness/faults';
import { UpdateSsm } from '../harness/update-ssm';

describe('a running automation stack: drift listed and repaired as planned; CloudFront turned off', function () {
  this.timeout(240_000);

  it('an ingress rule added and a listener rule deleted by hand: plan and show list both, deploy repairs exactly them; a rule added after the plan is left and reported', async () => {
    const ssm = new UpdateSsm();
    const engine = testEngine({ ssm: ssm.factory });
    const aws = inspector();
    try {
      const config = automationConfig({ cloudFront: true });
      const first = await engine.deploy(config);
      const instanceGroup = first.state.resources['sg-instance']!.id!;
      const originRule = first.state.resources['listener-rule-origin']!.id!;
      await aws.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: instanceGroup, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }] }] }));
      await aws.elbv2.send(new DeleteRuleCommand({ RuleArn: originRule }));

      const plan = await engine.plan(config);
      assert.equal(plan.diff?.unchanged, false, 'drift is a change to make');
      const listed = plan.drift!.items.map((item) => `${item.what} ${item.id}`).sort();
      assert.deepEqual(listed, [`missing ${originRule}`, `rule-added ${instanceGroup}`].sort());
      const text = renderPlan(plan).join('\n');
      assert.match(text, /Changed outside GeuseMaker since it was applied \(deploy repairs exactly these\):/);
      assert.match(text, /tcp 22 from 203\.0\.113\.0\/24.*— deploy removes it/);
      const shown = renderShow((await engine.show('demo', { live: true }))!).join('\n');
      assert.match(shown, /Changed outside GeuseMaker since it was applied/);
      assert.match(shown, /tcp 22 from 203\.0\.113\.0\/24/);

      // Between the plan and the deploy someone adds another rule: it was not in the confirmed plan, so it stays.
      const faults = new FaultInjector();
      const applying = testEngine({ ssm: ssm.factory, instrument: faults.instrument, stateDir: (engine as unknown as { options: { stateDir: string } }).options.stateDir });
      await applying.deploy(config, {
        confirm: async (confirmed) => {
          await aws.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: instanceGroup, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 2222, ToPort: 2222, IpRanges: [{ CidrIp: '198.51.100.0/24' }] }] }));
          return confirmed.drift?.items.length === 2;
        },
      });
      applying.dispose();
      const rules = (await aws.ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [instanceGroup] }] }))).SecurityGroupRules ?? [];
      const ingress = rules.filter((r) => !r.IsEgress).map((r) => r.FromPort ?? 0).sort((a, b) => a - b);
      assert.deepEqual(ingress, [80, 2222], 'the planned rule (22) is gone; the unplanned one (2222) is left for the next plan');
      const listeners = first.state.resources['listener-http']!.id!;
      const remade = ((await aws.elbv2.send(new DescribeRulesCommand({ ListenerArn: listeners }))).Rules ?? []).filter((r) => !r.IsDefault);
      assert.equal(remade.length, 1, 'the origin rule is back');
      const next = await engine.plan(config);
      assert.deepEqual(next.drift!.items.map((item) => item.what), ['rule-added'], 'the rule added after the plan is reported now');
      assert.match(next.drift!.items[0]!.text, /tcp 2222 from 198\.51\.100\.0\/24/);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('cloudFront on → off: the plan says the distribution goes and the URL changes; deploy deletes it after the load balancer serves directly; history records it', async () => {
    const ssm = new UpdateSsm();
    const engine = testEngine({ ssm: ssm.factory });
    const aws = inspector();
    try {
      const first = await engine.deploy(automationConfig({ cloudFront: true }));
      const distribution = first.state.resources.cloudfront!.id!;
      const plan = await engine.plan(automationConfig({ cloudFront: false }));
      const text = renderPlan(plan).join('\n');
      assert.match(text, /~ cloudFront true → false/);
      assert.match(text, /-\s+delete\s+CloudFront distribution\s+/);
      assert.match(text, /The public URL changes from https:\/\/\S+/);
      assert.match(text, /disabled and deleted once the load balancer serves directly/);
      const result = await engine.deploy(automationConfig({ cloudFront: false }));
      const left = ((await aws.cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Items ?? []).filter((d) => d.Id === distribution);
      assert.deepEqual(left, [], 'CloudFront has no such distribution any more');
      assert.equal(result.state.resources.cloudfront?.status, 'deleted');
      assert.equal(result.state.resources['listener-rule-origin']?.status, 'deleted');
      assert.match(ssm.pushed.at(-1)!.bootstrap, /elb\.amazonaws\.com/, 'n8n is given the load balancer\'s URL');
      assert.deepEqual(result.state.history.at(-1)?.summary, ['cloudFront true → false']);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});
