import assert from 'node:assert/strict';
import '../harness/fake-vscode';
import type { Engine } from '../../src/engine/engine';
import type { StackState } from '../../src/engine/state/schema';
import { backupItem } from '../../src/vscode/commands/backup-words';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { BackupSsm } from '../harness/backup-ssm';
import { editorCommandTests, type CommandTable } from '../harness/editor-commands';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { recordedBackup } from '../harness/recorded-backup';

describe('Back Up Now and Restore from Backup… from the editor (fake vscode, moto; Backup jobs recorded, SSM recorded)', function () {
  this.timeout(240_000);
  const ui = editorCommandTests(async () => import('../../src/vscode/commands/backups'));
  const { screen } = ui;

  /** The commands as the extension registers them, on a tree that lists `entries` and records which stacks' backups it read again. */
  function commandsFor(engine: Engine, entries: StackEntry[], reloaded: string[]): CommandTable {
    const reloadBackups = async (entry: StackEntry) => void reloaded.push(entry.ref.name);
    return ui.commandsFor(engine, { entries, reloadBackups }, (registry) => ui.modules().registerBackupCommands(registry));
  }

  it('Back Up Now from the palette: the stack picked, a cancellable notification, the flush on the instance first, and a message naming the recovery point AWS Backup lists (Backup jobs recorded, SSM recorded)', async () => {
    const stateDir = tempDir('gm-backup-cmd-');
    const backup = recordedBackup();
    const ssm = new BackupSsm(() => backup.in().calls.length);
    const engine = testEngine({ stateDir, ssm: ssm.factory, backup });
    try {
      await engine.deploy(devConfig());
      await engine.deploy(devConfig({ name: 'paused' }));
      await engine.pause('paused');
      const entry = (name: string): StackEntry => ({ ref: { name, stateDir }, origin: 'workspace' });
      const entries = await Promise.all(['demo', 'paused'].map(async (name) => ({ ...entry(name), state: (await engine.show(name)) as StackState })));
      const reloaded: string[] = [];
      const commands = commandsFor(engine, entries, reloaded);

      screen.pickAnswers = ['demo'];
      await commands.get('geusemaker.backUpNow')!();
      assert.deepEqual(screen.errors, []);
      assert.deepEqual(screen.picks[0]?.labels, ['demo', 'paused'], 'running and paused stacks can be backed up');
      assert.deepEqual(screen.progress, [{ title: 'Backing up stack demo', cancellable: true }]);
      const listed = await engine.backups.list('demo');
      assert.equal(listed.length, 1);
      const id = listed[0]!.recoveryPointArn.split(':').at(-1)!;
      assert.equal(screen.infos.length, 1);
      assert.match(screen.infos[0]!, new RegExp(`^Stack demo is backed up: recovery point ${id} \\(2\\.0 GB\\), kept until .*\\. Written first on the instance so it restores consistently: .*PostgreSQL.*Qdrant`));
      const flush = ssm.of('backup-flush');
      assert.equal(flush.length, 1, 'the databases were flushed on the instance');
      const started = backup.in().calls.findIndex((call) => call.operation === 'StartBackupJob');
      assert.ok(started >= flush[0]!.backupCallsBefore, 'the flush ran before the job started');
      assert.deepEqual(reloaded, ['demo'], 'the Backups section is read again');

      // From the paused stack's Backups section: no pick, and nothing to flush (no instance runs).
      const section = { kind: 'section', section: 'backups', entry: entries[1] };
      await commands.get('geusemaker.backUpNow')!(section);
      assert.equal(screen.picks.length, 1, 'no stack pick from a tree node');
      assert.deepEqual(screen.errors, []);
      assert.match(screen.infos[1] ?? '', /^Stack paused is backed up: recovery point \S+ .*Nothing was written out first \(the stack is paused: no instance runs.*\)\.$/);
      assert.equal(ssm.of('backup-flush').length, 1);
      assert.deepEqual(reloaded, ['demo', 'paused']);
    } finally {
      engine.dispose();
    }
  });

  it('Restore from Backup… into a new stack (palette, then a recovery point\'s row): the name checked as the config checks it, the engine\'s plan in a modal (No changes nothing), then a new stack on a new file system; the original untouched (Backup jobs recorded, SSM recorded)', async () => {
    const stateDir = tempDir('gm-restore-cmd-');
    const backup = recordedBackup();
    const ssm = new BackupSsm(() => backup.in().calls.length);
    const engine = testEngine({ stateDir, ssm: ssm.factory, backup });
    try {
      await engine.deploy(devConfig());
      const taken = await engine.backups.backupNow('demo', { reason: 'asked for' });
      const state = (await engine.show('demo')) as StackState;
      const entry: StackEntry = { ref: { name: 'demo', stateDir }, origin: 'workspace', state };
      const reloaded: string[] = [];
      const commands = commandsFor(engine, [entry], reloaded);
      const [point] = await engine.backups.list('demo');
      assert.equal(point?.recoveryPointArn, taken.recoveryPointArn);
      const row = { kind: 'backup', entry, backup: point };
      const restores = () => backup.in().calls.filter((call) => call.operation === 'StartRestoreJob').length;

      // From the palette: the stack, then its recovery points as AWS Backup lists them, then where to.
      const pointLabel = backupItem(point!, { locale: 'en', now: Date.now() }).label;
      screen.pickAnswers = ['demo', pointLabel, 'Restore into a New Stack…'];
      screen.inputAnswers = ['Demo_Copy', 'demo', 'demo-copy'];
      screen.modalAnswers = [undefined];
      await commands.get('geusemaker.restoreBackup')!();
      assert.deepEqual(screen.errors, []);
      const [stacks, points, where] = screen.picks;
      assert.deepEqual(stacks?.labels, ['demo']);
      assert.equal(points?.title, 'Restore a backup of stack demo');
      assert.deepEqual(points?.labels, [pointLabel]);
      assert.match(points?.descriptions[0] ?? '', /^on-demand \(asked for\) · 2\.0 GB · expires /);
      assert.deepEqual(where?.labels, ['Restore into a New Stack…', 'Switch This Stack to It']);
      const [input] = screen.inputs!;
      assert.equal(input?.value, 'demo-restored', 'a name to start from');
      assert.deepEqual(input?.refused.map((each) => each.typed), ['Demo_Copy', 'demo']);
      assert.match(input!.refused[0]!.message, /^A stack name may contain only lowercase letters, digits and single dashes/);
      assert.equal(input!.refused[1]!.message, 'A stack named demo already exists: choose another name.');
      const [modal] = screen.modals;
      assert.match(modal?.message ?? '', /^Restore the backup of .* of stack demo into a new stack demo-copy\?$/);
      assert.deepEqual(modal?.buttons, ['Restore']);
      assert.match(modal?.detail ?? '', new RegExp(`Recovery point ${point!.recoveryPointArn.split(':').at(-1)} \\(on-demand \\(asked for\\), 2\\.0 GB\\)`));
      assert.match(modal?.detail ?? '', /• A new stack demo-copy is deployed on it with demo's settings/);
      assert.match(modal?.detail ?? '', /• demo itself is not touched\./);
      assert.equal(restores(), 0, 'No: nothing restored');
      assert.equal(await engine.show('demo-copy'), undefined, 'No: no new stack');
      assert.deepEqual(screen.progress.map((p) => p.title), ['Reading the backups of demo…', 'Planning the restore of stack demo…']);

      // On the recovery point's row: no stack or point pick.
      screen.pickAnswers = ['Restore into a New Stack…'];
      screen.inputAnswers = ['demo-copy'];
      screen.modalAnswers = ['Restore'];
      await commands.get('geusemaker.restoreBackup')!(row);
      assert.deepEqual(screen.errors, []);
      assert.equal(screen.picks.length, 4);
      assert.deepEqual(screen.progress.at(-1), { title: 'Restoring stack demo\'s backup into new stack demo-copy', cancellable: true });
      assert.equal(restores(), 1);
      const copy = await engine.show('demo-copy');
      const original = await engine.show('demo');
      assert.equal(copy?.status, 'deployed');
      assert.notEqual(copy?.resources.efs?.id, original?.resources.efs?.id, 'a new file system');
      assert.equal(original?.resources.efs?.id, state.resources.efs?.id, 'the original keeps its own');
      assert.equal(original?.status, 'deployed');
      assert.equal(screen.infos.length, 1);
      assert.equal(screen.infos[0], `Stack demo-copy runs on file system ${copy?.resources.efs?.id}, restored from stack demo's backup; stack demo was not touched. Its services are healthy on the restored data.`);
      assert.deepEqual(reloaded, ['demo']);
    } finally {
      engine.dispose();
    }
  });
});
