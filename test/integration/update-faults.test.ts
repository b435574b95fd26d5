import assert from 'node:assert/strict';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GeuseError } from '../../src/engine/errors';
import type { StackConfig } from '../../src/engine/stack/config';
import { killDeployAfter } from '../harness/kill-child';
import { automationConfig, devConfig, inspector, sweep, tempDir, testEngine } from '../harness/engine';
import { DENIED, FaultInjector, LOST_RESPONSE, type FaultRule } from '../harness/faults';
import { UpdateSsm } from '../harness/update-ssm';

interface Scenario {
  name: string;
  before: () => StackConfig;
  after: () => StackConfig;
  /** Every mutating call a clean update makes (checked against a clean run below). */
  calls: readonly string[];
  /** What AWS must say once the update is applied, read with the SDK. */
  applied: () => Promise<void>;
  /** What AWS must say once rolled back. */
  rolledBack: () => Promise<void>;
}

async function serving(): Promise<{ id: string; type: string }> {
  const aws = inspector();
  try {
    const group = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo'] }))).AutoScalingGroups![0]!;
    const ids = (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId!);
    assert.equal(ids.length, 1, `one instance in service: ${ids.join(', ')}`);
    const instance = (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations![0]!.Instances![0]!;
    const running = ((await aws.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:geusemaker:stack', Values: ['demo'] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }] }))).Reservations ?? []).flatMap((r) => r.Instances ?? []);
    assert.equal(running.length, 1, 'nothing else of the stack runs (no orphaned instance)');
    return { id: instance.InstanceId!, type: instance.InstanceType! };
  } finally {
    aws.destroy();
  }
}

async function loadBalancers(): Promise<number> {
  const aws = inspector();
  try {
    return ((await aws.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []).filter((lb) => lb.LoadBalancerName?.startsWith('gm-demo')).length;
  } finally {
    aws.destroy();
  }
}

const SCENARIOS: Scenario[] = [
  {
    name: 'instance type and services (replace + a new bootstrap)',
    before: () => devConfig(),
    after: () => devConfig({ instanceType: 't3.2xlarge', services: { n8n: true, ollama: true, qdrant: true, crawl4ai: false, postgres: true } }),
    calls: ['ec2:CreateLaunchTemplateVersion', 'autoscaling:UpdateAutoScalingGroup', 'autoscaling:StartInstanceRefresh'],
    applied: async () => assert.equal((await serving()).type, 't3.2xlarge'),
    rolledBack: async () => assert.equal((await serving()).type, 't3.xlarge'),
  },
  {
    name: 'automation → dev (the load balancer removed after the instance serves without it)',
    before: () => automationConfig(),
    after: () => devConfig(),
    calls: [
      'autoscaling:DetachLoadBalancerTargetGroups', 'autoscaling:UpdateAutoScalingGroup', 'ec2:CreateLaunchTemplateVersion', 'ec2:DeleteSecurityGroup', 'ec2:RevokeSecurityGroupIngress',
      'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteTargetGroup',
    ],
    applied: async () => assert.equal(await loadBalancers(), 0),
    rolledBack: async () => assert.equal(await loadBalancers(), 1),
  },
];

async function run<T>(stateDir: string, ssm: UpdateSsm, rule: FaultRule | undefined, work: (engine: ReturnType<typeof testEngine>) => Promise<T>): Promise<{ error?: GeuseError; fired: number }> {
  const faults = new FaultInjector(rule ? [rule] : []);
  const engine = testEngine({ stateDir, ssm: ssm.factory, instrument: faults.instrument, maxAttempts: 1 });
  try {
    await work(engine);
    return { fired: faults.failures.length };
  } catch (error) {
    assert.ok(error instanceof GeuseError, `a GeuseError, not ${String(error)}`);
    assert.doesNotMatch(error.message, /undefined|\[object Object\]/);
    return { error, fired: faults.failures.length };
  } finally {
    engine.dispose();
  }
}

describe('fault injection on every mutating call of an update, and rollback after it', function () {
  this.timeout(240_000);

  for (const scenario of SCENARIOS) {
    describe(scenario.name, () => {
      it('the list of mutating calls matches what a clean update makes', async () => {
        const stateDir = tempDir('gm-update-calls-');
        const ssm = new UpdateSsm();
        await run(stateDir, ssm, undefined, (engine) => engine.deploy(scenario.before()));
        const faults = new FaultInjector();
        const engine = testEngine({ stateDir, ssm: ssm.factory, instrument: faults.instrument });
        await engine.deploy(scenario.after());
        engine.dispose();
        assert.deepEqual([...new Set(faults.mutatingCalls())].sort(), [...scenario.calls].sort());
      });

      for (const operation of scenario.calls) {
        it(`${operation}: a lost answer, then a refusal on the rollback — each re-run completes, AWS matches each version, destroy leaves nothing`, async () => {
          const stateDir = tempDir('gm-update-fault-');
          const ssm = new UpdateSsm();
          await run(stateDir, ssm, undefined, (engine) => engine.deploy(scenario.before()));

          const lost = await run(stateDir, ssm, { operation, mode: 'after', error: LOST_RESPONSE }, (engine) => engine.deploy(scenario.after()));
          assert.equal(lost.fired, 1, 'the fault fired');
          if (lost.error) {
            assert.match(lost.error.nextStep, /again/i, lost.error.nextStep);
            const again = await run(stateDir, ssm, undefined, (engine) => engine.deploy(scenario.after()));
            assert.equal(again.error, undefined, again.error?.message);
          }
          await scenario.applied();

          const refused = await run(stateDir, ssm, { operation, mode: 'before', error: DENIED }, (engine) => engine.rollback('demo'));
          if (refused.fired > 0) {
            assert.equal(refused.error?.kind, 'permission', refused.error?.message);
            const pending = testEngine({ stateDir });
            const state = (await pending.show('demo'))!;
            pending.dispose();
            assert.ok(state.pending, 'the unfinished rollback is recorded as pending');
            const again = await run(stateDir, ssm, undefined, (engine) => engine.deploy(state.pending!.config));
            assert.equal(again.error, undefined, again.error?.message);
          } else assert.equal(refused.error, undefined, refused.error?.message);
          await scenario.rolledBack();

          await run(stateDir, ssm, undefined, (engine) => engine.destroy('demo', { deleteData: true, finalBackup: false }));
          assert.deepEqual(await sweep(), [], 'nothing orphaned');
        });
      }
    });
  }
});

describe('a CLI update killed with SIGKILL part-way', function () {
  this.timeout(180_000);

  for (const operation of ['ec2:CreateLaunchTemplateVersion', 'autoscaling:StartInstanceRefresh']) {
    it(`instance type change killed right after ${operation}: re-running finishes it with one instance of the new type; rollback works; destroy leaves nothing`, async () => {
      const stateDir = tempDir('gm-update-kill-');
      const ssm = new UpdateSsm();
      await run(stateDir, ssm, undefined, (engine) => engine.deploy(devConfig()));
      await killDeployAfter(stateDir, operation, ['--instance-type', 't3.2xlarge']);
      const finished = await run(stateDir, ssm, undefined, (engine) => engine.deploy(devConfig({ instanceType: 't3.2xlarge' })));
      assert.equal(finished.error, undefined, finished.error?.message);
      assert.equal((await serving()).type, 't3.2xlarge');
      const back = await run(stateDir, ssm, undefined, (engine) => engine.rollback('demo'));
      assert.equal(back.error, undefined, back.error?.message);
      assert.equal((await serving()).type, 't3.xlarge');
      await run(stateDir, ssm, undefined, (engine) => engine.destroy('demo', { deleteData: true, finalBackup: false }));
      assert.deepEqual(await sweep(), []);
    });
  }

  it('automation → dev killed right after elasticloadbalancing:DeleteLoadBalancer: re-running finishes the removal', async () => {
    const stateDir = tempDir('gm-update-kill-');
    const ssm = new UpdateSsm();
    await run(stateDir, ssm, undefined, (engine) => engine.deploy(automationConfig()));
    // The child's Run Command would go to moto, which runs nothing: a first try (refused at the deletion) gives the
    // instance dev's bootstrap, so the child's run has only the removal left, where it is killed.
    await run(stateDir, ssm, { operation: 'elasticloadbalancing:DeleteLoadBalancer', mode: 'before', error: DENIED }, (engine) => engine.deploy(devConfig()));
    await killDeployAfter(stateDir, 'elasticloadbalancing:DeleteLoadBalancer', ['--tier', 'dev']);
    const finished = await run(stateDir, ssm, undefined, (engine) => engine.deploy(devConfig()));
    assert.equal(finished.error, undefined, finished.error?.message);
    assert.equal(await loadBalancers(), 0);
    await run(stateDir, ssm, undefined, (engine) => engine.destroy('demo', { deleteData: true, finalBackup: false }));
    assert.deepEqual(await sweep(), []);
  });
});
