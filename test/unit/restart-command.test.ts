import assert from 'node:assert/strict';
import '../harness/fake-vscode';
import type { CommandResult } from '../../src/engine/ssm/run-command';
import type { StackState } from '../../src/engine/state/schema';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { editorCommandTests } from '../harness/editor-commands';
import { devConfig, tempDir, testEngine } from '../harness/engine';

describe('Restart Service from the editor: palette and service entry, asked first, over SSM (fake vscode, moto, SSM recorded)', function () {
  this.timeout(120_000);
  const ui = editorCommandTests(async () => (await import('../../src/vscode/commands/restart')).restartServiceCommand);
  const { screen } = ui;

  it('palette: stack, then service, then the modal; the compose restart runs on the instance in service; No runs nothing', async () => {
    const scripts: { instanceId: string; lines: readonly string[] }[] = [];
    const runner = { run: async (instanceId: string, lines: readonly string[]): Promise<CommandResult> => {
      scripts.push({ instanceId, lines });
      return { status: 'Success', stdout: '', stderr: '', truncated: false, exitCode: 0 };
    } };
    const stateDir = tempDir('gm-restart-cmd-');
    const engine = testEngine({ stateDir, ssm: () => ({ runner }) });
    try {
      const deployed = await engine.deploy(devConfig());
      const state = (await engine.show('demo')) as StackState;
      const entry: StackEntry = { ref: { name: 'demo', stateDir }, origin: 'workspace', state };
      const table = ui.commandsFor(engine, { entries: [entry] }, (registry) => registry.register('geusemaker.restartService', (run, arg) => ui.modules()(run, arg)));

      screen.pickAnswers = ['demo', 'Qdrant'];
      screen.modalAnswers = [undefined];
      await table.get('geusemaker.restartService')!();
      assert.equal(screen.modals[0]?.message, 'Restart Qdrant on stack demo?');
      assert.equal(scripts.length, 0, 'not confirmed: nothing ran');

      screen.pickAnswers = ['demo', 'Qdrant'];
      screen.modalAnswers = ['Restart'];
      await table.get('geusemaker.restartService')!();
      assert.deepEqual(screen.errors, []);
      assert.equal(scripts.length, 1);
      assert.equal(scripts[0]!.instanceId, deployed.state.resources.instance!.id);
      assert.match(scripts[0]!.lines.join('\n'), /docker compose --project-name geusemaker .* restart qdrant$/m);
      assert.deepEqual(screen.infos, ['Qdrant on demo was restarted.']);
    } finally {
      engine.dispose();
    }
  });
});
