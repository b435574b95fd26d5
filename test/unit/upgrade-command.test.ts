import assert from 'node:assert/strict';
import '../harness/fake-vscode';
import { testedImages } from '../../src/engine/bootstrap/compose';
import type { Engine } from '../../src/engine/engine';
import type { StackState } from '../../src/engine/state/schema';
import type { CommandContext } from '../../src/vscode/commands/context';
import type { CommandRegistry } from '../../src/vscode/commands/registry';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { recordedBackup } from '../harness/recorded-backup';
import { OLDER_IMAGES, seedOlderPins } from '../harness/upgrade-pins';
import { UpgradeSsm } from '../harness/upgrade-ssm';
import { patchVscode, type Screen } from '../harness/vscode-screen';

type Table = Map<string, (arg?: unknown) => Promise<unknown>>;

describe('Upgrade Stack… from the editor: the diff in the deploy\'s confirmation, backup first, rollback said as an error (fake vscode, moto; Backup jobs recorded, SSM recorded)', function () {
  this.timeout(240_000);
  let screen: Screen;
  let restore: () => void;
  let Registry: typeof CommandRegistry;
  let upgradeCommand: typeof import('../../src/vscode/commands/upgrade').upgradeCommand;

  const blank = (): Screen => ({ picks: [], pickAnswers: [], modals: [], modalAnswers: [], infos: [], errors: [], progress: [], executed: [], logged: [] });
  before(async () => {
    const restoreNow = patchVscode(blank());
    Registry = (await import('../../src/vscode/commands/registry')).CommandRegistry;
    upgradeCommand = (await import('../../src/vscode/commands/upgrade')).upgradeCommand;
    restoreNow();
  });
  beforeEach(() => {
    screen = blank();
    restore = patchVscode(screen);
  });
  afterEach(() => restore());

  function commandsFor(engine: Engine, entries: StackEntry[]): Table {
    const log = (line: string) => void screen.logged.push(line);
    const ctx = {
      extension: { subscriptions: [] },
      host: { assertUsable: () => undefined, engineFor: () => engine, profile: undefined },
      tree: { entries, refresh: async () => undefined, workspaceConfigOf: () => undefined },
      log: { info: log, warn: log, error: log, show: () => undefined },
    } as unknown as CommandContext;
    const table: Table = new Map();
    new Registry(ctx, table).register('geusemaker.upgrade', upgradeCommand, { refreshOnFailure: true });
    return table;
  }

  async function entryOf(engine: Engine, stateDir: string, name = 'demo'): Promise<StackEntry> {
    return { ref: { name, stateDir }, origin: 'workspace', state: (await engine.show(name)) as StackState };
  }

  it('a stack on this release\'s tested versions and the newest AMI: an information message, no question, no backup (Backup jobs recorded)', async () => {
    const stateDir = tempDir('gm-upgrade-cmd-');
    const backup = recordedBackup();
    const ssm = new UpgradeSsm();
    const engine = testEngine({ stateDir, ssm: ssm.factory, backup });
    try {
      await engine.deploy(devConfig());
      const commands = commandsFor(engine, [await entryOf(engine, stateDir)]);
      screen.pickAnswers = ['demo'];
      await commands.get('geusemaker.upgrade')!();
      assert.deepEqual(screen.errors, []);
      assert.deepEqual(screen.modals, []);
      assert.deepEqual(screen.infos, ['Stack demo is up to date: it runs this release\'s tested images and the newest AMI of its family.']);
      assert.deepEqual(screen.progress.map((p) => p.cancellable), [false], 'only the check, no operation');
      assert.equal(backup.in().calls.filter((call) => call.operation === 'StartBackupJob').length, 0);
    } finally {
      engine.dispose();
    }
  });

  it('older images: the diff and "backup first, rolled back automatically" in the modal (No changes nothing); Upgrade backs up, applies in place and says so (Backup jobs recorded, SSM recorded)', async () => {
    const stateDir = tempDir('gm-upgrade-cmd-');
    const backup = recordedBackup();
    const ssm = new UpgradeSsm();
    const engine = testEngine({ stateDir, ssm: ssm.factory, backup });
    try {
      await seedOlderPins(engine, devConfig());
      await engine.deploy(devConfig());
      const entry = await entryOf(engine, stateDir);
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
    } finally {
      engine.dispose();
    }
  });

  it('health failing after the upgrade: the previous versions again, and an error with the reason, the kept backup and the next step (Backup jobs recorded, SSM recorded)', async () => {
    const stateDir = tempDir('gm-upgrade-cmd-');
    const backup = recordedBackup();
    const ssm = new UpgradeSsm();
    const engine = testEngine({ stateDir, ssm: ssm.factory, backup });
    try {
      await seedOlderPins(engine, devConfig());
      await engine.deploy(devConfig());
      const entry = await entryOf(engine, stateDir);
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
    } finally {
      engine.dispose();
    }
  });
});
