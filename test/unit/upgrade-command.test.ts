import assert from 'node:assert/strict';
import '../harness/fake-vscode';
import { testedImages } from '../../src/engine/bootstrap/compose';
import type { Engine } from '../../src/engine/engine';
import type { StackState } from '../../src/engine/state/schema';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { editorCommandTests, type CommandTable } from '../harness/editor-commands';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { recordedBackup, type RecordedBackupFactory } from '../harness/recorded-backup';
import { OLDER_IMAGES, seedOlderPins } from '../harness/upgrade-pins';
import { UpgradeSsm } from '../harness/upgrade-ssm';

describe('Upgrade Stack… from the editor: the diff in the deploy\'s confirmation, backup first, rollback said as an error (fake vscode, moto; Backup jobs recorded, SSM recorded)', function () {
  this.timeout(240_000);
  const ui = editorCommandTests(async () => (await import('../../src/vscode/commands/upgrade')).upgradeCommand);
  const { screen } = ui;

  function commandsFor(engine: Engine, entries: StackEntry[]): CommandTable {
    return ui.commandsFor(engine, { entries }, (registry) => registry.register('geusemaker.upgrade', ui.modules(), { refreshOnFailure: true }));
  }

  /**
   * Stack demo deployed with recorded Backup and the upgrade's SSM, on images older than this release's when
   * `olderImages`; the engine is disposed after `test`.
   */
  async function onDeployedStack(olderImages: boolean, test: (stack: { engine: Engine; backup: RecordedBackupFactory; ssm: UpgradeSsm; entry: StackEntry }) => Promise<void>): Promise<void> {
    const stateDir = tempDir('gm-upgrade-cmd-');
    const backup = recordedBackup();
    const ssm = new UpgradeSsm();
    const engine = testEngine({ stateDir, ssm: ssm.factory, backup });
    try {
      if (olderImages) await seedOlderPins(engine, devConfig());
      await engine.deploy(devConfig());
      const entry: StackEntry = { ref: { name: 'demo', stateDir }, origin: 'workspace', state: (await engine.show('demo')) as StackState };
      await test({ engine, backup, ssm, entry });
    } finally {
      engine.dispose();
    }
  }

  it('a stack on this release\'s tested versions and the newest AMI: an information message, no question, no backup (Backup jobs recorded)', async () => {
    await onDeployedStack(false, async ({ engine, backup, entry }) => {
      const commands = commandsFor(engine, [entry]);
      screen.pickAnswers = ['demo'];
      await commands.get('geusemaker.upgrade')!();
      assert.deepEqual(screen.errors, []);
      assert.deepEqual(screen.modals, []);
      assert.deepEqual(screen.infos, ['Stack demo is up to date: it runs this release\'s tested images and the newest AMI of its family.']);
      assert.deepEqual(screen.progress.map((p) => p.cancellable), [false], 'only the check, no operation');
      assert.equal(backup.in().calls.filter((call) => call.operation === 'StartBackupJob').length, 0);
    });
  });

  it('older images: the diff and "backup first, rolled back automatically" in the modal (No changes nothing); Upgrade backs up, applies in place and says so (Backup jobs recorded, SSM recorded)', async () => {
    await onDeployedStack(true, async ({ engine, backup, ssm, entry }) => {
      const commands = commandsFor(engine, [entry]);
      const node = { kind: 'stack', entry };
      const jobs = () => backup.in().calls.filter((call) => call.operation === 'StartBackupJob').length;
      const tested = testedImages();

      screen.modalAnswers = [undefined];
      await commands.get('geusemaker.upgrade')!(node);
      assert.deepEqual(screen.errors, []);
      assert.deepEqual(screen.picks, [], 'the stack came from its node');
      const [modal] = screen.modals;
      assert.equal(modal?.message, 'Upgrade stack demo?');
      assert.deepEqual(modal?.buttons, ['Upgrade']);
      const detail = modal?.detail ?? '';
      assert.match(detail, /^Upgrade stack demo to the versions tested with GeuseMaker \S+:/);
      assert.ok(detail.includes(`  n8n: ${OLDER_IMAGES.n8n} → ${tested.n8n}`), detail);
      assert.ok(detail.includes(`  ollama: ${OLDER_IMAGES.ollama} → ${tested.ollama}`), detail);
      assert.doesNotMatch(detail, /AMI: /, 'the AMI is already the newest');
      assert.match(detail, /A backup of its file system is taken first \(AWS Backup\)\. After the upgrade its health is checked: if it fails, the previous versions are applied again automatically and the backup is kept\./);
      assert.match(detail, /Plan for stack demo/, 'the deploy\'s plan follows, as the deploy confirmation shows it');
      assert.equal(jobs(), 0, 'No: no backup');
      assert.equal(ssm.pushed.length, 0, 'No: nothing applied');
      assert.deepEqual((await engine.show('demo'))?.pins?.images.n8n, OLDER_IMAGES.n8n);

      screen.modalAnswers = ['Upgrade'];
      await commands.get('geusemaker.upgrade')!(node);
      assert.deepEqual(screen.errors, []);
      assert.equal(screen.modals.length, 2, 'asked once: the plan under the lock is the one confirmed');
      assert.deepEqual(screen.progress.at(-1), { title: 'Upgrading stack demo', cancellable: true });
      assert.equal(jobs(), 1, 'a backup first');
      assert.deepEqual(ssm.events.map((event) => event.kind).slice(0, 2), ['flush', 'push'], 'the backup\'s flush before the new images');
      assert.match(ssm.lastPushedTo(entry.state!.resources.instance!.id!) ?? '', new RegExp(tested.n8n.replace(/[.]/g, '\\.')));
      const [point] = await engine.backups.list('demo');
      assert.deepEqual(screen.infos, [`Stack demo is upgraded (2 images) and passed its health check. A backup was taken first: recovery point ${point!.recoveryPointArn.split(':').at(-1)}.`]);
      assert.equal((await engine.show('demo'))?.pins?.images.n8n, tested.n8n, 'the new pins are recorded');
    });
  });

  it('health failing after the upgrade: the previous versions again, and an error with the reason, the kept backup and the next step (Backup jobs recorded, SSM recorded)', async () => {
    await onDeployedStack(true, async ({ engine, ssm, entry }) => {
      const tested = testedImages();
      // n8n crash-loops on the new image only.
      ssm.broken = (instanceId) => ssm.lastPushedTo(instanceId)?.includes(tested.n8n) ?? false;
      const commands = commandsFor(engine, [entry]);
      screen.pickAnswers = ['demo'];
      screen.modalAnswers = ['Upgrade'];
      await commands.get('geusemaker.upgrade')!();
      assert.deepEqual(screen.infos, []);
      assert.equal(screen.errors.length, 1);
      const [point] = await engine.backups.list('demo');
      assert.match(screen.errors[0]!, /^The upgrade of stack demo failed its health check, so the previous versions were applied again: n8n .* in 3 health rounds in a row\./);
      assert.ok(screen.errors[0]!.includes(`The backup taken before it is kept (recovery point ${point!.recoveryPointArn.split(':').at(-1)}).`), screen.errors[0]);
      assert.match(screen.errors[0]!, /Look at the Health panel and the log for the failing service, then run Upgrade Stack… again\.$/);
      assert.ok(ssm.lastPushedTo(entry.state!.resources.instance!.id!)?.includes(OLDER_IMAGES.n8n), 'the old image runs again');
      assert.equal((await engine.show('demo'))?.pins?.images.n8n, OLDER_IMAGES.n8n, 'the pins stay the previous ones');
    });
  });
});
