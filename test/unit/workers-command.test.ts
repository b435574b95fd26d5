import assert from 'node:assert/strict';
import '../harness/fake-vscode';
import type { Engine } from '../../src/engine/engine';
import type { StackState } from '../../src/engine/state/schema';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { editorCommandTests, type CommandTable } from '../harness/editor-commands';
import { inspector, tempDir, testEngine } from '../harness/engine';
import { groupSizes, poolGroup, scaledStack } from '../harness/pool-groups';

describe('Set Capacity… from the editor (fake vscode; pools\' groups made in moto as the deploy names and tags them)', function () {
  this.timeout(120_000);
  const ui = editorCommandTests(async () => import('../../src/vscode/commands/workers'));
  const { screen } = ui;

  function commandsFor(engine: Engine, entries: StackEntry[], reloaded: string[]): CommandTable {
    const reloadWorkers = async (entry: StackEntry) => void reloaded.push(entry.ref.name);
    return ui.commandsFor(engine, { entries, reloadWorkers }, (registry) => ui.modules().registerWorkerCommands(registry));
  }

  it('from the palette: only running scaled stacks offered, the one pool of its own picked for you, min/max/desired asked and checked (0 points to Pause), then set under a cancellable notification and said as AWS reads it back', async () => {
    const stateDir = tempDir('gm-capacity-cmd-');
    const engine = testEngine({ stateDir });
    const aws = inspector();
    try {
      const demo = await scaledStack(engine.store);
      await scaledStack(engine.store, { name: 'asleep', status: 'paused' });
      await poolGroup(aws, { pool: 'n8n', owner: demo.stackId, min: 1, max: 4, desired: 1 });
      await poolGroup(aws, { pool: 'ollama', owner: 'someone-else', min: 1, max: 1, desired: 1, types: ['g5.xlarge'] });
      const entry = (name: string): StackEntry => ({ ref: { name, stateDir }, origin: 'workspace' });
      const entries = await Promise.all(['demo', 'asleep'].map(async (name) => ({ ...entry(name), state: (await engine.show(name)) as StackState })));
      const reloaded: string[] = [];
      const commands = commandsFor(engine, entries, reloaded);

      screen.pickAnswers = ['demo'];
      screen.inputAnswers = ['0', '2', '1', '6', '7', '3'];
      await commands.get('geusemaker.setCapacity')!();
      assert.deepEqual(screen.errors, []);
      assert.deepEqual(screen.picks.map((pick) => pick.labels), [['demo']], 'the paused stack is not offered; the Ollama group is not ours, so n8n is the only pool and is not asked');
      const [min, max, desired] = screen.inputs!;
      assert.deepEqual([min?.value, max?.value, desired?.value], ['1', '4', '2'], 'each box starts at what the group has (max at least the min chosen; desired inside min..max)');
      assert.equal(min?.title, 'Set Capacity: n8n workers of stack demo');
      assert.match(min!.refused[0]!.message, /^0 workers is what Pause Stack does/);
      assert.deepEqual(max!.refused.map((each) => each.message), ['The max must be at least 2 (the min you chose).']);
      assert.deepEqual(desired!.refused.map((each) => each.message), ['The desired must be at most 6 (the max you chose).']);
      assert.deepEqual(screen.progress.map((each) => [each.title, each.cancellable]), [
        ['Reading the worker pools of demo…', false], ['Setting the n8n workers of stack demo to min 2, max 6, desired 3', true],
      ]);
      assert.deepEqual(await groupSizes(aws, 'gm-demo-n8n-workers'), { min: 2, max: 6, desired: 3 });
      assert.match(screen.infos[0] ?? '', /^The n8n workers of stack demo now have min 2, max 6, desired 3, as AWS reads them back; \d of 3 in service.* The config file still holds the old numbers: the next deploy from it sets them again/);
      assert.ok(screen.logged.some((line) => /Target tracking moves desired/.test(line)), 'every note goes to the log');
      assert.deepEqual(reloaded, ['demo'], 'the Workers section is read again');
      assert.equal((await engine.show('demo'))?.config.scale?.n8nWorkers.max, 6);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('from a pool\'s row: no picks; Escape in a box changes nothing', async () => {
    const stateDir = tempDir('gm-capacity-row-');
    const engine = testEngine({ stateDir });
    const aws = inspector();
    try {
      const demo = await scaledStack(engine.store, { ollama: false });
      await poolGroup(aws, { pool: 'n8n', owner: demo.stackId, min: 1, max: 4, desired: 1 });
      const entry: StackEntry = { ref: { name: 'demo', stateDir }, origin: 'workspace', state: (await engine.show('demo'))! };
      const reloaded: string[] = [];
      const commands = commandsFor(engine, [entry], reloaded);
      const [pool] = await engine.workers.pools('demo');
      const row = { kind: 'pool', entry, pool, at: new Date().toISOString() };

      screen.inputAnswers = ['1', '5'];
      await commands.get('geusemaker.setCapacity')!(row);
      assert.deepEqual(screen.picks, [], 'no stack or pool pick from a row');
      assert.equal(screen.inputs?.length, 3, 'Escape at desired');
      assert.deepEqual(screen.progress.map((each) => each.title), ['Reading the worker pools of demo…'], 'nothing was set');
      assert.deepEqual(await groupSizes(aws, 'gm-demo-n8n-workers'), { min: 1, max: 4, desired: 1 });
      assert.deepEqual(reloaded, []);

      screen.inputAnswers = ['1', '5', '1'];
      await commands.get('geusemaker.setCapacity')!(row);
      assert.deepEqual(screen.errors, []);
      assert.deepEqual(await groupSizes(aws, 'gm-demo-n8n-workers'), { min: 1, max: 5, desired: 1 });
      assert.deepEqual(reloaded, ['demo']);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});
