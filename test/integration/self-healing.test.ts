import assert from 'node:assert/strict';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import type { ClientInstrument } from '../../src/engine/aws/clients';
import { GeuseError } from '../../src/engine/errors';
import { renderShow } from '../../src/engine/present/text';
import type { SsmFactory } from '../../src/engine/operate';
import type { CommandRunner } from '../../src/engine/ssm/run-command';
import type { SessionApi, SessionRequest } from '../../src/engine/ssm/session';
import { automationConfig, countByKind, devConfig, inspector, interruptThroughGroup, sweep, tempDir, testEngine } from '../harness/engine';
import { deployWithFault, FaultInjector, LOST_RESPONSE } from '../harness/faults';
import { DEFAULT_MAX_ATTEMPTS } from '../../src/engine/aws/clients';
import { allOf, GroupRealism, spotInterruptionActivity } from '../harness/group-realism';
import { preGroupStack } from '../harness/pre-group';

/** SSM stand-ins that record which instance each call went to (moto runs no commands and opens no sessions). */
function recordingSsm(): { factory: SsmFactory; targets: string[] } {
  const targets: string[] = [];
  const runner: CommandRunner = {
    run: async (instanceId) => {
      targets.push(instanceId);
      return { status: 'Success', stdout: '', stderr: '', truncated: false, exitCode: 0 };
    },
  };
  const sessions: SessionApi = {
    start: async (request: SessionRequest) => {
      targets.push(request.Target);
      return { SessionId: 'gm-test-0123456789abcdef0', StreamUrl: 'wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/gm-test', TokenValue: 'token' };
    },
    terminate: async () => undefined,
  };
  return { factory: () => ({ runner, sessions, agents: { status: async (instanceId) => ({ instanceId, pingStatus: 'Online' }) } }), targets };
}

async function group(name = 'gm-demo') {
  const aws = inspector();
  try {
    return (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];
  } finally {
    aws.destroy();
  }
}

