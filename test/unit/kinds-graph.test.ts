import assert from 'node:assert/strict';
import { stackConfigSchema, type StackConfigInput } from '../../src/engine/stack/config';
import { TIERS } from '../../src/engine/tiers';
import { GraphBuildError, kindSteps, stackSteps, stepDependencies } from '../../src/engine/plan/stack-steps';
import { buildScope, kindsOf, KINDS, JOURNAL_KINDS } from '../../src/engine/kinds';
import { destroyOrder } from '../../src/engine/kinds/destroy-order';
import { defineKind, step } from '../../src/engine/kinds/types';
import { vpc } from '../../src/engine/kinds/vpc';
import { subnet } from '../../src/engine/kinds/subnet';
import { RESOURCE_KINDS } from '../../src/engine/state/schema';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
const EXISTING = { mode: 'existing' as const, vpcId: 'vpc-0abc', subnetIds: ['subnet-0a', 'subnet-0b'] };

function config(input: Partial<StackConfigInput>) {
  return stackConfigSchema.parse({ name: 'demo', ...input });
}

/** Every step that must finish before each step (the order runGraph keeps), from a step → deps table. */
function closure(deps: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const reach = (id: string, seen: Set<string>): Set<string> => {
    for (const dep of deps[id] ?? []) {
      if (!seen.has(dep)) {
        seen.add(dep);
        reach(dep, seen);
      }
    }
    return seen;
  };
  for (const id of Object.keys(deps)) out[id] = [...reach(id, new Set())].sort();
  return out;
}

function graphOf(input: Partial<StackConfigInput>): Record<string, string[]> {
  return Object.fromEntries(stackSteps({ config: config(input) }).map((spec) => [spec.id, spec.deps]));
}

// The deploy graphs as the hand-written stackSteps had them before the kinds (same steps, same order constraints).
const DEV_NEW = {
  vpc: [], 'subnet-a': ['vpc'], 'subnet-b': ['vpc'], igw: ['vpc'], 'route-table': ['vpc', 'igw', 'subnet-a', 'subnet-b'],
  'sg-instance': ['vpc'], 'sg-efs': ['vpc', 'sg-instance'], efs: [],
  'mount-target-a': ['efs', 'subnet-a', 'sg-efs'], 'mount-target-b': ['efs', 'subnet-b', 'sg-efs'],
  'iam-role': [], 'instance-profile': ['iam-role'], secrets: [],
  'backup-role': [], 'backup-vault': [], 'backup-plan': ['backup-role', 'backup-vault', 'efs'],
  // The group launches the instance from the launch template, which names the profile, group, file system and secrets.
  'launch-template': ['sg-instance', 'instance-profile', 'efs', 'secrets'],
  instance: ['subnet-a', 'subnet-b', 'route-table', 'launch-template'],
  // Brings the running instance to this deploy's template (an instance refresh, or the bootstrap pushed over SSM).
  'instance-update': ['instance', 'subnet-a', 'subnet-b', 'launch-template'],
};
const GPU_NEW = {
  ...DEV_NEW,
  'sg-alb': ['vpc'], alb: ['sg-alb', 'subnet-a', 'subnet-b', 'route-table'], 'target-group': ['vpc'],
  listeners: ['alb', 'target-group', 'secrets'], 'target-healthy': ['instance-update', 'listeners'],
  cloudfront: ['alb', 'secrets'], 'cloudfront-deployed': ['cloudfront'],
  'sg-instance': ['vpc', 'sg-alb'],
  'launch-template': [...DEV_NEW['launch-template'], 'cloudfront'],
  instance: [...DEV_NEW.instance, 'target-group'],
  'instance-update': [...DEV_NEW['instance-update'], 'target-group'],
};
const AUTOMATION_EXISTING = {
  network: [], 'sg-alb': ['network'], alb: ['sg-alb', 'network'], 'target-group': ['network'],
  listeners: ['alb', 'target-group'], 'target-healthy': ['instance-update', 'listeners'],
  'sg-instance': ['network', 'sg-alb'], 'sg-efs': ['network', 'sg-instance'], efs: [], 'mount-targets': ['efs', 'sg-efs', 'network'],
  'iam-role': [], 'instance-profile': ['iam-role'], secrets: [],
  'backup-role': [], 'backup-vault': [], 'backup-plan': ['backup-role', 'backup-vault', 'efs'],
  'launch-template': ['sg-instance', 'instance-profile', 'efs', 'secrets', 'alb'],
  instance: ['network', 'launch-template', 'target-group'],
  'instance-update': ['instance', 'network', 'launch-template', 'target-group'],
};

