import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../../src/engine/aws/clients';
import { GeuseError } from '../../src/engine/errors';
import { renderPlan } from '../../src/engine/present/text';
import type { ProgressEvent } from '../../src/engine/progress';
import { automationConfig, devConfig, inspector, testEngine } from '../harness/engine';
import { UpdateSsm } from '../harness/update-ssm';

async function latestTemplateScript(aws: AwsClients, templateId: string): Promise<{ version: number; script: string }> {
  const out = await aws.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['$Latest'] }));
  const version = out.LaunchTemplateVersions![0]!;
  return { version: version.VersionNumber!, script: gunzipSync(Buffer.from(version.LaunchTemplateData!.UserData!, 'base64')).toString('utf8') };
}

async function group(aws: AwsClients) {
  return (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups![0]!;
}

async function stackLoadBalancers(aws: AwsClients): Promise<number> {
  const all = (await aws.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  return all.filter((lb) => lb.LoadBalancerName?.startsWith('gm-demo')).length;
}

describe('changing a running stack: services, models and access in place; tier and front by adding and removing', function () {
  this.timeout(180_000);

  it('crawl4ai off and another model: the plan is a diff, the instance gets the new bootstrap over SSM, a new launch template version boots the same; the next plan is clean', async () => {
    const ssm = new UpdateSsm();
    const engine = testEngine({ ssm: ssm.factory });
    const aws = inspector();
    try {
      const first = await engine.deploy(devConfig());
      const instanceId = first.state.resources.instance!.id!;
      const changed = devConfig({ services: { n8n: true, ollama: true, qdrant: true, crawl4ai: false, postgres: true }, ollamaModels: ['qwen2.5:7b'] });

      const plan = await engine.plan(changed);
      assert.ok(plan.diff, 'an applied stack plans a diff');
      assert.deepEqual(plan.diff.settings.map((c) => `${c.path} ${c.from} → ${c.to} (${c.effect})`), [
        'services.crawl4ai true → false (services)', 'ollamaModels llama3.2:3b → qwen2.5:7b (services)',
      ]);
      const text = renderPlan(plan).join('\n');
      assert.match(text, /~ services\.crawl4ai true → false \(in place over SSM\)/);
      assert.match(text, /~\s+update\s+Instance on this configuration .* new bootstrap pushed to i-\w+ over SSM/);
      assert.match(text, /=\s+unchanged\s+VPC/);
      assert.match(text, /stops and removes the crawl4ai container \(its data on EFS is kept\)/);
      assert.match(text, /Ollama pulls qwen2\.5:7b in the background/);

      const events: ProgressEvent[] = [];
      const second = await engine.deploy(changed, { onProgress: (event) => events.push(event) });
      assert.equal(ssm.pushed.length, 1, 'one push');
      assert.equal(ssm.pushed[0]!.instanceId, instanceId, 'to the running instance: nothing replaced');
      const pushed = ssm.pushed[0]!.bootstrap;
      assert.doesNotMatch(pushed, /crawl4ai:/, 'the compose it carries has no crawl4ai service');
      assert.match(pushed, /OLLAMA_MODELS=\('qwen2\.5:7b'\)/);
      const template = await latestTemplateScript(aws, second.state.resources['launch-template']!.id!);
      assert.equal(template.script, pushed, 'a replacement boots exactly what the running instance was given');
      assert.ok(template.version > 1);
      const update = events.find((e) => e.type === 'step-done' && e.step === 'instance-update');
      assert.ok(update?.type === 'step-done' && /updated i-\w+ in place over SSM/.test(update.detail ?? ''), JSON.stringify(update));
      assert.equal(second.state.config.services.crawl4ai, false, 'recorded as applied: it was');
      assert.equal(second.state.pending, undefined);

      const again = await engine.plan(changed);
      assert.equal(again.diff?.unchanged, true, renderPlan(again).join('\n'));
      assert.match(renderPlan(again).join('\n'), /No changes: the stack runs this configuration \(applied version 2\)/);
      await engine.deploy(changed);
      assert.equal(ssm.pushed.length, 1, 'nothing pushed when nothing differs');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('access ssm → cidr: port 80 opens to the CIDR only together with the proxy the instance is given', async () => {
    const ssm = new UpdateSsm();
    const engine = testEngine({ ssm: ssm.factory });
    const aws = inspector();
    try {
      const first = await engine.deploy(devConfig());
      const changed = devConfig({ access: { mode: 'cidr', cidr: '203.0.113.0/24' } });
      const plan = await engine.plan(changed);
      assert.deepEqual(plan.diff?.settings.map((c) => c.path), ['access.mode', 'access.cidr']);
      await engine.deploy(changed);
      assert.equal(ssm.pushed.length, 1);
      assert.match(ssm.pushed[0]!.bootstrap, /^PROXY=1$/m, 'the instance runs the proxy from now on');
      const sg = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [first.state.resources['sg-instance']!.id!] }))).SecurityGroups![0]!;
      const port80 = sg.IpPermissions?.find((p) => p.FromPort === 80);
      assert.deepEqual(port80?.IpRanges?.map((r) => r.CidrIp), ['203.0.113.0/24']);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('dev → automation → dev: the load balancer is added in front of a proxy, then removed after the instance serves without it', async () => {
    const ssm = new UpdateSsm();
    const engine = testEngine({ ssm: ssm.factory });
    const aws = inspector();
    try {
      await engine.deploy(devConfig());
      const up = await engine.plan(automationConfig());
      const upText = renderPlan(up).join('\n');
      assert.match(upText, /~ tier dev → automation/);
      assert.match(upText, /\+\s+create\s+Application Load Balancer/);
      const grown = await engine.deploy(automationConfig());
      assert.equal(await stackLoadBalancers(aws), 1);
      const targetGroupArn = grown.state.resources['target-group']!.id!;
      assert.deepEqual((await group(aws)).TargetGroupARNs, [targetGroupArn], 'the group registers its instance with the new target group');
      assert.match(ssm.pushed.at(-1)!.bootstrap, /^PROXY=1$/m, 'the instance got nginx before the load balancer sent it traffic');

      const down = await engine.plan(devConfig());
      const downText = renderPlan(down).join('\n');
      assert.match(downText, /-\s+delete\s+Application Load Balancer/);
      assert.ok(down.diff?.removals.some((r) => r.kind === 'target-group'));
      const shrunk = await engine.deploy(devConfig());
      assert.equal(await stackLoadBalancers(aws), 0, 'the load balancer is gone (read from ELB)');
      const groups = (await aws.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
      assert.equal(groups.filter((g) => g.TargetGroupArn === targetGroupArn).length, 0, 'its target group too');
      assert.deepEqual((await group(aws)).TargetGroupARNs ?? [], [], 'detached from the group first');
      assert.match(ssm.pushed.at(-1)!.bootstrap, /^PROXY=0$/m);
      // Real EC2 refuses to delete a group another group's rule names (DependencyViolation): the rule went first.
      const instanceSg = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [shrunk.state.resources['sg-instance']!.id!] }))).SecurityGroups![0]!;
      assert.deepEqual(instanceSg.IpPermissions?.flatMap((p) => p.UserIdGroupPairs ?? []).map((pair) => pair.GroupId), [], 'no rule names the load balancer\'s group any more');
      assert.deepEqual(['alb', 'target-group', 'listener-http', 'sg-alb'].map((key) => shrunk.state.resources[key]?.status), ['deleted', 'deleted', 'deleted', 'deleted']);
      assert.equal(shrunk.state.history.length, 3, 'three applied versions');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('network and region changes are refused before anything is touched, with the steps that move a stack', async () => {
    const engine = testEngine({ ssm: new UpdateSsm().factory });
    try {
      await engine.deploy(devConfig());
      await assert.rejects(engine.plan(devConfig({ network: { mode: 'existing', vpcId: 'vpc-0123abcd', subnetIds: ['subnet-0123abcd'] } })), (error: unknown) => {
        assert.ok(error instanceof GeuseError);
        assert.equal(error.code, 'NETWORK_CHANGE_REFUSED');
        assert.match(error.nextStep, /geusemaker destroy demo.*keeps the EFS file system.*geusemaker deploy demo/);
        return true;
      });
      await assert.rejects(engine.plan(devConfig({ region: 'eu-west-1' })), /lives in us-east-1/);
    } finally {
      engine.dispose();
    }
  });

  it('an in-place update that fails on the instance: the stack keeps its applied config, the change is pending, a re-run finishes it, and rollback returns to the first version', async () => {
    const ssm = new UpdateSsm();
    const engine = testEngine({ ssm: ssm.factory });
    try {
      await engine.deploy(devConfig());
      const changed = devConfig({ services: { n8n: true, ollama: true, qdrant: true, crawl4ai: false, postgres: true } });
      ssm.failNext = 1;
      await assert.rejects(engine.deploy(changed), /the previous settings are running again/);
      const failed = (await engine.show('demo'))!;
      assert.equal(failed.status, 'deploy_failed');
      assert.equal(failed.config.services.crawl4ai, true, 'the applied config is still the one that runs');
      assert.deepEqual(failed.pending?.summary, ['services.crawl4ai true → false']);
      const finished = await engine.deploy(changed);
      assert.equal(finished.state.config.services.crawl4ai, false);
      assert.deepEqual(finished.state.history.map((v) => v.version), [1, 2]);

      const back = await engine.rollback('demo');
      assert.equal(back.version.version, 1);
      assert.equal(back.state.config.services.crawl4ai, true);
      assert.match(ssm.pushed.at(-1)!.bootstrap, /crawl4ai:/, 'the instance runs crawl4ai again');
      assert.deepEqual(back.state.history.map((v) => v.version), [1, 2, 3]);
      assert.deepEqual(back.state.history.at(-1)!.summary, ['services.crawl4ai false → true']);
    } finally {
      engine.dispose();
    }
  });
});
