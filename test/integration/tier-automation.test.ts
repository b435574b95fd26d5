import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import assert from 'node:assert/strict';
import { UpdateSsm } from '../harness/update-ssm';
import { gunzipSync } from 'node:zlib';
import { CreateSubnetCommand, CreateVpcCommand, DescribeInstanceAttributeCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeListenersCommand, DescribeRulesCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { automationConfig, countByKind, inspector, sweep, tempDir, testEngine } from '../harness/engine';
import { publicUrlOf } from '../../src/engine/operate';
import { renderDeploySummary } from '../../src/engine/present/text';
import { GeuseError } from '../../src/engine/errors';
import { stackConfigSchema } from '../../src/engine/stack/config';
import { testEmulator } from '../harness/root-hooks';
import type { ProgressEvent } from '../../src/engine/progress';
import type { ClientInstrument } from '../../src/engine/aws/clients';
import { assertBehindCloudFront, both } from '../harness/tier-checks';
import { FaultInjector } from '../harness/faults';
import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { DeleteParameterCommand, GetParameterCommand } from '@aws-sdk/client-ssm';
import { StrictAws } from '../harness/strict-aws';
import { holdDistributionsInProgress, releaseDistributions, StrictCloudFront } from '../harness/strict-cloudfront';


/** moto's ACM (the project has no ACM client: the certificate is the user's, never created by the engine). */
async function requestCertificate(domain: string): Promise<string> {
  const response = await fetch(testEmulator().endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'CertificateManager.RequestCertificate',
      Authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/acm/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({ DomainName: domain }),
  });
  const body = (await response.json()) as { CertificateArn?: string };
  if (!body.CertificateArn) throw new Error(`moto ACM gave no certificate: HTTP ${response.status}`);
  return body.CertificateArn;
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
    await assertBehindCloudFront(result.state);
    assert.ok(result.notes.some((n) => /idle timeout is 600 s/.test(n)), 'the raised idle timeout is stated');
    const summary = renderDeploySummary(result, 1_000, 'geusemaker destroy demo').join('\n');
    assert.match(summary, new RegExp(`n8n +https://${result.state.resources.cloudfront!.attrs.domainName!.replaceAll('.', '\\.')}/\n`), 'the CLI points at CloudFront');
    assert.match(summary, /idle timeout is 600 s/);
    assert.match(summary, /CloudFront takes 5-20 minutes/);

    const counts = countByKind(await sweep());
    assert.equal(counts['load-balancer'], 1);
    assert.equal(counts['target-group'], 1);
    assert.equal(counts['cloudfront-distribution'], 1);

    const gone = await engine.destroy('demo', { deleteData: true, finalBackup: false });
    assert.equal(gone.stateRemoved, true);
    assert.deepEqual(await sweep(), []);
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
      await engine.destroy('demo', { deleteData: true, finalBackup: false, onProgress: (e) => destroyEvents.push(e) });
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

  it('without CloudFront, open to one CIDR: the ALB group admits only that CIDR, HTTP forwards, and n8n\'s URLs follow the ALB', async () => {
    const engine = testEngine();
    const result = await engine.deploy(automationConfig({ access: { mode: 'load-balancer', cidr: '203.0.113.7/32' } }));
    const aws = inspector();
    const r = result.state.resources;
    const albGroup = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [r['sg-alb']!.id!] }))).SecurityGroups![0]!;
    assert.deepEqual(albGroup.IpPermissions?.map((p) => [p.FromPort, p.IpRanges?.map((range) => range.CidrIp)]), [[80, ['203.0.113.7/32']]]);
    const instanceGroup = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [r['sg-instance']!.id!] }))).SecurityGroups![0]!;
    assert.deepEqual(instanceGroup.IpPermissions?.flatMap((p) => p.UserIdGroupPairs?.map((g) => g.GroupId)), [r['sg-alb']!.id]);
    const listeners = (await aws.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: r.alb!.id }))).Listeners ?? [];
    assert.deepEqual(listeners.map((l) => [l.Port, l.DefaultActions?.[0]?.Type]), [[80, 'forward']]);
    const url = `http://${r.alb!.attrs.dnsName}/`;
    assert.equal(publicUrlOf(result.state), url);
    const userData = (await aws.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: r.instance!.id!, Attribute: 'userData' }))).UserData?.Value ?? '';
    const script = gunzipSync(Buffer.from(userData, 'base64')).toString('utf8');
    assert.ok(script.includes(`WEBHOOK_URL: ${url}`), 'n8n webhook URL is the public URL');
    assert.ok(script.includes(`N8N_EDITOR_BASE_URL: ${url}`));
    assert.match(script, /N8N_PROXY_HOPS: "2"/, 'n8n trusts nginx and the load balancer');
    assert.equal(countByKind(await sweep())['cloudfront-distribution'], undefined, 'no CloudFront');
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    assert.deepEqual(await sweep(), []);
    aws.destroy();
    engine.dispose();
  });

  it('with an ACM certificate: HTTPS:443 forwards with it, HTTP:80 redirects, and both ports are open on the ALB group', async () => {
    const certificateArn = await requestCertificate('app.example.com');
    const engine = testEngine();
    const result = await engine.deploy(automationConfig({ certificateArn }));
    const aws = inspector();
    const r = result.state.resources;
    const listeners = (await aws.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: r.alb!.id }))).Listeners ?? [];
    const byPort = new Map(listeners.map((l) => [l.Port, l]));
    assert.equal(byPort.get(80)?.DefaultActions?.[0]?.Type, 'redirect');
    assert.equal(byPort.get(80)?.DefaultActions?.[0]?.RedirectConfig?.Protocol, 'HTTPS');
    assert.equal(byPort.get(443)?.Protocol, 'HTTPS');
    assert.equal(byPort.get(443)?.Certificates?.[0]?.CertificateArn, certificateArn);
    assert.equal(byPort.get(443)?.DefaultActions?.[0]?.Type, 'forward');
    const albGroup = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [r['sg-alb']!.id!] }))).SecurityGroups![0]!;
    assert.deepEqual(albGroup.IpPermissions?.map((p) => p.FromPort).sort(), [443, 80]);
    assert.equal(publicUrlOf(result.state), `https://${r.alb!.attrs.dnsName}/`);
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    assert.deepEqual(await sweep(), []);
    aws.destroy();
    engine.dispose();
  });

  it('target health (injected real behaviour): initial, then unhealthy Target.Timeout while services start, is shown as progress, not a failure', async () => {
    const states = [['initial', 'Elb.RegistrationInProgress'], ['unhealthy', 'Target.Timeout'], ['unhealthy', 'Target.Timeout']];
    const slowTargets: ClientInstrument = (client, service) => {
      if (service !== 'elasticloadbalancing') return;
      client.middlewareStack.add((next, context) => async (args) => {
        const result = await next(args);
        const input = (args as { input: { Targets?: unknown[] } }).input;
        const output = result.output as { TargetHealthDescriptions?: { TargetHealth?: { State?: string; Reason?: string } }[] };
        if ((context as { commandName?: string }).commandName === 'DescribeTargetHealthCommand' && input.Targets && states.length > 0) {
          const [state, reason] = states.shift()!;
          for (const d of output.TargetHealthDescriptions ?? []) d.TargetHealth = { State: state, Reason: reason };
        }
        return result;
      }, { step: 'initialize', name: 'slowTargets' });
    };
    const engine = testEngine({ instrument: slowTargets });
    const events: ProgressEvent[] = [];
    const result = await engine.deploy(automationConfig(), { onProgress: (e) => events.push(e) });
    assert.equal(result.state.status, 'deployed');
    const waits = events.flatMap((e) => (e.type === 'step-waiting' && e.step === 'target-healthy' ? [e.waitingFor] : []));
    assert.ok(waits.some((w) => /initial: Elb\.RegistrationInProgress/.test(w)), waits.join(' | '));
    assert.ok(waits.some((w) => /unhealthy: Target\.Timeout — the stack's services are still starting/.test(w)));
    assert.ok(!events.some((e) => e.type === 'step-failed'));
    engine.dispose();
  });

  it('a target that stays unhealthy past the configured timeout fails with its last state and how to go on; deploy again resumes', async () => {
    const unhealthy: ClientInstrument = (client, service) => {
      if (service !== 'elasticloadbalancing') return;
      client.middlewareStack.add((next, context) => async (args) => {
        const result = await next(args);
        const output = result.output as { TargetHealthDescriptions?: { TargetHealth?: { State?: string; Reason?: string } }[] };
        if ((context as { commandName?: string }).commandName === 'DescribeTargetHealthCommand') {
          for (const d of output.TargetHealthDescriptions ?? []) d.TargetHealth = { State: 'unhealthy', Reason: 'Target.ResponseCodeMismatch' };
        }
        return result;
      }, { step: 'initialize', name: 'unhealthy' });
    };
    const stateDir = tempDir('gm-tier-');
    const engine = testEngine({ stateDir, instrument: unhealthy, timing: { targetHealthyTimeoutMs: 300 } });
    await assert.rejects(engine.deploy(automationConfig()), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'TARGET_NOT_HEALTHY');
      assert.match(error.message, /last state was unhealthy: Target\.ResponseCodeMismatch/);
      assert.match(error.nextStep, /timeouts\.targetHealthyMinutes/);
      return true;
    });
    engine.dispose();
    const again = testEngine({ stateDir });
    const result = await again.deploy(automationConfig());
    assert.equal(result.state.status, 'deployed');
    assert.equal(countByKind(await sweep())['load-balancer'], 1);
    again.dispose();
  });

  it('pause scales the group to 0 (ALB and CloudFront stay); on resume the group registers its new instance, checked by the load balancer, and the old target is gone', async () => {
    const engine = testEngine();
    const first = await engine.deploy(automationConfig({ cloudFront: true }));
    const oldInstance = first.state.resources.instance!.id!;
    await engine.pause('demo');
    const paused = countByKind(await sweep());
    assert.equal(paused.instance, undefined);
    assert.equal(paused['load-balancer'], 1);
    assert.equal(paused['cloudfront-distribution'], 1);
    const resumed = await engine.deploy(automationConfig({ cloudFront: true }));
    const newInstance = resumed.state.resources.instance!.id!;
    assert.notEqual(newInstance, oldInstance);
    assert.equal(resumed.state.resources.cloudfront!.id, first.state.resources.cloudfront!.id, 'same distribution: the public URL does not change');
    const aws = inspector();
    const targets = (await aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: resumed.state.resources['target-group']!.id }))).TargetHealthDescriptions ?? [];
    assert.deepEqual(targets.map((t) => t.Target?.Id), [newInstance]);
    const group = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups![0]!;
    assert.deepEqual(group.TargetGroupARNs, [resumed.state.resources['target-group']!.id], 'the group attaches the target group (no per-instance registration)');
    assert.equal(group.HealthCheckType, 'ELB', 'once healthy behind the load balancer, its health checks count');
    aws.destroy();
    engine.dispose();
  });

  it('turning CloudFront on later closes the direct door: the listener then answers 403 without the origin header', async () => {
    const engine = testEngine({ ssm: new UpdateSsm().factory });
    await engine.deploy(automationConfig());
    const on = await engine.plan(automationConfig({ cloudFront: true }));
    assert.ok(on.diff?.effects.some((e) => /The public URL changes from http:\/\/\S+: the new one is shown when the deploy finishes, and n8n's webhooks take it/.test(e)), on.diff?.effects.join(' | '));
    assert.ok(on.diff?.effects.some((e) => /CloudFront takes 10–20 minutes to deploy/.test(e)));
    const result = await engine.deploy(automationConfig({ cloudFront: true }));
    await assertBehindCloudFront(result.state);
    assert.ok(result.notes.some((n) => /answers 403 without the CloudFront origin header/.test(n)));
    // Turning it off again deletes the distribution once the load balancer serves directly.
    const off = await engine.plan(automationConfig());
    assert.deepEqual(off.diff?.removals.map((r) => r.kind).sort(), ['cloudfront-distribution', 'listener-rule']);
    assert.ok(off.diff?.effects.some((e) => /The CloudFront distribution is disabled and deleted once the load balancer serves directly/.test(e)), off.diff?.effects.join(' | '));
    engine.dispose();
  });

  it('turning CloudFront off (to a certificate) deletes the origin-header listener rule and then the distribution; HTTP redirects to HTTPS', async () => {
    const certificateArn = await requestCertificate('app.example.com');
    const engine = testEngine({ ssm: new UpdateSsm().factory });
    const first = await engine.deploy(automationConfig({ cloudFront: true }));
    const ruleArn = first.state.resources['listener-rule-origin']!.id!;
    const plan = await engine.plan(automationConfig({ certificateArn }));
    assert.deepEqual(plan.diff?.settings.map((c) => c.path), ['cloudFront', 'certificateArn']);
    assert.ok(plan.items.some((item) => item.action === 'delete' && item.ids.includes(first.state.resources.cloudfront!.id!)), 'the distribution is deleted');
    const result = await engine.deploy(automationConfig({ certificateArn }));
    assert.equal(result.state.resources['listener-rule-origin']?.status, 'deleted', 'journaled as deleted');
    assert.equal(result.state.resources.cloudfront?.status, 'deleted', 'the distribution is gone too');
    assert.ok(result.notes.some((n) => /rule that forwarded requests carrying its origin header is deleted/.test(n)), result.notes.join(' | '));
    const aws = inspector();
    const http = ((await aws.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: result.state.resources.alb!.id }))).Listeners ?? []).find((l) => l.Port === 80)!;
    const rules = (await aws.elbv2.send(new DescribeRulesCommand({ ListenerArn: http.ListenerArn }))).Rules ?? [];
    assert.deepEqual(rules.filter((r) => !r.IsDefault).map((r) => r.RuleArn), [], `rule ${ruleArn} is gone`);
    assert.equal(http.DefaultActions?.[0]?.Type, 'redirect', 'HTTP only redirects to HTTPS');
    const albGroup = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [result.state.resources['sg-alb']!.id!] }))).SecurityGroups![0]!;
    assert.deepEqual(albGroup.IpPermissions?.map((p) => [p.FromPort, p.IpRanges?.map((range) => range.CidrIp), p.PrefixListIds ?? []]).sort(), [[443, ['0.0.0.0/0'], []], [80, ['0.0.0.0/0'], []]], 'CloudFront\'s prefix list gave way to the certificate\'s open ports');
    assert.equal(countByKind(await sweep())['cloudfront-distribution'] ?? 0, 0, 'the distribution is deleted, as the plan said');
    const again = await engine.deploy(automationConfig({ certificateArn }));
    assert.ok(!again.notes.some((n) => /origin header is deleted/.test(n)), 'nothing more to delete the next time');
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    assert.deepEqual(await sweep(), []);
    aws.destroy();
    engine.dispose();
  });

  it('destroy deletes in the order real AWS requires: CloudFront disabled then deleted, the ALB before its target group, groups and subnets; secrets last', async () => {
    const strict = new StrictAws();
    const cloudFront = new StrictCloudFront(2);
    const engine = testEngine({ instrument: both(strict.instrument, cloudFront.instrument) });
    await engine.deploy(automationConfig({ cloudFront: true }));
    const events: ProgressEvent[] = [];
    const result = await engine.destroy('demo', { deleteData: true, finalBackup: false, onProgress: (e) => events.push(e) });
    engine.dispose();
    assert.equal(result.stateRemoved, true);
    assert.deepEqual(await sweep(), []);
    assert.deepEqual(strict.violations.filter((v) => !v.includes('lingering ENI')), []);
    assert.deepEqual(cloudFront.violations, []);
    const done = events.flatMap((e) => (e.type === 'step-done' ? [e.step] : []));
    for (const [before, after] of [['cloudfront', 'load-balancer'], ['instances', 'load-balancer'], ['load-balancer', 'target-groups'], ['load-balancer', 'security-groups'], ['load-balancer', 'subnets'],
      // Secrets go last: a destroy stopped while CloudFront disables must leave the origin header for a redeploy.
      ['cloudfront', 'secrets'], ['instances', 'secrets'], ['load-balancer', 'secrets'], ['efs', 'secrets']]) {
      assert.ok(done.indexOf(before!) < done.indexOf(after!), `${before} before ${after}`);
    }
  });

  it('a load-balanced stack found in the account imports as automation with CloudFront, its ALB and distribution journaled, and destroys clean', async () => {
    const there = testEngine();
    await there.deploy(automationConfig({ cloudFront: true }));
    there.dispose();
    const here = testEngine();
    const imported = await here.importFromAccount('demo', 'us-east-1');
    assert.equal(imported.config.tier, 'automation');
    assert.equal(imported.config.cloudFront, true);
    assert.ok(imported.resources.alb?.id?.includes(':loadbalancer/app/gm-demo/'));
    assert.ok(imported.resources.cloudfront?.id);
    const redeployed = await here.deploy(imported.config);
    assert.equal(countByKind(await sweep())['load-balancer'], 1, 'the redeploy reuses the imported load balancer');
    assert.match(publicUrlOf(redeployed.state) ?? '', /^https:\/\/.+\.cloudfront\.net\/$/);
    await here.destroy('demo', { deleteData: true, finalBackup: false });
    assert.deepEqual(await sweep(), []);
    here.dispose();
  });

  it('CloudFront still InProgress at the configured timeout: every other step has finished, and the error says how to keep waiting', async () => {
    // Reads of the distribution wait until the rest of the stack is healthy, then say InProgress: no clock decides the order.
    let release = (): void => undefined;
    const healthy = new Promise<void>((resolve) => (release = resolve));
    const slow: ClientInstrument = (client, service) => {
      if (service !== 'cloudfront') return;
      client.middlewareStack.add((next, context) => async (args) => {
        if ((context as { commandName?: string }).commandName !== 'GetDistributionCommand') return next(args);
        await healthy;
        const result = await next(args);
        const output = result.output as { Distribution?: { Status?: string } };
        if (output.Distribution) output.Distribution.Status = 'InProgress';
        return result;
      }, { step: 'initialize', name: 'slowCloudFront' });
    };
    const stateDir = tempDir('gm-tier-');
    const engine = testEngine({ stateDir, instrument: slow, timing: { distributionDeployedTimeoutMs: 1 } });
    const events: ProgressEvent[] = [];
    const onProgress = (e: ProgressEvent): void => {
      events.push(e);
      if (e.type === 'step-done' && e.step === 'target-healthy') release();
    };
    await assert.rejects(engine.deploy(automationConfig({ cloudFront: true }), { onProgress }), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'WAIT_TIMEOUT');
      assert.match(error.message, /CloudFront distribution \S+ to deploy/);
      assert.match(error.nextStep, /timeouts\.cloudFrontDeployedMinutes/);
      return true;
    });
    const done = events.flatMap((e) => (e.type === 'step-done' ? [e.step] : []));
    for (const step of ['instance', 'listeners', 'target-healthy', 'cloudfront']) assert.ok(done.includes(step), `${step} finished`);
    engine.dispose();
    const again = testEngine({ stateDir });
    assert.equal((await again.deploy(automationConfig({ cloudFront: true }))).state.status, 'deployed', 'deploy again keeps waiting and finishes');
    assert.equal(countByKind(await sweep())['cloudfront-distribution'], 1, 'the same distribution');
    again.dispose();
  });

  it('destroy: a PreconditionFailed on the disable (injected: the distribution changed after our read) re-reads and retries, and the stack\'s timeouts.cloudFrontDeployedMinutes bounds the wait for it to disable', async () => {
    const stateDir = tempDir('gm-tier-');
    // 0.001 min: the destroy below gives up within a fraction of a second instead of a hard-coded 45 min.
    const config = automationConfig({ cloudFront: true, timeouts: { cloudFrontDeployedMinutes: 0.001 } });
    const deployer = testEngine({ stateDir });
    const deployed = await deployer.deploy(config);
    deployer.dispose();
    const id = deployed.state.resources.cloudfront!.id!;
    const faults = new FaultInjector([{ operation: 'cloudfront:UpdateDistribution', mode: 'before', error: { name: 'PreconditionFailed', message: 'The request failed because it didn\'t meet the preconditions in one or more request-header fields.', status: 412 } }]);
    const stuck = new DeployGate();
    const engine = testEngine({ stateDir, instrument: both(faults.instrument, stuck.instrument) });
    await assert.rejects(engine.destroy('demo', { deleteData: true, finalBackup: false }), (error: unknown) => {
      assert.ok(error instanceof GeuseError, String(error));
      assert.equal(error.code, 'WAIT_TIMEOUT', error.message);
      assert.match(error.message, new RegExp(`CloudFront distribution ${id} to finish disabling`));
      assert.match(error.nextStep, /Run destroy again .* timeouts\.cloudFrontDeployedMinutes/);
      return true;
    });
    engine.dispose();
    assert.deepEqual(faults.failures, ['cloudfront:UpdateDistribution (before)']);
    assert.equal(faults.calls.filter((c) => c === 'cloudfront:UpdateDistribution').length, 2, 'the disable was retried after a fresh read');
    const aws = inspector();
    assert.equal((await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: id }))).DistributionConfig?.Enabled, false);
    aws.destroy();
    const again = testEngine({ stateDir });
    assert.equal((await again.destroy('demo', { deleteData: true, finalBackup: false })).stateRemoved, true, 'destroy again finishes');
    again.dispose();
    assert.deepEqual(await sweep(), []);
  });

  it('a redeploy after a destroy stopped while CloudFront disabled (older destroys also deleted the secrets: origin header removed here) re-enables the distribution with the current secret and the rule requires it too', async () => {
    const stateDir = tempDir('gm-tier-');
    const deployer = testEngine({ stateDir });
    const first = await deployer.deploy(automationConfig({ cloudFront: true, timeouts: { cloudFrontDeployedMinutes: 0.001 } }));
    deployer.dispose();
    const id = first.state.resources.cloudfront!.id!;
    const stuck = new DeployGate();
    const stopped = testEngine({ stateDir, instrument: stuck.instrument });
    await assert.rejects(stopped.destroy('demo', { deleteData: true, finalBackup: false }), (error: unknown) => error instanceof GeuseError && error.code === 'WAIT_TIMEOUT');
    stopped.dispose();
    const aws = inspector();
    const parameter = '/geusemaker/demo/origin-header';
    assert.ok((await aws.ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }))).Parameter?.Value, 'the stopped destroy kept the secrets');
    assert.equal((await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: id }))).DistributionConfig?.Enabled, false, 'the distribution was left disabled');
    await aws.ssm.send(new DeleteParameterCommand({ Name: parameter }));

    const strict = new StrictCloudFront(2);
    const engine = testEngine({ stateDir, instrument: strict.instrument });
    const result = await engine.deploy(automationConfig({ cloudFront: true }));
    assert.equal(result.state.status, 'deployed');
    assert.equal(result.state.resources.cloudfront!.id, id, 'the same distribution');
    assert.equal((await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: id }))).DistributionConfig?.Enabled, true, 're-enabled');
    // The origin header CloudFront sends and the one the listener rule requires are both the new secret.
    await assertBehindCloudFront(result.state);
    assert.deepEqual(strict.violations, [], 'the update sent the newest ETag');
    assert.ok(result.notes.some((n) => new RegExp(`distribution ${id} was disabled, .*sending an outdated origin header`).test(n)), result.notes.join(' | '));
    assert.ok(result.notes.some((n) => /origin-header rule now requires the stack's current secret/.test(n)));
    const updates = strict.calls.filter((c) => c.operation === 'cloudfront:UpdateDistribution');
    assert.equal(updates.length, 1);
    const deployedWait = strict.calls.filter((c) => c.operation === 'cloudfront:GetDistribution').map((c) => c.status);
    assert.ok(deployedWait.includes('InProgress') && deployedWait.at(-1) === 'Deployed', 'deploy waited for the update to deploy');
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    assert.deepEqual(await sweep(), []);
    aws.destroy();
    engine.dispose();
  });

  it('behind CloudFront the ALB group admits only the managed CloudFront prefix list (moto ships it), and a redeploy leaves the rule alone', async () => {
    const faults = new FaultInjector();
    const engine = testEngine({ instrument: faults.instrument });
    const first = await engine.deploy(automationConfig({ cloudFront: true }));
    await assertBehindCloudFront(first.state);
    faults.calls.length = 0;
    await engine.deploy(automationConfig({ cloudFront: true }));
    assert.deepEqual(faults.calls.filter((c) => /SecurityGroupIngress/.test(c)), [], 'the prefix-list rule is recognised as already there: no revoke and re-add');
    engine.dispose();
  });

  it('behind CloudFront in a region without the managed prefix list (injected: DescribeManagedPrefixLists answers none) falls back to the internet on port 80 and says so', async () => {
    const noPrefixList: ClientInstrument = (client, service) => {
      if (service !== 'ec2') return;
      client.middlewareStack.add((next, context) => async (args) => {
        const result = await next(args);
        if ((context as { commandName?: string }).commandName === 'DescribeManagedPrefixListsCommand') (result.output as { PrefixLists?: unknown[] }).PrefixLists = [];
        return result;
      }, { step: 'initialize', name: 'noPrefixList' });
    };
    const engine = testEngine({ instrument: noPrefixList });
    const result = await engine.deploy(automationConfig({ cloudFront: true }));
    assert.ok(result.notes.some((n) => /prefix list com\.amazonaws\.global\.cloudfront\.origin-facing is not available in us-east-1: the load balancer admits port 80 from the internet/.test(n)), result.notes.join(' | '));
    const aws = inspector();
    const albGroup = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [result.state.resources['sg-alb']!.id!] }))).SecurityGroups![0]!;
    assert.deepEqual(albGroup.IpPermissions?.map((p) => [p.FromPort, p.IpRanges?.map((range) => range.CidrIp), p.PrefixListIds ?? []]), [[80, ['0.0.0.0/0'], []]]);
    aws.destroy();
    engine.dispose();
  });

  it('refuses a reused network without public subnets in two AZs at plan time, before anything is created', async () => {
    const aws = inspector();
    const vpc = (await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.9.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const engine = testEngine();
    await assert.rejects(engine.deploy(automationConfig({ network: { mode: 'existing', vpcId: vpc, subnetIds: [subnet] } })), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'NETWORK_NOT_FOR_LOAD_BALANCER');
      assert.match(error.message, /network\.subnetIds: an internet-facing load balancer needs public subnets .* in at least two Availability Zones/);
      return true;
    });
    assert.deepEqual(await sweep(), [], 'nothing created');
    aws.destroy();
    engine.dispose();
  });

  it('validates access, cloudFront and certificateArn against the tier, naming the field', () => {
    const issues = (input: Record<string, unknown>) => {
      const parsed = stackConfigSchema.safeParse({ name: 'demo', ...input });
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.match(issues({ tier: 'automation', access: { mode: 'cidr', cidr: '203.0.113.7/32' } }).join('\n'), /^access\.mode: the automation tier is reached through its load balancer/m);
    assert.deepEqual(stackConfigSchema.parse({ name: 'demo', tier: 'gpu' }).access, { mode: 'load-balancer' }, 'tier alone: the load balancer, open to the internet');
    assert.match(issues({ access: { mode: 'load-balancer' } }).join('\n'), /^access\.mode: load-balancer needs tier automation or gpu/m);
    assert.match(issues({ tier: 'automation', cloudFront: true, access: { mode: 'load-balancer', cidr: '203.0.113.7/32' } }).join('\n'), /^access\.cidr: cannot be combined with CloudFront/m);
    assert.match(issues({ tier: 'automation', cloudFront: true, access: { mode: 'load-balancer' }, certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' }).join('\n'), /^certificateArn: is for a load balancer without CloudFront/m);
    assert.match(issues({ tier: 'automation', access: { mode: 'load-balancer' }, certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' }).join('\n'), /^certificateArn: must be a certificate in the stack's region us-east-1/m);
    assert.match(issues({ tier: 'automation', access: { mode: 'load-balancer' }, certificateArn: 'not-an-arn' }).join('\n'), /^certificateArn: must be an ACM certificate ARN/m);
    assert.match(issues({ tier: 'dev', cloudFront: true }).join('\n'), /^cloudFront: needs tier automation/m);
    assert.deepEqual(issues({ tier: 'automation', access: { mode: 'load-balancer' }, timeouts: { cloudFrontDeployedMinutes: 50 } }), []);
    const defaults = stackConfigSchema.parse({ name: 'demo' });
    assert.deepEqual(defaults.timeouts, { targetHealthyMinutes: 20, cloudFrontDeployedMinutes: 35 });
  });
});