// The destroy graph as the hand-written destroySteps had it, with the group first (a forced delete terminates its
// instance; deleting the instance first would only have the group replace it) and its launch template after it.
const DESTROY_BEFORE = {
  'auto-scaling-group': [], 'launch-template': ['auto-scaling-group'], 'notify-topic': ['auto-scaling-group'],
  // The backup plan goes first (its selection names the file system and role); the vault after it, when empty or asked.
  'backup-plan': [], 'backup-vault': ['backup-plan'], budget: [],
  instances: ['auto-scaling-group'], cloudfront: [], 'load-balancer': ['instances', 'cloudfront', 'launch-template'], 'target-groups': ['load-balancer'], leftovers: ['instances'],
  'mount-targets': ['instances'], efs: ['mount-targets', 'launch-template', 'backup-plan'], 'security-groups': ['instances', 'mount-targets', 'leftovers', 'load-balancer', 'launch-template'],
  'internet-gateway': ['instances', 'leftovers', 'load-balancer'], 'route-table': ['instances'],
  subnets: ['route-table', 'mount-targets', 'leftovers', 'load-balancer'], vpc: ['subnets', 'security-groups', 'internet-gateway', 'route-table'],
  iam: ['instances', 'launch-template', 'backup-plan'], secrets: ['instances', 'cloudfront', 'load-balancer', 'efs', 'launch-template', 'backup-plan'],
};

/** Scale (issue 19): the worker groups go with the stack's group, then RDS and ElastiCache, then their subnet groups. */
const SCALE_DESTROY = {
  database: ['auto-scaling-group', 'launch-template'], 'db-subnet-group': ['database'],
  cache: ['auto-scaling-group', 'launch-template'], 'cache-subnet-group': ['cache'],
  'security-groups': ['database', 'cache'], subnets: ['db-subnet-group', 'cache-subnet-group'], secrets: ['database', 'cache'],
};
const DESTROY_WITH_SCALE: Record<string, string[]> = Object.fromEntries([...new Set([...Object.keys(DESTROY_BEFORE), ...Object.keys(SCALE_DESTROY)])]
  .map((id) => [id, [...((DESTROY_BEFORE as Record<string, string[]>)[id] ?? []), ...((SCALE_DESTROY as Record<string, string[]>)[id] ?? [])]]));

