import assert from 'node:assert/strict';
// First: it stands in for the vscode module the extension's files import.
import { fake } from '../harness/fake-vscode';
import { GeuseError } from '../../src/engine/errors';
import type { StackModel } from '../../src/engine/models/names';
import { EngineHost } from '../../src/vscode/engine-host';
import { modelsEntryOf, modelNodeOf } from '../../src/vscode/commands/model-pick';
import { viewOf, type TreeNode } from '../../src/vscode/tree/nodes';
import { StacksTreeProvider } from '../../src/vscode/tree/provider';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { extensionContext, freshEditorForEachTest, settle } from '../harness/tree-editor';

const MODELS: StackModel[] = [
  { name: 'llama3.2:3b', sizeBytes: 2019393189, modifiedAt: '2026-12-01T09:12:44.517Z', parameterSize: '3.2B', declared: true },
  { name: 'nomic-embed-text:latest', sizeBytes: 274302450, modifiedAt: '2026-12-01T09:14:02.089Z', declared: false },
];

describe('the Models section of the Stacks tree', function () {
  this.timeout(60_000);
  freshEditorForEachTest();

  it('reads models only when VS Code asks for the expanded section\'s rows, never on refreshes; Refresh and a failure read again only when asked', async () => {
    const stateDir = tempDir('gm-state-');
    fake.settings = { stateDirectory: stateDir, endpoint: process.env.GEUSEMAKER_AWS_ENDPOINT };
    const engine = testEngine({ stateDir });
    await engine.deploy(devConfig());
    await engine.deploy(devConfig({ name: 'plain', services: { n8n: true, ollama: false, qdrant: true, crawl4ai: true, postgres: true } }));
    const host = new EngineHost(extensionContext());
    const reads: string[] = [];
    let fail = false;
    const provider = new StacksTreeProvider(host, async () => ({ checkedAt: '', services: {} }), undefined, async (entry) => {
      reads.push(entry.ref.name);
      if (fail) throw new GeuseError({ code: 'SSM_COMMAND_NOT_RUN', kind: 'unknown', message: 'nothing ran', nextStep: 'Use real AWS.' });
      return MODELS;
    });
    await provider.refresh({ force: true });
    await provider.refresh();
    const stacks = provider.getChildren();
    const byName = (name: string) => stacks.find((node) => viewOf(node).label === name)!;
    const sectionsOf = (name: string) => provider.getChildren(byName(name)).map((node) => viewOf(node).label);
    assert.deepEqual(sectionsOf('demo'), ['Services', 'Resources', 'Endpoints', 'Models', 'Backups']);
    assert.deepEqual(sectionsOf('plain'), ['Services', 'Resources', 'Endpoints', 'Backups'], 'no Models without Ollama');
    const models = () => provider.getChildren(byName('demo')).find((node) => viewOf(node).label === 'Models')!;
    assert.equal(viewOf(models()).collapsible, 'collapsed', 'collapsed at first, so nothing is read until opened');
    assert.equal(viewOf(models()).contextValue, 'section.models.live');
    assert.deepEqual(reads, [], 'refreshes (and their walk over every row) read nothing');

    // VS Code asks for the children of an expanded row.
    assert.deepEqual(provider.getChildren(models()).map((node) => viewOf(node).label), ['Reading models…']);
    await settle();
    const rows = provider.getChildren(models()).map(viewOf);
    assert.deepEqual(rows.map((row) => [row.label, row.description, row.contextValue]), [
      ['llama3.2:3b', '2.0 GB', 'model'], ['nomic-embed-text:latest', '274 MB · not in config', 'model'],
    ]);
    assert.equal(viewOf(models()).description, '2');
    assert.deepEqual(reads, ['demo']);
    await provider.refresh();
    provider.getChildren(models());
    assert.deepEqual(reads, ['demo'], 'kept across automatic refreshes');

    // The commands find the stack and the model from the rows they run on.
    const [modelRow] = provider.getChildren(models());
    assert.equal(modelNodeOf(modelRow)?.model.name, 'llama3.2:3b');
    assert.equal(modelsEntryOf(models())?.ref.name, 'demo');
    assert.equal(modelNodeOf({ kind: 'model', entry: {} }), undefined);

    fail = true;
    await provider.refresh({ force: true });
    provider.getChildren(models());
    await settle();
    const failed = provider.getChildren(models()).map(viewOf);
    assert.deepEqual(failed.map((row) => [row.label.startsWith('Models not read'), row.description, row.command?.command]), [[true, 'click to retry', 'geusemaker.refreshModels']]);
    provider.getChildren(models());
    await settle();
    assert.deepEqual(reads, ['demo', 'demo'], 'a failure is not retried in a loop');
    fail = false;
    await provider.reloadModels(byName('demo').kind === 'stack' ? (byName('demo') as Extract<TreeNode, { kind: 'stack' }>).entry : assert.fail());
    assert.equal(provider.getChildren(models()).length, 2);

    await engine.pause('demo');
    await provider.refresh({ force: true });
    const paused = provider.getChildren().find((node) => viewOf(node).label === 'demo')!;
    const pausedModels = provider.getChildren(paused).find((node) => viewOf(node).label === 'Models')!;
    assert.equal(viewOf(pausedModels).contextValue, 'section.models.idle');
    assert.deepEqual(provider.getChildren(pausedModels).map((node) => viewOf(node).label), ['Listed while the stack runs']);
    assert.deepEqual(reads, ['demo', 'demo', 'demo'], 'nothing read for a paused stack');
    host.dispose();
    engine.dispose();
  });
});
