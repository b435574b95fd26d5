import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newStackState } from '../../src/engine/deploy';
import type { DeployPlan } from '../../src/engine/plan/plan';
import { renderPlan } from '../../src/engine/present/text';
import { stackConfigSchema, type StackConfig, type StackConfigInput } from '../../src/engine/stack/config';
import type { AppliedVersion, StackState, StackStatus } from '../../src/engine/state/schema';
import { APPLIED_MARK, historyActions, historyItems, rollbackHeader, rollbackOutcome, ROLL_BACK_LABEL } from '../../src/vscode/commands/history-model';
import { DIALOG_LINES, planDialogLines } from '../../src/vscode/commands/plan-dialog';
import { configChanges, describeChange, unappliedChanges, type WorkspaceConfig } from '../../src/vscode/tree/config-changes';
import { PENDING_WORDS, rootNodes, UNAPPLIED_WORDS, viewWith } from '../../src/vscode/tree/nodes';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { readWorkspaceConfigs } from '../../src/vscode/workspace-configs';
import { tempDir } from '../harness/engine';
import { samplePlan } from '../webview/wizard-fixtures';

const config = (overrides: Partial<StackConfigInput> = {}): StackConfig => stackConfigSchema.parse({ name: 'demo', ...overrides });
const noCrawl = { n8n: true, ollama: true, qdrant: true, crawl4ai: false, postgres: true };
const FORMAT = { locale: 'en', now: Date.parse('2026-03-02T12:00:00Z') };

function version(n: number, at: string, summary: string[], overrides: Partial<StackConfigInput> = {}): AppliedVersion {
  return { version: n, at, machine: n === 1 ? 'laptop' : 'ci-runner', summary, config: config(overrides) };
}

function stateWith(history: AppliedVersion[], status: StackStatus = 'deployed', extra: Partial<StackState> = {}): StackState {
  const state = newStackState(history.at(-1)?.config ?? config());
  return { ...state, status, history, ...extra };
}

const file = (overrides: Partial<StackConfigInput> = {}, explicit: string[] = ['name', 'services']): WorkspaceConfig => ({ file: '/ws/geusemaker.yaml', config: config(overrides), explicit: new Set(explicit) });

