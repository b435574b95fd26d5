import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { DescribeCacheSubnetGroupsCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand } from '@aws-sdk/client-rds';
import { DEFAULT_MAX_ATTEMPTS } from '../../src/engine/aws/clients';
import { GeuseError } from '../../src/engine/errors';
import { stackSecrets } from '../../src/engine/resources/secrets';
import type { StackConfig } from '../../src/engine/stack/config';
import { countByKind, devConfig, inspector, sweep, tempDir, testEngine } from '../harness/engine';
import { DENIED, DEV_DESTROY_CALLS, DEV_MUTATING_CALLS, FaultInjector, LOST_RESPONSE, type FaultRule, type InjectedError } from '../harness/faults';
import { killDeployAfter } from '../harness/kill-child';

/** Both pools (n8n on queue depth, Ollama behind the internal load balancer), RDS and ElastiCache. */
const SCALE = {
  n8nWorkers: { min: 1, max: 2, scaleOn: 'queue' as const },
  ollamaWorkers: { min: 1, max: 2, instanceTypes: ['c7i.xlarge'] },
};
const scaled = (extra: Partial<NonNullable<StackConfig['scale']>> = {}): StackConfig => devConfig({ scale: { ...SCALE, ...extra } });

type Input = Record<string, unknown>;
/** One fault aimed at one scale resource's call (a fault fires once: the SDK's or actOnce's repeat goes through). */
interface Target {
  operation: string;
  /** Which call is this resource's (the dev stack makes the same operations for its own resources). */
  when?: (input: Input) => boolean;
}

const is = (field: string, value: string) => (input: Input): boolean => input[field] === value;
/** An ingress call carrying this port from a source whose rule description says what it is. */
const admits = (port: number, from: RegExp) => (input: Input): boolean => ((input.IpPermissions as { FromPort?: number; UserIdGroupPairs?: { Description?: string }[] }[] | undefined) ?? [])
  .some((p) => p.FromPort === port && (p.UserIdGroupPairs ?? []).some((pair) => from.test(pair.Description ?? '')));

/** Every mutating call a scaled deploy adds, one fault for each scale resource that call makes. */
const DEPLOY_TARGETS: Target[] = [
  ...['10.42.128.0/24', '10.42.129.0/24'].map((cidr) => ({ operation: 'ec2:CreateSubnet', when: is('CidrBlock', cidr) })),
  ...['sg-database', 'sg-queue', 'sg-workers', 'sg-internal-alb'].map((key) => ({ operation: 'ec2:CreateSecurityGroup', when: is('GroupName', `gm-demo-${key}`) })),
  // Rule by rule: the data services from the instance and workers, Ollama into the internal load balancer and the
  // workers, and NFS from the workers (sg-efs, the dev stack's group, admits them too).
  ...[admits(5432, /stack instance/), admits(6379, /stack instance/), admits(11434, /stack instance/), admits(11434, /worker pools/), admits(11434, /internal load balancer/), admits(2049, /worker pools/)]
    .map((when) => ({ operation: 'ec2:AuthorizeSecurityGroupIngress', when })),
  ...['n8n', 'ollama'].flatMap((pool) => [
    { operation: 'ec2:CreateLaunchTemplate', when: is('LaunchTemplateName', `gm-demo-${pool}-worker`) },
    { operation: 'autoscaling:CreateAutoScalingGroup', when: is('AutoScalingGroupName', `gm-demo-${pool}-workers`) },
    { operation: 'autoscaling:PutScalingPolicy', when: is('PolicyName', `gm-demo-${pool}-target`) },
  ]),
  { operation: 'autoscaling:EnableMetricsCollection' },
  { operation: 'rds:CreateDBSubnetGroup' },
  { operation: 'rds:CreateDBInstance' },
  { operation: 'elasticache:CreateCacheSubnetGroup' },
  { operation: 'elasticache:CreateReplicationGroup' },
  { operation: 'elasticloadbalancing:CreateLoadBalancer' },
  { operation: 'elasticloadbalancing:CreateTargetGroup' },
  { operation: 'elasticloadbalancing:CreateListener' },
];
/** A class and node type change: the database and the queue are changed in place. */
const UPDATE_TARGETS: Target[] = [{ operation: 'rds:ModifyDBInstance' }, { operation: 'elasticache:ModifyReplicationGroup' }];

