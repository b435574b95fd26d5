import assert from 'node:assert/strict';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { automationConfig, countByKind, inspector, sweep, testEngine } from '../harness/engine';
import { ORIGIN_HEADER } from '../../src/engine/resources/load-balancer';
import { publicUrlOf } from '../../src/engine/operate';
import type { ProgressEvent } from '../../src/engine/progress';
import type { ClientInstrument } from '../../src/engine/aws/clients';
import { holdDistributionsInProgress, releaseDistributions, StrictCloudFront } from '../harness/strict-cloudfront';

function both(...instruments: ClientInstrument[]): ClientInstrument {
  return (client, service) => instruments.forEach((instrument) => instrument(client, service));
}

/** Keeps GetDistribution answering InProgress until `open()`: CloudFront's real 5–20 min, without a clock. */
class DeployGate {
  private opened = false;
  open(): void {
    this.opened = true;
  }
  readonly instrument: ClientInstrument = (client, service) => {
    if (service !== 'cloudfront') return;
    client.middlewareStack.add((next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as { Distribution?: { Status?: string } };
      if ((context as { commandName?: string }).commandName === 'GetDistributionCommand' && !this.opened && output.Distribution) output.Distribution.Status = 'InProgress';
      return result;
    }, { step: 'initialize', name: 'geusemakerDeployGate' });
  };
}