describe('resource kinds: the deploy graph', () => {
  it('builds for every tier, network mode, CloudFront choice and certificate', () => {
    for (const tier of TIERS) {
      for (const network of [{ mode: 'new' } as const, EXISTING]) {
        // The CloudFront choice is automation's; gpu always has it, dev never.
        for (const cloudFront of tier === 'automation' ? [undefined, true, false] : [undefined]) {
          // A certificate is for a load balancer without CloudFront.
          const withCloudFront = tier === 'gpu' || (tier === 'automation' && cloudFront === true);
          for (const certificateArn of tier === 'dev' || withCloudFront ? [undefined] : [undefined, CERT]) {
            const steps = stackSteps({ config: config({ tier, network, cloudFront, certificateArn }) });
            assert.ok(steps.some((s) => s.id === 'instance'), `${tier} ${network.mode} has an instance`);
            const scaled = stackSteps({ config: config({ tier, network, cloudFront, certificateArn, scale: { ollamaWorkers: {} } }) });
            assert.ok(scaled.some((s) => s.id === 'worker-group-ollama'), `${tier} ${network.mode} with scale has its pools`);
          }
        }
      }
    }
  });

  it('keeps the order the hand-written graphs had, with the same step ids', () => {
    assert.deepEqual(closure(graphOf({ tier: 'dev' })), closure(DEV_NEW));
    assert.deepEqual(closure(graphOf({ tier: 'gpu' })), closure(GPU_NEW));
    assert.deepEqual(closure(graphOf({ tier: 'automation', network: EXISTING })), closure(AUTOMATION_EXISTING));
  });

  it('keeps the step titles and journal keys', () => {
    const steps = stackSteps({ config: config({ tier: 'automation', cloudFront: true }) });
    const byId = new Map(steps.map((s) => [s.id, s]));
    assert.equal(byId.get('listeners')?.title, 'Listener (403 unless the CloudFront origin header)');
    assert.deepEqual(byId.get('listeners')?.keys, ['listener-http', 'listener-rule-origin']);
    assert.deepEqual(stackSteps({ config: config({ tier: 'automation', certificateArn: CERT }) }).find((s) => s.id === 'listeners')?.keys, ['listener-http', 'listener-https']);
    assert.deepEqual(byId.get('secrets')?.keys.at(-1), 'secret-origin-header');
    assert.equal(byId.get('cloudfront-deployed')?.title, 'CloudFront deployed (5–20 min)');
    assert.equal(stackSteps({ config: config({ tier: 'automation' }) }).find((s) => s.id === 'listeners')?.title, 'Listeners');
  });

  it('every journal key a step writes is owned by one of the stack\'s kinds (with and without scale)', () => {
    const scales = [undefined, { ollamaWorkers: {} }, { database: 'instance', queue: 'instance' }] as const;
    for (const [tier, scale] of TIERS.flatMap((one) => scales.map((s) => [one, s] as const))) {
      const scope = buildScope(config({ tier, ...(scale ? { scale } : {}) }));
      const owned = new Set(kindsOf(scope).flatMap((kind) => kind.journalKeys?.(scope) ?? []));
      for (const { step: one } of kindSteps(scope.config)) {
        for (const key of one.keys) assert.ok(owned.has(key), `${tier}: ${one.id} writes ${key}, owned by no kind`);
      }
    }
  });

  it('refuses, when the graph is built, a step that uses a kind its kind does not depend on', () => {
    const careless = defineKind({
      kind: 'careless', part: 'network', dependsOn: [], keptWithData: false, adoptable: false,
      steps: () => [step({ id: 'careless', title: 'Careless', uses: { vpcId: vpc.handles.id }, run: async () => ({ outcome: 'done' }) })],
    });
    const steps = [...kindSteps(config({ tier: 'dev' })), ...careless.steps().map((one) => ({ kind: careless, step: one }))];
    assert.throws(() => stepDependencies(steps), (error: unknown) => error instanceof GraphBuildError && /careless.*uses the VPC.*does not depend on/.test(error.message));
  });

  it('refuses a step that uses what no step of this stack provides (a new-network subnet on a reused network)', () => {
    const lost = defineKind({
      kind: 'lost', part: 'network', dependsOn: [subnet], keptWithData: false, adoptable: false,
      steps: () => [step({ id: 'lost', title: 'Lost', uses: { first: subnet.handles.a }, run: async () => ({ outcome: 'done' }) })],
    });
    const steps = [...kindSteps(config({ tier: 'dev', network: EXISTING })), ...lost.steps().map((one) => ({ kind: lost, step: one }))];
    assert.throws(() => stepDependencies(steps), (error: unknown) => error instanceof GraphBuildError && /lost needs the first public subnet, which no step/.test(error.message));
  });

  it('derives the journal kinds from the kinds, keeping every name old state files use', () => {
    const before = ['vpc', 'subnet', 'internet-gateway', 'route-table', 'security-group', 'efs', 'mount-target', 'iam-role', 'instance-profile',
      'ssm-parameter', 'instance', 'load-balancer', 'target-group', 'listener', 'listener-rule', 'cloudfront-distribution'];
    // Scale adds its data services' kinds; worker-pool and internal-load-balancer own journal keys (removals read
    // them) whose records are launch template, group and load balancer records.
    const scale = ['db-subnet-group', 'database', 'cache-subnet-group', 'cache', 'internal-load-balancer', 'worker-pool'];
    assert.deepEqual([...RESOURCE_KINDS].sort(), [...before, 'launch-template', 'auto-scaling-group', 'sns-topic', 'backup-vault', 'backup-plan', 'budget', ...scale].sort());
    assert.deepEqual(JOURNAL_KINDS, RESOURCE_KINDS);
    assert.equal(new Set(KINDS.map((k) => k.kind)).size, KINDS.length, 'one object per kind name');
  });
});

