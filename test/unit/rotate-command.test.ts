import assert from 'node:assert/strict';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import '../harness/fake-vscode';
import type { AwsClients } from '../../src/engine/aws/clients';
import type { Engine } from '../../src/engine/engine';
import type { StackState } from '../../src/engine/state/schema';
import { names } from '../../src/engine/stack/naming';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { editorCommandTests, type CommandTable } from '../harness/editor-commands';
import { devConfig, inspector, tempDir, testEngine } from '../harness/engine';
import { RotationSsm } from '../harness/rotation-ssm';

/** The version Parameter Store holds now for one of the stack's secrets (read back from moto). */
async function versionOf(aws: AwsClients, secret: string): Promise<number> {
  return (await aws.ssm.send(new GetParameterCommand({ Name: names.parameter('demo', secret) }))).Parameter!.Version!;
}

describe('Rotate Secrets… from the editor: a multi-select without the encryption key, the plan in a modal, the rotation under a notification (fake vscode, moto Parameter Store; SSM recorded)', function () {
  this.timeout(240_000);
  const ui = editorCommandTests(async () => ({
    rotate: await import('../../src/vscode/commands/rotate'),
    words: await import('../../src/vscode/commands/rotate-words'),
  }));
  const { screen } = ui;
  const words = () => ui.modules().words;

  function commandsFor(engine: Engine, entries: StackEntry[], reloaded: string[]): CommandTable {
    const reloadSecretAges = async (entry: StackEntry) => void reloaded.push(entry.ref.name);
    return ui.commandsFor(engine, { entries, reloadSecretAges }, (registry) => registry.register('geusemaker.rotateSecrets', ui.modules().rotate.rotateSecretsCommand, { refreshOnFailure: true }));
  }

  /** Stack demo deployed with the rotation's SSM recorded and booted; the engine and the inspector are closed after `test`. */
  async function onDeployedStack(test: (stack: { engine: Engine; aws: AwsClients; ssm: RotationSsm; entry: StackEntry }) => Promise<void>): Promise<void> {
    const stateDir = tempDir('gm-rotate-cmd-');
    const config = devConfig();
    const aws = inspector();
    const ssm = new RotationSsm(aws, config);
    const engine = testEngine({ stateDir, ssm: ssm.factory });
    try {
      await engine.deploy(config);
      await ssm.boot();
      const entry: StackEntry = { ref: { name: 'demo', stateDir }, origin: 'workspace', state: (await engine.show('demo')) as StackState };
      await test({ engine, aws, ssm, entry });
    } finally {
      aws.destroy();
      engine.dispose();
    }
  }

  it('the secrets the stack uses to tick, the n8n encryption key a row no one can pick (with why); No changes nothing; Rotate gives the ticked ones new versions, in order on the instance (SSM recorded)', async () => {
    await onDeployedStack(async ({ engine, aws, ssm, entry }) => {
      const reloaded: string[] = [];
      const commands = commandsFor(engine, [entry], reloaded);

      screen.pickAnswers = ['demo'];
      screen.manyAnswers = [['PostgreSQL password', 'Qdrant API key']];
      screen.modalAnswers = [undefined];
      await commands.get('geusemaker.rotateSecrets')!();
      assert.deepEqual(screen.errors, []);
      const [, secrets] = screen.picks;
      assert.equal(secrets?.title, 'Rotate secrets of stack demo');
      // No proxy runs with SSM access, so its password is not offered.
      assert.deepEqual(secrets?.labels, ['PostgreSQL password', 'n8n owner password', 'Qdrant API key', 'Crawl4AI API token']);
      assert.deepEqual(secrets?.separators, [words().ENCRYPTION_KEY_ROW]);
      assert.match(words().ENCRYPTION_KEY_ROW, /not rotatable — n8n cannot re-encrypt the credentials it saved with it/);
      assert.deepEqual(secrets?.picked, [], 'nothing is due on a new stack, so nothing is ticked');
      assert.match(secrets?.descriptions[0] ?? '', /^postgres-password · changed just now · version 1$/);
      const [modal] = screen.modals;
      assert.equal(modal?.message, 'Rotate 2 secrets of stack demo?');
      assert.deepEqual(modal?.buttons, ['Rotate']);
      assert.match(modal?.detail ?? '', /^New values for: PostgreSQL password, Qdrant API key\./);
      assert.match(modal?.detail ?? '', /\n2\. PostgreSQL: ALTER USER n8n sets the new password/);
      assert.match(modal?.detail ?? '', /\n3\. Qdrant: recreated with the new API key/);
      assert.match(modal?.detail ?? '', /Not rotated: n8n-encryption-key: n8n has no way to re-encrypt/);
      assert.match(modal?.detail ?? '', /If the health check after it fails, the old values are put back\.$/);
      assert.equal(await versionOf(aws, 'postgres-password'), 1, 'No: nothing changed');
      assert.equal(ssm.steps.length, 0);

      screen.pickAnswers = ['demo'];
      screen.manyAnswers = [['PostgreSQL password', 'Qdrant API key']];
      screen.modalAnswers = ['Rotate'];
      await commands.get('geusemaker.rotateSecrets')!();
      assert.deepEqual(screen.errors, []);
      assert.equal(screen.modals.length, 2, 'asked once: the plan under the lock is the one confirmed');
      assert.deepEqual(screen.progress.at(-1), { title: 'Rotating secrets of stack demo', cancellable: true });
      assert.deepEqual(ssm.steps.map((step) => `${step.verb} ${step.secret} ${step.from}→${step.to}`), ['rotate postgres 1→2', 'rotate qdrant 1→2']);
      assert.deepEqual(screen.infos, ['Rotated 2 secrets of stack demo: PostgreSQL password (version 2), Qdrant API key (version 2). The old values no longer work.']);
      assert.equal(await versionOf(aws, 'postgres-password'), 2);
      assert.equal(await versionOf(aws, 'qdrant-api-key'), 2);
      assert.equal(await versionOf(aws, 'n8n-encryption-key'), 1, 'the encryption key is never changed');
      assert.equal(await versionOf(aws, 'crawl4ai-api-token'), 1, 'not ticked: not changed');
      assert.deepEqual(reloaded, ['demo'], 'the tree reads the ages again');
    });
  });

  it('a secret older than rotateAfterDays is ticked at the start and says it is due; secrets the stack does not use are not offered', () => {
    const at = '2026-09-01T10:00:00.000Z';
    const rows = words().secretRows([
      { name: 'postgres-password', rotatable: 'postgres', lastChangedAt: at, ageDays: 92, due: true, version: 3 },
      { name: 'n8n-encryption-key', rotatable: undefined, lastChangedAt: at, ageDays: 92, due: false, version: 1 },
      { name: 'qdrant-api-key', rotatable: 'qdrant', lastChangedAt: '2026-11-30T10:00:00.000Z', ageDays: 2, due: false, version: 2 },
      { name: 'proxy-password', rotatable: undefined, lastChangedAt: at, ageDays: 92, due: false, version: 1 },
    ], { locale: 'en', now: Date.parse('2026-12-02T10:00:00.000Z') });
    assert.deepEqual(rows.map((row) => [row.label, row.picked ?? false, row.separator ?? false]), [
      ['PostgreSQL password', true, false], ['Qdrant API key', false, false], [words().ENCRYPTION_KEY_ROW, false, true],
    ]);
    assert.equal(rows[0]?.detail, 'Due: older than the stack\'s rotateAfterDays');
    assert.equal(rows[0]?.description, 'postgres-password · changed 92 days ago · version 3');
  });

  it('a health round failing after the new value: the old value put back, said as an error with the next step (SSM recorded)', async () => {
    await onDeployedStack(async ({ engine, aws, ssm, entry }) => {
      ssm.breaks = 'qdrant';
      const commands = commandsFor(engine, [entry], []);
      screen.manyAnswers = [['Qdrant API key']];
      screen.modalAnswers = ['Rotate'];
      await commands.get('geusemaker.rotateSecrets')!({ kind: 'stack', entry });
      assert.equal(screen.modals[0]?.message, 'Rotate the Qdrant API key of stack demo?');
      assert.deepEqual(screen.infos, []);
      assert.equal(screen.errors.length, 1);
      assert.match(screen.errors[0]!, /^The health check after rotating the secrets of stack demo failed, so the old values were put back: .*qdrant.*\. Look at the Health panel and the log, then run Rotate Secrets… again\.$/);
      assert.deepEqual(ssm.steps.map((step) => `${step.verb} ${step.secret}`), ['rotate qdrant', 'restore qdrant']);
      assert.equal(ssm.instance.get('qdrant'), (await aws.ssm.send(new GetParameterCommand({ Name: names.parameter('demo', 'qdrant-api-key'), WithDecryption: true }))).Parameter!.Value, 'the instance runs what Parameter Store holds');
    });
  });
});