/** Every mutating call a scaled destroy adds, one fault for each scale resource; ids from the stack's journal. */
async function destroyTargets(stateDir: string): Promise<Target[]> {
  const engine = testEngine({ stateDir });
  const resources = (await engine.show('demo'))!.resources;
  engine.dispose();
  const id = (key: string): string => resources[key]!.id!;
  return [
    ...['n8n', 'ollama'].flatMap((pool) => [
      { operation: 'autoscaling:DeleteAutoScalingGroup', when: is('AutoScalingGroupName', `gm-demo-${pool}-workers`) },
      { operation: 'ec2:DeleteLaunchTemplate', when: is('LaunchTemplateId', id(`launch-template-${pool}-worker`)) },
    ]),
    ...['sg-database', 'sg-queue', 'sg-workers', 'sg-internal-alb'].map((key) => ({ operation: 'ec2:DeleteSecurityGroup', when: is('GroupId', id(key)) })),
    ...['private-subnet-a', 'private-subnet-b'].map((key) => ({ operation: 'ec2:DeleteSubnet', when: is('SubnetId', id(key)) })),
    { operation: 'rds:DeleteDBInstance' },
    { operation: 'rds:DeleteDBSubnetGroup' },
    { operation: 'elasticache:DeleteReplicationGroup' },
    { operation: 'elasticache:DeleteCacheSubnetGroup' },
    { operation: 'elasticloadbalancing:DeleteLoadBalancer' },
    { operation: 'elasticloadbalancing:DeleteTargetGroup' },
  ];
}
const NEW_DEPLOY_CALLS = [...new Set(DEPLOY_TARGETS.map((t) => t.operation).filter((op) => !DEV_MUTATING_CALLS.includes(op)))];
const NEW_DESTROY_CALLS = ['rds:DeleteDBInstance', 'rds:DeleteDBSubnetGroup', 'elasticache:DeleteReplicationGroup', 'elasticache:DeleteCacheSubnetGroup', 'elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DeleteTargetGroup'];

const rules = (targets: readonly Target[], mode: FaultRule['mode'], error: InjectedError): FaultRule[] =>
  targets.map(({ operation, when }) => ({ operation, mode, error, ...(when ? { when } : {}) }));

/** Each target's fault fired: the failures name exactly the targets' operations. */
function assertEachFired(faults: FaultInjector, targets: readonly Target[]): void {
  assert.deepEqual(faults.failures.map((f) => f.replace(/ \((after|before)\)$/, '')).sort(), targets.map((t) => t.operation).sort(), 'each fault fired once');
}

/** Runs deploys (or destroys) with one injector until one completes: each run takes the faults it meets and ends in one error. */
async function untilDone(stateDir: string, faults: FaultInjector, maxAttempts: number, work: (engine: ReturnType<typeof testEngine>) => Promise<unknown>, check: (error: GeuseError) => void): Promise<GeuseError[]> {
  const errors: GeuseError[] = [];
  for (let run = 0; ; run++) {
    assert.ok(run <= DEPLOY_TARGETS.length, `still failing after ${run} runs: ${errors.map((e) => e.message).join(' | ')}`);
    const engine = testEngine({ stateDir, instrument: faults.instrument, maxAttempts });
    try {
      await work(engine);
      return errors;
    } catch (error) {
      assert.ok(error instanceof GeuseError, `a GeuseError, not ${String(error)}`);
      assert.doesNotMatch(error.message, /undefined|\[object Object\]/);
      check(error);
      errors.push(error);
    } finally {
      engine.dispose();
    }
  }
}

const deploy = (config: StackConfig) => (engine: ReturnType<typeof testEngine>) => engine.deploy(config);
const destroy = (engine: ReturnType<typeof testEngine>) => engine.destroy('demo', { deleteData: true, finalBackup: false });

/**
 * What AWS holds is exactly one complete scaled stack: the stack's tagged resources counted by kind, and each scale
 * resource counted again across the whole account, so a duplicate under another name would show too.
 */
