import assert from 'node:assert/strict';
import '../harness/fake-vscode';
import type { Engine } from '../../src/engine/engine';
import type { StackState } from '../../src/engine/state/schema';
import type { CommandContext } from '../../src/vscode/commands/context';
import type { ReadOnlyDocuments } from '../../src/vscode/commands/inspect';
import type { CommandRegistry } from '../../src/vscode/commands/registry';
import type { StackEntry } from '../../src/vscode/stacks-source';
import type { WorkspaceConfig } from '../../src/vscode/tree/config-changes';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { UpdateSsm } from '../harness/update-ssm';
import { patchVscode, type Screen } from '../harness/vscode-screen';

describe('Show History from the editor: versions in a quick pick, Roll Back planned, confirmed and applied (fake vscode, moto, SSM faked)', function () {
  this.timeout(240_000);
  let screen: Screen;
  let restore: () => void;
  let Registry: typeof CommandRegistry;
  let showHistory: typeof import('../../src/vscode/commands/history').showHistoryCommand;

  before(async () => {
    const blank = (): Screen => ({ picks: [], pickAnswers: [], modals: [], modalAnswers: [], infos: [], errors: [], progress: [], executed: [], logged: [] });
    const restoreNow = patchVscode(blank());
    Registry = (await import('../../src/vscode/commands/registry')).CommandRegistry;
    showHistory = (await import('../../src/vscode/commands/history')).showHistoryCommand;
    restoreNow();
  });
  beforeEach(() => {
    screen = { picks: [], pickAnswers: [], modals: [], modalAnswers: [], infos: [], errors: [], progress: [], executed: [], logged: [] };
    restore = patchVscode(screen);
  });
  afterEach(() => restore());

  function commandsFor(engine: Engine, entries: StackEntry[], wanted?: WorkspaceConfig): Map<string, (arg?: unknown) => Promise<unknown>> {
    const log = (line: string) => void screen.logged.push(line);
    const ctx = {
      extension: { subscriptions: [] },
      host: { assertUsable: () => undefined, engineFor: () => engine, profile: undefined },
      tree: { entries, refresh: async () => undefined, workspaceConfigOf: () => wanted },
      log: { info: log, warn: log, error: log, show: () => undefined },
    } as unknown as CommandContext;
    const table = new Map<string, (arg?: unknown) => Promise<unknown>>();
    new Registry(ctx, table).register('geusemaker.showHistory', (run, arg) => showHistory(run, {} as ReadOnlyDocuments, arg));
    return table;
  }

  it('from the palette: the stack, its two versions (2 applied), Roll Back to 1 shows the diff, applies it over SSM, and says it is recorded as version 3', async () => {
    const stateDir = tempDir('gm-history-cmd-');
    const ssm = new UpdateSsm();
    const engine = testEngine({ stateDir, ssm: ssm.factory });
    try {
      await engine.deploy(devConfig());
      await engine.deploy(devConfig({ services: { n8n: true, ollama: true, qdrant: true, crawl4ai: false, postgres: true } }));
      const state = (await engine.show('demo')) as StackState;
      const entry: StackEntry = { ref: { name: 'demo', stateDir }, origin: 'workspace', state };
      // The workspace's geusemaker.yaml still says crawl4ai: false.
      const wanted: WorkspaceConfig = { file: '/ws/geusemaker.yaml', config: state.config, explicit: new Set(['name', 'services']) };
      const commands = commandsFor(engine, [entry], wanted);

      screen.pickAnswers = ['demo', 'Version 1', 'Roll Back to This Version…'];
      screen.modalAnswers = ['Roll Back'];
      await commands.get('geusemaker.showHistory')!();
      assert.deepEqual(screen.errors, []);
      const [stacks, versions, actions] = screen.picks;
      assert.deepEqual(stacks?.labels, ['demo']);
      assert.equal(versions?.title, 'History of stack demo');
      assert.deepEqual(versions?.labels, ['$(check) Version 2', 'Version 1']);
      assert.match(versions?.descriptions[0] ?? '', /^applied now · /);
      assert.deepEqual(actions?.labels, ['Roll Back to This Version…', 'Show This Version\'s Configuration']);

      const [modal] = screen.modals;
      assert.equal(modal?.message, 'Roll back stack demo to version 1?');
      assert.deepEqual(modal?.buttons, ['Roll Back']);
      assert.match(modal?.detail ?? '', /^Roll back stack demo to version 1 \(applied .* UTC on .*\):\n\nPlan for stack demo/);
      assert.match(modal?.detail ?? '', /~ services\.crawl4ai false → true/);
      assert.deepEqual(screen.progress.at(-1), { title: 'Rolling back stack demo to version 1', cancellable: true });
      assert.equal(ssm.pushed.length, 2, 'the roll back went over SSM like the change it undoes');
      assert.match(ssm.pushed[1]!.bootstrap, /crawl4ai:/, 'crawl4ai is back');
      assert.deepEqual(screen.infos, ['Stack demo rolled back to version 1 (recorded as version 3). /ws/geusemaker.yaml still has other settings: update it, or the next deploy from it changes the stack back.']);
      const after = await engine.history('demo');
      assert.deepEqual(after.history.map((v) => v.version), [1, 2, 3]);
      assert.equal(after.config.services.crawl4ai, true);

      // From the tree node: Roll Back to 2 answered No: nothing changes, and no error shows.
      screen.pickAnswers = ['Version 2', 'Roll Back to This Version…'];
      screen.modalAnswers = [undefined];
      const node = { kind: 'stack', entry: { ...entry, state: (await engine.show('demo'))! } };
      await commands.get('geusemaker.showHistory')!(node);
      assert.deepEqual(screen.picks.at(-2)?.labels, ['$(check) Version 3', 'Version 2', 'Version 1'], 'no stack pick from a node');
      assert.equal(screen.modals.length, 2);
      assert.deepEqual(screen.errors, [], 'declining is not an error');
      assert.equal(screen.infos.length, 1);
      assert.ok(screen.logged.some((line) => /not confirmed; nothing changed/.test(line)));
      assert.deepEqual((await engine.history('demo')).history.map((v) => v.version), [1, 2, 3]);
      assert.equal(ssm.pushed.length, 2);
    } finally {
      engine.dispose();
    }
  });

  it('a change that did not finish is listed first and offers to finish it: Deploy Stack on the stack with the state that has it', async () => {
    const stateDir = tempDir('gm-history-pending-');
    const ssm = new UpdateSsm();
    const engine = testEngine({ stateDir, ssm: ssm.factory });
    try {
      await engine.deploy(devConfig());
      ssm.failNext = 1;
      await assert.rejects(engine.deploy(devConfig({ services: { n8n: true, ollama: true, qdrant: true, crawl4ai: false, postgres: true } })));
      const stale: StackEntry = { ref: { name: 'demo', stateDir }, origin: 'workspace', state: { ...(await engine.show('demo'))!, pending: undefined } };
      const commands = commandsFor(engine, [stale]);
      screen.pickAnswers = ['Unfinished change', 'Finish This Change…'];
      await commands.get('geusemaker.showHistory')!({ kind: 'stack', entry: stale });
      assert.deepEqual(screen.picks[0]?.labels, ['$(warning) Unfinished change', '$(check) Version 1']);
      assert.deepEqual(screen.picks[1]?.labels, ['Finish This Change…', 'Roll Back to Version 1…', 'Show the Unfinished Configuration']);
      const [deploy] = screen.executed;
      assert.equal(deploy?.command, 'geusemaker.deploy');
      const node = deploy?.arg as { kind: string; entry: StackEntry };
      assert.equal(node.kind, 'stack');
      assert.equal(node.entry.state?.pending?.config.services.crawl4ai, false, 'the state read now, not the tree\'s older one');
      assert.deepEqual(screen.errors, []);
    } finally {
      engine.dispose();
    }
  });

  it('a stack with no finished deploy has no history to show; the palette offers only stacks that have one', async () => {
    const stateDir = tempDir('gm-history-none-');
    const engine = testEngine({ stateDir });
    try {
      const commands = commandsFor(engine, [{ ref: { name: 'fresh', stateDir }, origin: 'workspace', state: { ...(await import('../../src/engine/deploy')).newStackState(devConfig({ name: 'fresh' })) } }]);
      await commands.get('geusemaker.showHistory')!();
      assert.deepEqual(screen.picks, []);
      assert.match(screen.infos[0] ?? '', /No stack to show the history of/);
    } finally {
      engine.dispose();
    }
  });
});
