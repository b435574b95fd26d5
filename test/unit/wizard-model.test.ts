import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { GeuseError } from '../../src/engine/errors';
import type { DiscoveredVpc } from '../../src/engine/discovery/networks';
import { stackConfigSchema } from '../../src/engine/stack/config';
import { configYaml, draftToConfig, stepErrors, tierChoices, validateStep } from '../../src/vscode/wizard/model';
import { EMPTY_PROGRESS, foldProgress } from '../../src/vscode/wizard/progress-model';

const none = { existingNames: new Set<string>() };

const vpc: DiscoveredVpc = {
  id: 'vpc-0abc', cidr: '10.0.0.0/16', isDefault: false, publicZones: ['us-east-1a'],
  subnets: [
    { id: 'subnet-1', zone: 'us-east-1a', cidr: '10.0.1.0/24', public: true },
    { id: 'subnet-2', zone: 'us-east-1b', cidr: '10.0.2.0/24', public: false },
  ],
};

describe('deploy wizard model', () => {
  it('checks each step with the engine\'s own schema and shows only that step\'s errors', () => {
    const draft = { name: 'Bad_Name', instanceType: 'huge', access: { mode: 'cidr' as const, cidr: '0.0.0.0/0' } };
    assert.deepEqual(validateStep('basics', draft, none).map((e) => e.field), ['name']);
    assert.deepEqual(validateStep('instance', draft, none).map((e) => e.field), ['instanceType']);
    const access = validateStep('access', draft, none);
    assert.equal(access[0]?.field, 'access.cidr');
    assert.match(access[0]?.message ?? '', /too wide/);
    assert.deepEqual(validateStep('services', draft, none), []);
  });

  it('the group\'s notices by email: an address is checked on the access step, and an empty field means none', () => {
    const bad = validateStep('access', { name: 'demo', notifyEmail: 'not-an-address' }, none);
    assert.deepEqual(bad.map((e) => e.field), ['notifyEmail']);
    assert.match(bad[0]!.message, /email address/);
    assert.deepEqual(validateStep('access', { name: 'demo', notifyEmail: 'ops@example.com' }, none), []);
  });

  it('refuses a name already used here; a tier with a load balancer refuses access that bypasses it, on the access step', () => {
    const errors = validateStep('basics', { name: 'demo', tier: 'gpu' }, { existingNames: new Set(['demo']) });
    assert.deepEqual(errors.map((e) => e.field), ['name']);
    assert.match(errors[0]?.message ?? '', /already exists/);
    const open = validateStep('access', { name: 'lab', tier: 'automation', instanceType: 'm7i.xlarge', access: { mode: 'cidr', cidr: '203.0.113.7/32' } }, none);
    assert.deepEqual(open.map((e) => e.field), ['access.mode']);
    assert.match(open[0]?.message ?? '', /reached through its load balancer/);
    const both = validateStep('access', { name: 'lab', tier: 'gpu', instanceType: 'g5.xlarge', access: { mode: 'load-balancer', cidr: '203.0.113.7/32' } }, none);
    assert.match(both.find((e) => e.field === 'access.cidr')?.message ?? '', /cannot be combined with CloudFront/);
    assert.deepEqual(validateStep('access', { name: 'lab', tier: 'automation', instanceType: 'm7i.xlarge', access: { mode: 'load-balancer' }, cloudFront: true }, none), []);
  });

  it('an existing network needs a public subnet of that VPC, and two public AZs for load-balancer tiers', () => {
    const ctx = { existingNames: new Set<string>(), networks: [vpc] };
    const base = { name: 'demo', region: 'us-east-1' as const };
    assert.deepEqual(validateStep('network', { ...base, network: { mode: 'existing', vpcId: 'vpc-0abc', subnetIds: ['subnet-1'] } }, ctx), []);
    assert.match(validateStep('network', { ...base, network: { mode: 'existing', vpcId: 'vpc-0abc', subnetIds: ['subnet-2'] } }, ctx)[0]?.message ?? '', /internet gateway/);
    assert.match(validateStep('network', { ...base, network: { mode: 'existing', vpcId: 'vpc-0abc', subnetIds: ['subnet-9'] } }, ctx)[0]?.message ?? '', /subnet-9 is not in vpc-0abc/);
    assert.match(validateStep('network', { ...base, network: { mode: 'existing', vpcId: 'vpc-0fff', subnetIds: ['subnet-1'] } }, ctx)[0]?.message ?? '', /not a VPC/);
    const alb = validateStep('network', { ...base, tier: 'automation', network: { mode: 'existing', vpcId: 'vpc-0abc', subnetIds: ['subnet-1', 'subnet-2'] } }, ctx);
    assert.ok(alb.some((e) => /two availability zones; these cover 1/.test(e.message)));
  });

  it('produces the same config the engine would parse, or every blocking error', () => {
    const ok = draftToConfig({ name: 'demo', market: 'on-demand' }, none);
    assert.ok('config' in ok);
    assert.deepEqual(ok.config, stackConfigSchema.parse({ name: 'demo', market: 'on-demand' }));
    const bad = draftToConfig({ name: 'x' }, none);
    assert.ok('errors' in bad && bad.errors.length > 0);
  });

  it('offers every tier (all deploy) with what it adds; prices come from the cost engine, not from here', () => {
    const tiers = tierChoices();
    assert.deepEqual(tiers.map((t) => t.tier), ['dev', 'automation', 'gpu']);
    assert.ok(tiers.every((t) => t.adds.length > 0), 'each says what it adds');
    assert.ok(tiers.every((t) => !('monthlyUsd' in t)), 'no second, bundled estimate');
  });

  it('shows one error per field, and asks for an empty field in words about it instead of the schema\'s rule', () => {
    assert.deepEqual(stepErrors('basics', { name: '' }, none), [{ field: 'name', message: 'Enter a name for the stack.' }]);
    assert.equal(validateStep('basics', { name: '' }, none).length, 2, 'the schema breaks two rules on an empty name');
    assert.deepEqual(stepErrors('basics', { name: 'Bad_Name' }, none).map((e) => e.field), ['name']);
    assert.deepEqual(stepErrors('network', { name: 'demo', network: { mode: 'existing', vpcId: '', subnetIds: [] } }, { ...none, networks: [vpc] }), [
      { field: 'network.vpcId', message: 'Choose a VPC.' }, { field: 'network.subnetIds', message: 'Choose at least one subnet.' },
    ]);
    assert.deepEqual(stepErrors('access', { name: 'demo', access: { mode: 'cidr', cidr: '' } }, none), [{ field: 'access.cidr', message: 'Enter your address range, such as 203.0.113.7/32.' }]);
    assert.match(stepErrors('access', { name: 'demo', access: { mode: 'cidr', cidr: '0.0.0.0/0' } }, none)[0]?.message ?? '', /too wide/);
  });

  it('"Save as geusemaker.yaml" writes the name and only what differs from the defaults, and reads back the same', () => {
    const config = stackConfigSchema.parse({ name: 'demo', instanceType: 't3.2xlarge', access: { mode: 'cidr', cidr: '203.0.113.7/32' } });
    const text = configYaml(config);
    const data = parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), ['access', 'instanceType', 'name']);
    assert.deepEqual(stackConfigSchema.parse(data), config);
  });

  it('folds engine progress into rows: started, waiting with what for, done or failed with the next step', () => {
    let view = EMPTY_PROGRESS;
    view = foldProgress(view, { type: 'step-started', step: 'efs', title: 'EFS file system' });
    view = foldProgress(view, { type: 'step-waiting', step: 'efs', waitingFor: 'EFS mount target in us-east-1b', elapsedMs: 4200 });
    assert.deepEqual(view.rows[0], { step: 'efs', title: 'EFS file system', state: 'waiting', elapsedMs: 4200, detail: 'waiting for EFS mount target in us-east-1b…' });
    view = foldProgress(view, { type: 'step-done', step: 'efs', title: 'EFS file system', outcome: 'created', detail: 'fs-1', elapsedMs: 9000 });
    view = foldProgress(view, { type: 'step-failed', step: 'instance', title: 'Instance', elapsedMs: 10, error: new GeuseError({ code: 'AWS_CAPACITY', kind: 'capacity', message: 'No capacity.', nextStep: 'Try another type.' }) });
    view = foldProgress(view, { type: 'note', message: 'spot in us-east-1b' });
    assert.deepEqual(view.rows.map((r) => [r.step, r.state, r.detail]), [['efs', 'done', 'created: fs-1'], ['instance', 'failed', 'No capacity. Try another type.']]);
    assert.deepEqual(view.notes, ['spot in us-east-1b']);
  });
});

describe('wizard review with the cost engine\'s estimate', () => {
  it('carries the engine\'s lines, total and price source, within the protocol', async () => {
    const { estimateMonthly } = await import('../../src/engine/cost/estimate');
    const { fromEngineEstimate } = await import('../../src/vscode/wizard/review');
    const { reviewSchema } = await import('../../src/protocol/wizard');
    const estimate = estimateMonthly({ tier: 'dev', rootVolumeGb: 50, instanceType: 't3.medium', market: 'spot' }, { usdPerHour: 0.013, source: { kind: 'live' } });
    const monthly = fromEngineEstimate(estimate);
    assert.equal(monthly.source, 'live');
    assert.equal(monthly.totalUsd, 23.14);
    assert.deepEqual(monthly.lines.map((l) => l.item), ['Instance', 'Root disk (gp3)', 'EFS storage', 'Public IPv4 address', 'Data out']);
    assert.ok(monthly.assumptions.some((a) => /assumed/.test(a)));
    assert.ok(reviewSchema.safeParse({ summary: [], items: [], warnings: [], monthly }).success);
  });
});