describe('self-healing compute: an Auto Scaling group of one per stack', function () {
  this.timeout(180_000);

  for (const [tier, config] of [['dev', () => devConfig()], ['automation', () => automationConfig()]] as const) {
    it(`${tier}: one launch template (IMDSv2, encrypted root, tags), one group of min = max = desired = 1 over two AZs${tier === 'automation' ? ', the target group attached' : ''}; nothing launched outside it`, async () => {
      const engine = testEngine();
      try {
        const result = await engine.deploy(config());
        const counts = countByKind(await sweep());
        assert.equal(counts['launch-template'], 1);
        assert.equal(counts['auto-scaling-group'], 1);
        assert.equal(counts.instance, 1, 'exactly one instance: the group\'s');
        const asg = (await group())!;
        assert.deepEqual([asg.MinSize, asg.MaxSize, asg.DesiredCapacity], [1, 1, 1]);
        assert.equal(new Set(asg.AvailabilityZones).size, 2);
        assert.equal(asg.Instances?.[0]?.InstanceId, result.state.resources.instance!.id, 'the recorded instance is the group\'s');
        assert.equal(asg.Tags?.find((t) => t.Key === 'geusemaker:stack-id')?.Value, result.state.stackId, 'the group carries our stack id');
        assert.deepEqual(asg.TargetGroupARNs ?? [], tier === 'automation' ? [result.state.resources['target-group']!.id] : []);
        const spec = asg.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
        assert.equal(spec?.LaunchTemplateId, result.state.resources['launch-template']!.id);
      } finally {
        engine.dispose();
      }
    });
  }

  it('an interruption: the group replaces the instance; show reports it with AWS\'s reason; health, logs and terminals use the new instance; cost has one open run', async () => {
    const realism = new GroupRealism();
    const ssm = recordingSsm();
    const engine = testEngine({ instrument: realism.instrument, ssm: ssm.factory });
    try {
      const first = await engine.deploy(devConfig());
      const oldId = first.state.resources.instance!.id!;
      realism.activities = [spotInterruptionActivity('gm-demo', oldId)];
      await interruptThroughGroup(oldId);
      const newId = (await group())!.Instances!.find((i) => i.LifecycleState === 'InService')!.InstanceId!;
      assert.notEqual(newId, oldId);

      const shown = await engine.show('demo', { live: true });
      const compute = shown!.live!.compute!;
      assert.equal(compute.condition, 'healthy');
      assert.deepEqual({ old: compute.replacement?.oldInstanceId, new: compute.replacement?.newInstanceId }, { old: oldId, new: newId });
      assert.match(compute.replacement!.reason, /spot instance interruption notice/, 'the reason from the group\'s activity');
      assert.match(renderShow(shown!).join('\n'), new RegExp(`replacing ${oldId} \\(At .* spot instance interruption notice\\.\\)`));

      await engine.health('demo');
      await engine.logs('demo', { kind: 'bootstrap', offset: 0 }).catch(() => undefined);
      await engine.startSession('demo', { kind: 'shell' });
      assert.ok(ssm.targets.length >= 3);
      assert.deepEqual([...new Set(ssm.targets)], [newId], 'every SSM call went to the group\'s instance in service');

      const resumed = await engine.deploy(devConfig());
      assert.equal(resumed.state.resources.instance!.id, newId);
      assert.equal(resumed.state.compute.filter((run) => !run.endedAt).length, 1, 'exactly one open run');
      assert.deepEqual(resumed.state.compute.map((run) => run.instanceId), [oldId, newId]);
      const replaced = resumed.state.replacements.at(-1)!;
      assert.deepEqual([replaced.oldInstanceId, replaced.newInstanceId], [oldId, newId]);
      assert.match(replaced.reason, /spot instance interruption notice/);
      assert.match(renderShow((await engine.show('demo'))!).join('\n'), new RegExp(`Replacements \\(1, newest last\\):\\n    .*: ${oldId} → ${newId} \\(t3\\.xlarge, `));
    } finally {
      engine.dispose();
    }
  });

  it('while the group has no instance in service, logs and terminals refuse in plain words: which instance was interrupted, when, and what is pending', async () => {
    const realism = new GroupRealism();
    const ssm = recordingSsm();
    // AWS shows the group without an instance in service until the replacement has booted.
    const between: typeof realism.instrument = (client, service) => {
      if (service !== 'autoscaling') return;
      client.middlewareStack.add((next, context) => async (args) => {
        const result = await next(args);
        if ((context as { commandName?: string }).commandName === 'DescribeAutoScalingGroupsCommand' && hideInService) {
          for (const one of ((result.output as { AutoScalingGroups?: { Instances?: { LifecycleState?: string }[] }[] }).AutoScalingGroups ?? [])) {
            for (const instance of one.Instances ?? []) instance.LifecycleState = 'Pending';
          }
        }
        return result;
      }, { step: 'initialize', name: 'replacementPending' });
    };
    let hideInService = false;
    const engine = testEngine({ instrument: allOf(realism.instrument, between), ssm: ssm.factory });
    try {
      const first = await engine.deploy(devConfig());
      const oldId = first.state.resources.instance!.id!;
      realism.activities = [spotInterruptionActivity('gm-demo', oldId, new Date('2026-12-07T14:02:00Z'))];
      await interruptThroughGroup(oldId);
      hideInService = true;
      for (const attempt of [() => engine.logs('demo', { kind: 'bootstrap', offset: 0 }), () => engine.startSession('demo', { kind: 'shell' })]) {
        await assert.rejects(attempt(), (error: unknown) => {
          assert.ok(error instanceof GeuseError);
          assert.equal(error.code, 'NO_INSTANCE');
          assert.match(error.message, new RegExp(`replacing the instance ${oldId} interrupted at 14:02 UTC in us-east-1\\w .*; new one i-\\w+ pending since`));
          assert.match(error.nextStep, /Wait a minute or two/);
          return true;
        });
      }
      assert.deepEqual(ssm.targets, [], 'nothing was sent to the interrupted instance');
      const shown = await engine.show('demo', { live: true });
      assert.equal(shown?.live?.compute?.condition, 'replacing');
    } finally {
      engine.dispose();
    }
  });

  it('the Stacks view\'s refresh reads every stack\'s group of a region in one DescribeAutoScalingGroups call', async () => {
    const calls = new FaultInjector();
    const engine = testEngine({ instrument: calls.instrument });
    try {
      await engine.deploy(devConfig());
      await engine.deploy(devConfig({ name: 'other' }));
      calls.calls.length = 0;
      const [demo, other] = await Promise.all([engine.liveStatus('demo'), engine.liveStatus('other')]);
      assert.deepEqual([demo.compute?.condition, other.compute?.condition], ['healthy', 'healthy']);
      assert.equal(demo.instanceState, 'running');
      assert.equal(calls.calls.filter((c) => c === 'autoscaling:DescribeAutoScalingGroups').length, 1);
    } finally {
      engine.dispose();
    }
  });

  it('pause sets the group to 0 (no instance; network, data, template and group kept); resume brings one instance back', async () => {
    const engine = testEngine();
    try {
      const first = await engine.deploy(devConfig());
      const paused = await engine.pause('demo');
      assert.deepEqual(paused.terminated, [first.state.resources.instance!.id]);
      const asg = (await group())!;
      assert.deepEqual([asg.MinSize, asg.DesiredCapacity, asg.Instances?.length], [0, 0, 0]);
      const counts = countByKind(await sweep());
      assert.equal(counts.instance, undefined, 'no instance');
      for (const kind of ['vpc', 'efs', 'launch-template', 'auto-scaling-group']) assert.equal(counts[kind], 1, `${kind} kept`);
      assert.equal((await engine.show('demo', { live: true }))?.live?.compute?.condition, 'paused');

      const resumed = await engine.resume('demo');
      const back = (await group())!;
      assert.deepEqual([back.MinSize, back.MaxSize, back.DesiredCapacity, back.Instances?.length], [1, 1, 1, 1]);
      assert.equal(resumed.state.resources.instance!.id, back.Instances![0]!.InstanceId);
      assert.equal(resumed.state.resources['launch-template']!.id, first.state.resources['launch-template']!.id, 'the same template');
      assert.equal(resumed.state.compute.filter((run) => !run.endedAt).length, 1);
    } finally {
      engine.dispose();
    }
  });

  it('a stack deployed before groups (one instance of its own) moves onto a group: the group\'s instance serves first, then the old one is terminated; data kept', async () => {
    const engine = testEngine();
    const aws = inspector();
    try {
      const { oldId, fileSystemId } = await preGroupStack(engine);

      const plan = await engine.plan(devConfig());
      assert.ok(plan.warnings.some((w) => new RegExp(`Moves the stack onto an Auto Scaling group of one: .* the old instance ${oldId} is terminated\\. Data stays on EFS`).test(w)), plan.warnings.join(' | '));
      const migrated = await engine.deploy(devConfig());
      const newId = migrated.state.resources.instance!.id!;
      assert.notEqual(newId, oldId);
      assert.equal(migrated.state.resources.efs!.id, fileSystemId, 'the same file system: data kept');
      const old = (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [oldId] }))).Reservations?.[0]?.Instances?.[0];
      assert.equal(old?.State?.Name, 'terminated', 'the old instance is not left running');
      assert.ok(migrated.notes.some((n) => n.includes(`instance ${oldId}`) && /terminated now that the group's instance is in service/.test(n)), migrated.notes.join('\n'));
      assert.equal(migrated.state.compute.filter((run) => !run.endedAt).length, 1, 'one open run: the group\'s instance');
      assert.equal(countByKind(await sweep()).instance, 1);
      assert.equal((await group())?.Instances?.[0]?.InstanceId, newId);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});

/** Answers PutNotificationConfiguration as AWS does (an empty 200; moto lacks the API) and keeps what was asked. */
function recordedNotifications(): { instrument: ClientInstrument; puts: Record<string, unknown>[] } {
  const puts: Record<string, unknown>[] = [];
  return {
    puts,
    instrument: (client, service) => {
      if (service !== 'autoscaling') return;
      client.middlewareStack.add((next, context) => async (args) => {
        if ((context as { commandName?: string }).commandName !== 'PutNotificationConfigurationCommand') return next(args);
        puts.push((args as { input: Record<string, unknown> }).input);
        return { output: { $metadata: { httpStatusCode: 200, requestId: 'a1b2c3d4-0000-4000-8000-000000000001' } }, response: {} };
      }, { step: 'initialize', name: 'recordedPutNotificationConfiguration' });
    },
  };
}

describe('self-healing compute: notices by email (notifyEmail)', function () {
  this.timeout(180_000);

  it('an SNS topic with the address subscribed, the group\'s launch/terminate/launch-error notices pointed at it (PutNotificationConfiguration from a recorded response: moto lacks it); destroy deletes the topic', async () => {
    const notices = recordedNotifications();
    const engine = testEngine({ instrument: notices.instrument });
    const aws = inspector();
    try {
      const result = await engine.deploy(devConfig({ notifyEmail: 'ops@example.com' }));
      const topicArn = result.state.resources['notify-topic']!.id!;
      assert.match(topicArn, /:gm-demo-events$/);
      const subscriptions = (await aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
      assert.deepEqual(subscriptions.map((s) => [s.Protocol, s.Endpoint]), [['email', 'ops@example.com']]);
      assert.deepEqual(notices.puts, [{
        AutoScalingGroupName: 'gm-demo', TopicARN: topicArn,
        NotificationTypes: ['autoscaling:EC2_INSTANCE_LAUNCH', 'autoscaling:EC2_INSTANCE_TERMINATE', 'autoscaling:EC2_INSTANCE_LAUNCH_ERROR', 'autoscaling:EC2_INSTANCE_TERMINATE_ERROR'],
      }]);
      assert.ok(result.notes.some((n) => /AWS sent a confirmation mail to ops@example\.com/.test(n)), result.notes.join('\n'));
      const again = await engine.deploy(devConfig({ notifyEmail: 'ops@example.com' }));
      assert.equal(again.state.resources['notify-topic']!.id, topicArn, 'one topic, reused');
      assert.equal(((await aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? []).length, 1, 'no second subscription');
      await engine.destroy('demo', { deleteData: true, finalBackup: false });
      assert.equal(countByKind(await sweep())['sns-topic'], undefined, 'the topic is gone');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('against an endpoint without PutNotificationConfiguration (the emulator itself), the deploy completes and says the notices are not set up', async () => {
    const engine = testEngine();
    try {
      const result = await engine.deploy(devConfig({ notifyEmail: 'ops@example.com' }));
      assert.equal(result.state.status, 'deployed');
      assert.ok(result.notes.some((n) => /does not implement autoscaling:PutNotificationConfiguration/.test(n)), result.notes.join('\n'));
    } finally {
      engine.dispose();
    }
  });
});

describe('self-healing compute: a lost answer on the calls groups and notices add', function () {
  this.timeout(180_000);

  for (const operation of ['sns:CreateTopic', 'sns:Subscribe']) {
    it(`${operation} response lost (SDK retries on): the deploy completes with one topic and one subscription`, async () => {
      const stateDir = tempDir('gm-fault-');
      const { error } = await deployWithFault(devConfig({ notifyEmail: 'ops@example.com' }), stateDir, { operation, mode: 'after', error: LOST_RESPONSE });
      assert.equal(error, undefined, error?.message);
      const topics = (await sweep()).filter((r) => r.kind === 'sns-topic');
      assert.equal(topics.length, 1);
      const aws = inspector();
      try {
        const subscriptions = (await aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topics[0]!.id }))).Subscriptions ?? [];
        assert.equal(subscriptions.length, 1, 'one subscription');
      } finally {
        aws.destroy();
      }
    });
  }

  it('autoscaling:UpdateAutoScalingGroup response lost during pause (SDK retries on): the pause completes with the group at 0', async () => {
    const stateDir = tempDir('gm-fault-');
    const engine = testEngine({ stateDir });
    await engine.deploy(devConfig());
    engine.dispose();
    const faults = new FaultInjector([{ operation: 'autoscaling:UpdateAutoScalingGroup', mode: 'after', error: LOST_RESPONSE }]);
    const pausing = testEngine({ stateDir, instrument: faults.instrument, maxAttempts: DEFAULT_MAX_ATTEMPTS });
    try {
      await pausing.pause('demo');
      assert.equal(faults.failures.length, 1, 'the fault fired');
      assert.equal((await group())?.DesiredCapacity, 0);
      assert.equal((await pausing.show('demo'))?.status, 'paused');
    } finally {
      pausing.dispose();
    }
  });

  it('ec2:CreateLaunchTemplateVersion response lost (SDK retries on): a paused stack deployed with other models gets exactly one new version, found by its fingerprint', async () => {
    const stateDir = tempDir('gm-fault-');
    const engine = testEngine({ stateDir });
    const first = await engine.deploy(devConfig());
    // Paused, no instance is reused: the new settings go into the template the group launches from.
    await engine.pause('demo');
    engine.dispose();
    const { error } = await deployWithFault(devConfig({ ollamaModels: ['qwen2.5:7b'] }), stateDir, { operation: 'ec2:CreateLaunchTemplateVersion', mode: 'after', error: LOST_RESPONSE });
    assert.equal(error, undefined, error?.message);
    const aws = inspector();
    try {
      const versions = (await aws.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: first.state.resources['launch-template']!.id }))).LaunchTemplateVersions ?? [];
      assert.equal(versions.length, 2, 'version 1 and exactly one new version');
      assert.equal((await group())?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.Version, '2', 'the group launches from the new version');
    } finally {
      aws.destroy();
    }
  });
});