describe('resource kinds: the destroy graph', () => {
  const derived = Object.fromEntries(destroyOrder().map((one) => [one.id, one.after]));

  it('has the same steps, with the same titles, as before', () => {
    assert.deepEqual(Object.keys(derived).sort(), [...new Set([...Object.keys(DESTROY_BEFORE), ...Object.keys(SCALE_DESTROY)])].sort());
    const titles = Object.fromEntries(destroyOrder().map((one) => [one.id, one.title]));
    assert.equal(titles.instances, 'Terminate instances');
    assert.equal(titles.cloudfront, 'CloudFront distribution (disable, wait, delete)');
    assert.equal(titles['load-balancer'], 'Load balancer (with its listeners)');
    assert.equal(titles.leftovers, 'Leftover volumes and interfaces');
    assert.equal(titles.iam, 'IAM role and instance profile');
    assert.equal(titles['auto-scaling-group'], 'Auto Scaling group (terminates its instance)');
  });

  it('is deploy\'s edges reversed: every order the hand-written graph kept still holds', () => {
    const now = closure(derived);
    const before = closure(DESTROY_WITH_SCALE);
    for (const [id, deps] of Object.entries(before)) {
      for (const dep of deps) assert.ok(now[id]?.includes(dep), `${dep} still before ${id}`);
    }
  });

  it('adds only two orders, both safe on real AWS: route table before the internet gateway, target groups before the VPC', () => {
    const now = closure(derived);
    const before = closure(DESTROY_WITH_SCALE);
    const added = Object.entries(now).flatMap(([id, deps]) => deps.filter((dep) => !before[id]?.includes(dep)).map((dep) => `${dep} → ${id}`));
    assert.deepEqual(added.sort(), ['route-table → internet-gateway', 'target-groups → vpc']);
  });

  it('keeps the named exceptions: CloudFront beside the instances, secrets last (after EFS)', () => {
    assert.deepEqual(derived.cloudfront, []);
    assert.deepEqual(derived.instances, ['auto-scaling-group'], 'the group goes first: it would replace an instance terminated before it');
    assert.deepEqual(derived['launch-template'], ['auto-scaling-group']);
    assert.ok(derived.secrets?.includes('efs'));
    assert.deepEqual(closure(derived).secrets, ['auto-scaling-group', 'backup-plan', 'cache', 'cloudfront', 'database', 'efs', 'instances', 'launch-template', 'load-balancer', 'mount-targets']);
  });

  it('deletes dependents first inside a shared step: the profile before its role, interfaces before volumes', () => {
    const iam = destroyOrder().find((one) => one.id === 'iam')!;
    assert.deepEqual(iam.kinds.map((k) => k.kind), ['iam-role', 'instance-profile']);
    const leftovers = destroyOrder().find((one) => one.id === 'leftovers')!;
    assert.deepEqual(leftovers.kinds.map((k) => k.kind), ['volume', 'network-interface']);
  });
});