describe('automation tier: load balancer and CloudFront (moto over HTTP)', function () {
  this.timeout(120_000);

  it('deploys with CloudFront: ALB in two AZs, instance reachable only from the ALB group, 403 unless the origin header, http-only origin; destroy leaves nothing', async () => {
    const engine = testEngine();
    const events: ProgressEvent[] = [];
    const result = await engine.deploy(automationConfig({ cloudFront: true }), { onProgress: (e) => events.push(e) });
    const aws = inspector();
    const r = result.state.resources;
    const lb = (await aws.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [r.alb!.id!] }))).LoadBalancers![0]!;
    assert.equal(lb.Scheme, 'internet-facing');
    const subnets = (await aws.ec2.send(new DescribeSubnetsCommand({ SubnetIds: (lb.AvailabilityZones ?? []).map((z) => z.SubnetId!) }))).Subnets ?? [];
    assert.equal(new Set(subnets.map((s) => s.AvailabilityZone)).size, 2, 'ALB subnets in two different AZs');

    const groups = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [r['sg-instance']!.id!, r['sg-alb']!.id!] }))).SecurityGroups ?? [];
    const instanceGroup = groups.find((g) => g.GroupId === r['sg-instance']!.id)!;
    const inbound = instanceGroup.IpPermissions ?? [];
    assert.equal(inbound.length, 1, 'one inbound rule on the instance');
    assert.deepEqual(inbound[0]!.UserIdGroupPairs?.map((p) => p.GroupId), [r['sg-alb']!.id]);
    assert.deepEqual(inbound[0]!.IpRanges ?? [], [], 'no address range on the instance');
    assert.equal(inbound[0]!.FromPort, 80);

    const listeners = (await aws.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
    assert.deepEqual(listeners.map((l) => l.Port), [80]);
    assert.equal(listeners[0]!.DefaultActions?.[0]?.Type, 'fixed-response');
    assert.equal(listeners[0]!.DefaultActions?.[0]?.FixedResponseConfig?.StatusCode, '403');
    const rules = ((await aws.elbv2.send(new DescribeRulesCommand({ ListenerArn: listeners[0]!.ListenerArn }))).Rules ?? []).filter((rule) => !rule.IsDefault);
    assert.equal(rules.length, 1);
    const secret = (await aws.ssm.send(new GetParameterCommand({ Name: '/geusemaker/demo/origin-header', WithDecryption: true }))).Parameter!.Value!;
    const condition = rules[0]!.Conditions![0]!;
    assert.equal(condition.Field, 'http-header');
    assert.equal(condition.HttpHeaderConfig?.HttpHeaderName, ORIGIN_HEADER);
    assert.deepEqual(condition.HttpHeaderConfig?.Values, [secret]);
    assert.equal(rules[0]!.Actions?.[0]?.Type, 'forward');

    const group = (await aws.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [r['target-group']!.id!] }))).TargetGroups![0]!;
    assert.equal(group.HealthCheckPath, '/healthz');
    const health = (await aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn }))).TargetHealthDescriptions ?? [];
    assert.deepEqual(health.map((h) => h.Target?.Id), [r.instance!.id]);

    const config = (await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: r.cloudfront!.id! }))).DistributionConfig!;
    const origin = config.Origins!.Items![0]!;
    assert.equal(origin.DomainName, lb.DNSName, 'origin is the ALB');
    assert.equal(origin.CustomOriginConfig?.OriginProtocolPolicy, 'http-only');
    assert.equal(origin.CustomOriginConfig?.OriginReadTimeout, 60);
    assert.deepEqual(origin.CustomHeaders?.Items?.map((h) => [h.HeaderName, h.HeaderValue]), [[ORIGIN_HEADER, secret]]);
    assert.equal(config.PriceClass, 'PriceClass_100');
    assert.equal(config.HttpVersion, 'http2and3');
    assert.equal(config.DefaultCacheBehavior?.AllowedMethods?.Quantity, 7);
    assert.equal(publicUrlOf(result.state), `https://${r.cloudfront!.attrs.domainName}/`);
    assert.ok(result.notes.some((n) => /idle timeout is 600 s/.test(n)), 'the raised idle timeout is stated');

    const counts = countByKind(await sweep());
    assert.equal(counts['load-balancer'], 1);
    assert.equal(counts['target-group'], 1);
    assert.equal(counts['cloudfront-distribution'], 1);

    const gone = await engine.destroy('demo', { deleteData: true });
    assert.equal(gone.stateRemoved, true);
    assert.deepEqual(await sweep(), []);
    aws.destroy();
    engine.dispose();
  });

  describe('CloudFront InProgress (moto state manager) and its deletion order', () => {
    afterEach(() => releaseDistributions());

    it('shows CloudFront progress while every other step finishes, then destroy does get-config → disable (IfMatch) → wait → delete (newest ETag)', async () => {
      await holdDistributionsInProgress(4);
      const gate = new DeployGate();
      const strict = new StrictCloudFront(3);
      const engine = testEngine({ instrument: both(strict.instrument, gate.instrument) });
      const events: ProgressEvent[] = [];
      const result = await engine.deploy(automationConfig({ cloudFront: true }), {
        onProgress: (e) => {
          events.push(e);
          // Every other step is done: let CloudFront finish deploying.
          if (e.type === 'step-done' && e.step === 'target-healthy') gate.open();
        },
      });
      assert.equal(result.state.status, 'deployed');
      const doneOrder = events.flatMap((e) => (e.type === 'step-done' ? [e.step] : []));
      assert.equal(doneOrder.at(-1), 'cloudfront-deployed', 'the CloudFront wait ends last');
      for (const step of ['instance', 'listeners', 'target-healthy']) assert.ok(doneOrder.indexOf(step) < doneOrder.indexOf('cloudfront-deployed'), `${step} finished while CloudFront deployed`);
      const waits = events.flatMap((e) => (e.type === 'step-waiting' && e.step === 'cloudfront-deployed' ? [e.waitingFor] : []));
      assert.ok(waits.length >= 2, 'progress shown while CloudFront deploys');
      assert.match(waits[0]!, /InProgress/);
      const statuses = strict.calls.filter((c) => c.operation === 'cloudfront:GetDistribution').map((c) => c.status);
      assert.ok(statuses.includes('InProgress') && statuses.at(-1) === 'Deployed');

      strict.calls.length = 0;
      const destroyEvents: ProgressEvent[] = [];
      await engine.destroy('demo', { deleteData: true, onProgress: (e) => destroyEvents.push(e) });
      assert.deepEqual(strict.violations, []);
      const writes = strict.calls.filter((c) => !/List|Tags/.test(c.operation));
      const sequence = writes.map((c) => c.operation.replace('cloudfront:', ''));
      // Collapse the repeated reads of the wait.
      const collapsed = sequence.filter((op, i) => op !== sequence[i - 1]);
      assert.deepEqual(collapsed, ['GetDistributionConfig', 'UpdateDistribution', 'GetDistribution', 'DeleteDistribution']);
      const config = writes[0]!;
      const disable = writes[1]!;
      assert.equal(disable.input.IfMatch, config.etag, 'disable sends the ETag of the config it read');
      assert.equal((disable.input.DistributionConfig as { Enabled?: boolean }).Enabled, false);
      const reads = writes.filter((c) => c.operation === 'cloudfront:GetDistribution');
      assert.ok(reads.some((c) => c.status === 'InProgress'), 'destroy waited through InProgress');
      assert.equal(reads.at(-1)!.status, 'Deployed');
      assert.equal(writes.at(-1)!.input.IfMatch, reads.at(-1)!.etag, 'delete sends the newest ETag');
      assert.ok(destroyEvents.some((e) => e.type === 'step-waiting' && e.step === 'cloudfront' && /InProgress/.test(e.waitingFor)));
      assert.deepEqual(await sweep(), []);
      engine.dispose();
    });
  });
});