async function assertExactlyOneScaledStack(config: StackConfig): Promise<void> {
  const counts = countByKind(await sweep());
  const expected: Record<string, number> = {
    vpc: 1, 'internet-gateway': 1, 'route-table': 1, subnet: 4, efs: 1, 'mount-target': 2,
    // The instance and one worker in each pool; a template and a group for each.
    instance: 3, 'launch-template': 3, 'auto-scaling-group': 3,
    'security-group': 6, 'ssm-parameter': stackSecrets(config).length, 'backup-vault': 1, 'backup-plan': 1,
    'load-balancer': 1, 'target-group': 1, database: 1, 'db-subnet-group': 1, cache: 1, 'cache-subnet-group': 1,
  };
  assert.deepEqual(Object.fromEntries(Object.keys(expected).map((kind) => [kind, counts[kind] ?? 0])), expected, 'exactly one of each resource of the stack');

  const aws = inspector();
  try {
    const ours = (name: string | undefined) => (name ?? '').startsWith('gm-demo');
    const everywhere = {
      databases: ((await aws.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).length,
      dbSubnetGroups: ((await aws.rds.send(new DescribeDBSubnetGroupsCommand({}))).DBSubnetGroups ?? []).filter((g) => ours(g.DBSubnetGroupName)).length,
      queues: ((await aws.elasticache.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups ?? []).length,
      cacheSubnetGroups: ((await aws.elasticache.send(new DescribeCacheSubnetGroupsCommand({}))).CacheSubnetGroups ?? []).filter((g) => ours(g.CacheSubnetGroupName)).length,
      loadBalancers: ((await aws.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []).length,
      targetGroups: ((await aws.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).length,
      listeners: 0,
      groups: ((await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? []).length,
      templates: ((await aws.ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? []).length,
      securityGroups: ((await aws.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []).filter((g) => ours(g.GroupName)).length,
      privateSubnets: ((await aws.ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? []).filter((s) => /^10\.42\.12[89]\./.test(s.CidrBlock ?? '')).length,
    };
    const lb = (await aws.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers?.[0]?.LoadBalancerArn;
    everywhere.listeners = lb ? ((await aws.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb }))).Listeners ?? []).length : 0;
    assert.deepEqual(everywhere, {
      databases: 1, dbSubnetGroups: 1, queues: 1, cacheSubnetGroups: 1, loadBalancers: 1, targetGroups: 1, listeners: 1,
      groups: 3, templates: 3, securityGroups: 6, privateSubnets: 2,
    }, 'no scale resource twice anywhere in the account');
  } finally {
    aws.destroy();
  }
}

/** The database's class and the queue's node type, as RDS and ElastiCache report them. */
async function sizes(): Promise<string[]> {
  const aws = inspector();
  try {
    const db = (await aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'gm-demo-db' }))).DBInstances?.[0];
    const queue = (await aws.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'gm-demo-queue' }))).ReplicationGroups?.[0];
    return [db?.DBInstanceClass ?? '', queue?.CacheNodeType ?? ''];
  } finally {
    aws.destroy();
  }
}