describe('Show History and the "changes not applied" marker (pure parts)', () => {
  const v1 = version(1, '2026-03-01T09:00:00.000Z', ['first deploy']);
  const v2 = version(2, '2026-03-02T10:30:00.000Z', ['services.crawl4ai true → false'], { services: noCrawl });

  it('lists the versions newest first with the applied one marked, and a change that did not finish on top', () => {
    const items = historyItems({ name: 'demo', history: [v1, v2] }, FORMAT);
    assert.deepEqual(items.map((i) => i.label), ['$(check) Version 2', 'Version 1']);
    assert.match(items[0]!.description, new RegExp(`^${APPLIED_MARK} · .*2026.* · ci-runner$`));
    assert.doesNotMatch(items[1]!.description, new RegExp(APPLIED_MARK));
    assert.deepEqual(items.map((i) => i.detail), ['services.crawl4ai true → false', 'first deploy']);

    const pending = { config: config({ instanceType: 't3.2xlarge' }), startedAt: '2026-03-02T11:00:00.000Z', summary: ['instanceType t3.xlarge → t3.2xlarge'] };
    const withPending = historyItems({ name: 'demo', history: [v1, v2], pending }, FORMAT);
    assert.deepEqual(withPending.map((i) => i.label), ['$(warning) Unfinished change', '$(check) Version 2', 'Version 1']);
    assert.match(withPending[0]!.description, /did not finish/);
    assert.equal(withPending[0]!.detail, 'instanceType t3.xlarge → t3.2xlarge');
  });

  it('an earlier version offers Roll Back and its configuration; the applied one only its configuration; the unfinished change to finish it or return to the applied version', () => {
    const [applied, earlier] = historyItems({ name: 'demo', history: [v1, v2] }, FORMAT);
    assert.deepEqual(historyActions(earlier!.choice).map((a) => [a.id, a.label, a.version?.version]), [['rollback', ROLL_BACK_LABEL, 1], ['show', 'Show This Version\'s Configuration', undefined]]);
    assert.deepEqual(historyActions(applied!.choice).map((a) => a.id), ['show']);
    const pending = { config: config(), startedAt: '2026-03-02T11:00:00.000Z', summary: [] };
    const [unfinished] = historyItems({ name: 'demo', history: [v1, v2], pending }, FORMAT);
    assert.equal(unfinished!.detail, 'no setting changes');
    assert.deepEqual(historyActions(unfinished!.choice).map((a) => [a.id, a.label, a.version?.version]), [
      ['finish', 'Finish This Change…', undefined], ['rollback', 'Roll Back to Version 2…', 2], ['show', 'Show the Unfinished Configuration', undefined],
    ]);
  });

  it('says what a roll back did from the state it left: the version returned to and the version it is recorded as', () => {
    const v3 = version(3, '2026-03-02T12:00:00.000Z', ['services.crawl4ai false → true']);
    const diff = { settings: [], instance: [], removals: [], effects: [], unchanged: false };
    assert.equal(rollbackOutcome('demo', v1, { state: { history: [v1, v2, v3] }, plan: { diff }, notes: [] }), 'Stack demo rolled back to version 1 (recorded as version 3).');
    assert.equal(rollbackOutcome('demo', v2, { state: { history: [v1, v2] }, plan: { diff }, notes: ['Services restart.'] }), 'Stack demo rolled back to version 2. Services restart.');
    assert.equal(rollbackOutcome('demo', v1, { state: { history: [v1, v2, v3] }, plan: { diff: { ...diff, unchanged: true } }, notes: [] }), 'Stack demo already runs the configuration of version 1: nothing changed.');
    assert.deepEqual(rollbackHeader('demo', v1), ['Roll back stack demo to version 1 (applied 2026-03-01 09:00 UTC on laptop):', '']);
  });

  it('the confirmation shows the whole plan when it fits, else the changes, counts, effects and warnings', () => {
    const plan = samplePlan('demo');
    const lines = renderPlan(plan);
    assert.ok(lines.length <= DIALOG_LINES, `the sample plan fits (${lines.length} lines)`);
    assert.deepEqual(planDialogLines(plan, lines), lines);
    const long: DeployPlan = {
      ...plan,
      items: Array.from({ length: 60 }, (_, i) => ({ ...plan.items[0]!, step: `step-${i}`, title: `Step ${i}`, action: i === 0 ? 'update' as const : 'unchanged' as const })),
      warnings: ['Spot saves little here.'],
      diff: {
        fromVersion: 2, unchanged: false, instance: [], removals: [],
        settings: [{ path: 'services.crawl4ai', field: 'services', from: 'false', to: 'true', effect: 'services' }],
        effects: ['The running instance is updated in place over SSM: starts crawl4ai.'],
      },
    };
    const shown = planDialogLines(long, renderPlan(long));
    assert.ok(shown.length < DIALOG_LINES, `${shown.length} lines`);
    const text = shown.join('\n');
    assert.match(text, /^Plan for stack demo/);
    assert.match(text, /Changes from the applied configuration \(version 2\):\n {2}~ services\.crawl4ai false → true/);
    assert.match(text, /1 to update in place, 0 to replace, 0 to delete, 59 unchanged\./);
    assert.match(text, /What you will notice:\n {2}• The running instance is updated in place/);
    assert.match(text, /! Spot saves little here\./);
    assert.match(text, /Every step \(60\) is in the GeuseMaker output\.$/);
    assert.doesNotMatch(text, /Step 12/);
  });

  it('compares the file with the applied config field by field; the AWS profile only when the file sets it', () => {
    const applied = config({ profile: 'work' });
    assert.deepEqual(configChanges(applied, config({ services: noCrawl })), [{ path: 'services.crawl4ai', from: 'true', to: 'false' }]);
    assert.deepEqual(configChanges(applied, config(), new Set(['name', 'profile'])).map(describeChange), ['profile work → (not set)']);
    assert.deepEqual(configChanges(config({ ollamaModels: ['a'] }), config({ ollamaModels: ['a', 'b'], instanceType: 't3.2xlarge' })).map(describeChange), [
      'instanceType t3.xlarge → t3.2xlarge', 'ollamaModels a → a, b',
    ]);
    assert.deepEqual(configChanges(config(), config()), []);
  });

  it('marks only an applied stack whose name the file carries', () => {
    const state = stateWith([v1]);
    assert.equal(unappliedChanges(state, file({ services: noCrawl })).length, 1);
    assert.deepEqual(unappliedChanges(state, file({ name: 'other', services: noCrawl })), [], 'another stack\'s file');
    assert.deepEqual(unappliedChanges(state, undefined), []);
    assert.deepEqual(unappliedChanges(stateWith([], 'new'), file({ services: noCrawl })), [], 'never applied');
    assert.deepEqual(unappliedChanges(stateWith([v1], 'destroyed'), file({ services: noCrawl })), [], 'destroyed');
    assert.equal(unappliedChanges(stateWith([], 'deployed'), file({ services: noCrawl })).length, 1, 'deployed before history was kept');
  });

  it('the tree says "changes not applied" (the changes in the tooltip) and "change pending" from the state, for this workspace\'s stacks only', () => {
    const entry = (state: StackState, origin: StackEntry['origin'] = 'workspace'): StackEntry => ({ ref: { name: state.name, stateDir: origin === 'workspace' ? '/ws' : '/elsewhere' }, origin, state });
    const memory = (wanted: WorkspaceConfig) => ({ health: new Map(), settled: new Map(), wanted: new Map([['demo', wanted]]) });
    const view = (state: StackState, wanted: WorkspaceConfig, origin: StackEntry['origin'] = 'workspace') => {
      const listing = origin === 'workspace' ? { workspace: [entry(state)], other: [] } : { workspace: [], other: [entry(state, 'other')] };
      const roots = rootNodes(listing, memory(wanted));
      const node = roots[0]!.kind === 'other-workspaces' ? { kind: 'stack' as const, entry: roots[0].entries[0]! } : roots[0]!;
      return viewWith(node, FORMAT);
    };
    const changed = view(stateWith([v1, v2]), file());
    assert.match(changed.description ?? '', new RegExp(`^dev · running · ${UNAPPLIED_WORDS} · `));
    assert.match(changed.tooltip ?? '', /\*\*Changes not applied\*\* — \/ws\/geusemaker\.yaml differs from the applied configuration \(version 2\):\s+`services\.crawl4ai false → true`/);
    assert.doesNotMatch(view(stateWith([v1, v2]), file({ services: noCrawl })).description ?? '', /not applied/, 'the file says what is applied');
    assert.doesNotMatch(view(stateWith([v1, v2]), file(), 'other').description ?? '', /not applied/, 'a stack of another folder only shares the name');

    const pending = stateWith([v1, v2], 'deploy_failed', { pending: { config: config(), startedAt: '2026-03-02T11:00:00.000Z', summary: ['services.crawl4ai false → true'] } });
    const unfinished = view(pending, file({ services: noCrawl }));
    assert.match(unfinished.description ?? '', new RegExp(PENDING_WORDS.replace(/[()]/g, '\\$&')));
    assert.match(unfinished.tooltip ?? '', /\*\*Change pending \(did not finish\)\*\* — started .*: services\.crawl4ai false → true\. .*Deploy Stack finishes the change; Show History rolls it back\./);
  });

  it('reads each workspace folder\'s config file by stack name; an invalid file or none marks nothing', async () => {
    const good = tempDir('gm-ws-good-');
    writeFileSync(join(good, 'geusemaker.yaml'), 'name: demo\nservices:\n  crawl4ai: false\n');
    const bad = tempDir('gm-ws-bad-');
    writeFileSync(join(bad, 'geusemaker.yaml'), 'name: other\ntier: enormous\n');
    const empty = tempDir('gm-ws-empty-');
    const json = tempDir('gm-ws-json-');
    mkdirSync(join(json, 'nested'));
    writeFileSync(join(json, 'geusemaker.json'), JSON.stringify({ name: 'lab', profile: 'work' }));
    const found = await readWorkspaceConfigs([good, bad, empty, json]);
    assert.deepEqual([...found.keys()], ['demo', 'lab']);
    assert.equal(found.get('demo')?.config.services.crawl4ai, false);
    assert.equal(found.get('demo')?.file, join(good, 'geusemaker.yaml'));
    assert.ok(found.get('lab')?.explicit.has('profile'));
    assert.ok(!found.get('demo')?.explicit.has('profile'));
  });
});