async function assertNothingLeft(): Promise<void> {
  assert.deepEqual(await sweep(), [], 'nothing of the stack left');
  const aws = inspector();
  try {
    assert.deepEqual(((await aws.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((d) => d.DBInstanceIdentifier), [], 'no database anywhere');
    assert.deepEqual(((await aws.elasticache.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups ?? []).map((g) => g.ReplicationGroupId), [], 'no queue anywhere');
  } finally {
    aws.destroy();
  }
}

describe('scale: fault injection on every new mutating call, and kill -9 mid-deploy (moto over HTTP)', function () {
  this.timeout(120_000);

  it('the lists cover every mutating call a clean scaled deploy and destroy add', async () => {
    const stateDir = tempDir('gm-scale-calls-');
    const aims = new FaultInjector();
    const engine = testEngine({ stateDir, instrument: aims.instrument });
    await engine.deploy(scaled());
    const deployCalls = [...new Set(aims.mutatingCalls())];
    aims.calls.length = 0;
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    engine.dispose();
    const destroyCalls = [...new Set(aims.mutatingCalls())];
    assert.deepEqual(deployCalls.filter((op) => !DEV_MUTATING_CALLS.includes(op)).sort(), [...NEW_DEPLOY_CALLS].sort(), 'the deploy adds exactly these calls');
    assert.deepEqual(destroyCalls.filter((op) => !DEV_DESTROY_CALLS.includes(op) && op !== 'ec2:DeleteVolume').sort(), [...NEW_DESTROY_CALLS].sort(), 'the destroy adds exactly these calls');
    for (const op of DEPLOY_TARGETS.map((t) => t.operation)) assert.ok(deployCalls.includes(op), `the deploy calls ${op}`);
    await assertNothingLeft();
  });

  it('every new call\'s answer lost, SDK retries on (as users have them): the first deploy completes with exactly one of each, a redeploy changes nothing, and a destroy losing every new delete\'s answer leaves nothing', async () => {
    const stateDir = tempDir('gm-scale-lost-');
    const faults = new FaultInjector(rules(DEPLOY_TARGETS, 'after', LOST_RESPONSE));
    const errors = await untilDone(stateDir, faults, DEFAULT_MAX_ATTEMPTS, deploy(scaled()), (error) => assert.fail(`the deploy failed: ${error.message}`));
    assert.deepEqual(errors, []);
    assertEachFired(faults, DEPLOY_TARGETS);
    await assertExactlyOneScaledStack(scaled());

    const quiet = new FaultInjector();
    const again = testEngine({ stateDir, instrument: quiet.instrument });
    await again.deploy(scaled());
    again.dispose();
    assert.deepEqual(quiet.mutatingCalls(), [], 'the journal holds every resource the lost answers made: a redeploy makes no call');

    const targets = await destroyTargets(stateDir);
    const gone = new FaultInjector(rules(targets, 'after', LOST_RESPONSE));
    await untilDone(stateDir, gone, DEFAULT_MAX_ATTEMPTS, destroy, (error) => assert.fail(`the destroy failed: ${error.message}`));
    assertEachFired(gone, targets);
    await assertNothingLeft();
  });

  it('every new call\'s answer lost with no retries (--max-attempts 1): each run completes or says to run it again, the re-runs complete with exactly one of each, and destroy (its answers lost too) leaves nothing', async () => {
    const stateDir = tempDir('gm-scale-lost1-');
    const transient = (error: GeuseError) => {
      assert.equal(error.kind, 'transient', error.message);
      assert.match(error.nextStep, /run .*again/i);
      assert.ok([...DEPLOY_TARGETS.map((t) => t.operation), ...NEW_DESTROY_CALLS, 'autoscaling:DeleteAutoScalingGroup', 'ec2:DeleteLaunchTemplate', 'ec2:DeleteSecurityGroup', 'ec2:DeleteSubnet']
        .some((operation) => error.message.includes(operation)), `names the call: ${error.message}`);
    };
    const faults = new FaultInjector(rules(DEPLOY_TARGETS, 'after', LOST_RESPONSE));
    await untilDone(stateDir, faults, 1, deploy(scaled()), transient);
    assertEachFired(faults, DEPLOY_TARGETS);
    await assertExactlyOneScaledStack(scaled());

    const targets = await destroyTargets(stateDir);
    const gone = new FaultInjector(rules(targets, 'after', LOST_RESPONSE));
    await untilDone(stateDir, gone, 1, destroy, transient);
    assertEachFired(gone, targets);
    await assertNothingLeft();
  });

  it('every new call refused: each failure names the missing permission, each re-run goes on from there and completes with exactly one of each; a destroy refused at each new delete leaves nothing once re-run', async () => {
    const stateDir = tempDir('gm-scale-denied-');
    const permission = (error: GeuseError) => {
      assert.equal(error.kind, 'permission', error.message);
      const operation = /Grant the permission for (\S+)/.exec(error.nextStep)?.[1];
      assert.ok(operation && refusedHere.has(operation), `names a refused call: ${error.nextStep}`);
      assert.ok(error.message.includes(operation), error.message);
    };
    const refusedHere = new Set(DEPLOY_TARGETS.map((t) => t.operation));
    const faults = new FaultInjector(rules(DEPLOY_TARGETS, 'before', DENIED));
    const errors = await untilDone(stateDir, faults, 1, deploy(scaled()), permission);
    assertEachFired(faults, DEPLOY_TARGETS);
    assert.ok(errors.length > 0, 'a refusal stops the deploy');
    await assertExactlyOneScaledStack(scaled());

    const targets = await destroyTargets(stateDir);
    refusedHere.clear();
    for (const t of targets) refusedHere.add(t.operation);
    const gone = new FaultInjector(rules(targets, 'before', DENIED));
    const destroyErrors = await untilDone(stateDir, gone, 1, destroy, permission);
    assertEachFired(gone, targets);
    assert.ok(destroyErrors.length > 0, 'a refusal stops the destroy');
    await assertNothingLeft();
  });

  it('every new create fails with a temporary error before AWS acted, no SDK retries: nothing is found, it is sent again, and the first deploy completes with one of each', async () => {
    const stateDir = tempDir('gm-scale-before-');
    const creates = DEPLOY_TARGETS.filter((t) => /:Create/.test(t.operation));
    const faults = new FaultInjector(rules(creates, 'before', LOST_RESPONSE));
    await untilDone(stateDir, faults, 1, deploy(scaled()), (error) => assert.fail(`the deploy failed: ${error.message}`));
    assertEachFired(faults, creates);
    await assertExactlyOneScaledStack(scaled());
  });

  it('a class and node type change: refused, then its answers lost with no retries — each re-run completes, RDS and ElastiCache report the new sizes, and destroy leaves nothing', async () => {
    const stateDir = tempDir('gm-scale-modify-');
    const bigger = scaled({ databaseClass: 'db.t4g.large', cacheNodeType: 'cache.t4g.medium' });
    await untilDone(stateDir, new FaultInjector(), 1, deploy(scaled()), (error) => assert.fail(error.message));

    const refused = new FaultInjector(rules(UPDATE_TARGETS, 'before', DENIED));
    const denied = await untilDone(stateDir, refused, 1, deploy(bigger), (error) => {
      assert.equal(error.kind, 'permission', error.message);
      assert.match(error.nextStep, /Grant the permission for (rds:ModifyDBInstance|elasticache:ModifyReplicationGroup)/);
    });
    assert.ok(denied.length > 0, 'the refusal stopped a run');
    assertEachFired(refused, UPDATE_TARGETS);
    assert.deepEqual(await sizes(), ['db.t4g.large', 'cache.t4g.medium']);

    // And back, each change's answer lost.
    const lost = new FaultInjector(rules(UPDATE_TARGETS, 'after', LOST_RESPONSE));
    await untilDone(stateDir, lost, 1, deploy(scaled()), (error) => {
      assert.equal(error.kind, 'transient', error.message);
      assert.match(error.nextStep, /run .*again/i);
    });
    assertEachFired(lost, UPDATE_TARGETS);
    assert.deepEqual(await sizes(), ['db.t4g.medium', 'cache.t4g.small']);
    await assertExactlyOneScaledStack(scaled());
    await untilDone(stateDir, new FaultInjector(), 1, destroy, (error) => assert.fail(error.message));
    await assertNothingLeft();
  });

  it('kill -9 of a CLI deploy once the database is being created, and of the re-run once a worker group\'s policy is put: a third deploy finishes with exactly one of each, destroy leaves nothing', async () => {
    const stateDir = tempDir('gm-scale-kill-');
    const configFile = join(stateDir, 'geusemaker.json');
    writeFileSync(configFile, JSON.stringify({ name: 'demo', region: 'us-east-1', instanceType: 't3.xlarge', scale: SCALE }));
    await killDeployAfter(stateDir, 'rds:CreateDBInstance', ['--config', configFile]);
    await killDeployAfter(stateDir, 'autoscaling:PutScalingPolicy', ['--config', configFile]);
    const engine = testEngine({ stateDir });
    try {
      const result = await engine.deploy(scaled());
      assert.equal(result.state.status, 'deployed');
      await assertExactlyOneScaledStack(scaled());
      await engine.destroy('demo', { deleteData: true, finalBackup: false });
    } finally {
      engine.dispose();
    }
    await assertNothingLeft();
  });
});
