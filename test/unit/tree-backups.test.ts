import assert from 'node:assert/strict';
// First: it stands in for the vscode module the extension's files import.
import { fake } from '../harness/fake-vscode';
import { GeuseError } from '../../src/engine/errors';
import type { SecretAge, StackBackup } from '../../src/vscode/engine-types';
import { EngineHost } from '../../src/vscode/engine-host';
import { backupNodeOf } from '../../src/vscode/commands/backup-node';
import { childrenOf, viewOf, type TreeNode } from '../../src/vscode/tree/nodes';
import { newStackState } from '../../src/engine/deploy';
import { stackConfigSchema } from '../../src/engine/stack/config';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { StacksTreeProvider } from '../../src/vscode/tree/provider';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { extensionContext, freshEditorForEachTest, settle } from '../harness/tree-editor';

const ARN = 'arn:aws:backup:us-east-1:123456789012:recovery-point:';

/** Recovery points as BackupService.list gives them: newest first. */
const BACKUPS: StackBackup[] = [
  { recoveryPointArn: `${ARN}6f1c2b7e-0d5a-4a8e-9a51-3c0f7c1d2e9a`, fileSystemId: 'fs-0abc', createdAt: '2026-12-02T10:31:00.000Z', status: 'CREATING', origin: 'on-demand', reason: 'asked for' },
  { recoveryPointArn: `${ARN}1eb3b5e7-9eb0-435a-a80b-108b488b0d45`, fileSystemId: 'fs-0abc', createdAt: '2026-12-02T12:00:00.000Z', completedAt: '2026-12-02T12:09:00.000Z', status: 'COMPLETED', sizeBytes: 2_254_857_830, deleteAt: '2026-12-16T12:00:00.000Z', origin: 'scheduled' },
  { recoveryPointArn: `${ARN}9c0de8a1-77b2-4c3e-8f1d-5a6b7c8d9e0f`, fileSystemId: 'fs-0abc', createdAt: '2026-12-01T16:20:00.000Z', completedAt: '2026-12-01T16:24:00.000Z', status: 'COMPLETED', sizeBytes: 356_515_840, origin: 'on-demand', reason: 'before upgrade' },
];

function ages(due: boolean): SecretAge[] {
  return [
    { name: 'postgres-password', rotatable: 'postgres', lastChangedAt: '2026-09-01T10:00:00.000Z', ageDays: due ? 92 : 3, due, version: 1 },
    { name: 'n8n-encryption-key', rotatable: undefined, lastChangedAt: '2026-09-01T10:00:00.000Z', ageDays: 92, due: false, version: 1 },
  ];
}

describe('the Backups section and the "secret rotation due" mark of the Stacks tree', function () {
  this.timeout(120_000);
  freshEditorForEachTest();

  it('recovery points are read only when Backups is expanded (and on Refresh), each with its date, origin, size and expiry; backups off says how to turn them on; a failure offers a retry', async () => {
    const stateDir = tempDir('gm-state-');
    fake.settings = { stateDirectory: stateDir, endpoint: process.env.GEUSEMAKER_AWS_ENDPOINT };
    const engine = testEngine({ stateDir });
    const host = new EngineHost(extensionContext());
    try {
      await engine.deploy(devConfig());
      await engine.deploy(devConfig({ name: 'nobackup', backup: { enabled: false } }));
      const reads: string[] = [];
      let fail = false;
      const provider = new StacksTreeProvider(host, async () => ({ checkedAt: '', services: {} }), undefined, undefined, {
        backups: async (entry) => {
          reads.push(entry.ref.name);
          if (fail) throw new GeuseError({ code: 'AWS_PERMISSION', kind: 'permission', message: 'Access denied.', nextStep: 'Allow backup:ListRecoveryPointsByBackupVault.', operation: 'backup:ListRecoveryPointsByBackupVault' });
          return BACKUPS;
        },
      });
      await provider.refresh({ force: true });
      await provider.refresh();
      const stackNamed = (name: string) => provider.getChildren().find((node) => viewOf(node).label === name)!;
      const backupsOf = (name: string) => provider.getChildren(stackNamed(name)).find((node) => viewOf(node).label === 'Backups')!;
      assert.equal(viewOf(backupsOf('demo')).collapsible, 'collapsed', 'collapsed at first, so nothing is read until opened');
      assert.equal(viewOf(backupsOf('demo')).contextValue, 'section.backups.on', 'Back Up Now and Refresh Backups show on it');
      assert.match(viewOf(backupsOf('demo')).tooltip ?? '', /every day at 05:00 UTC and kept 14 days/);
      assert.deepEqual(reads, [], 'refreshes (and their walk over every row) read nothing');

      assert.deepEqual(provider.getChildren(backupsOf('demo')).map((node) => viewOf(node).label), ['Reading backups…']);
      await settle();
      const rows = provider.getChildren(backupsOf('demo')).map(viewOf);
      assert.equal(rows.length, 3);
      assert.deepEqual(rows.map((row) => row.contextValue), ['backup.busy', 'backup.ready', 'backup.ready'], 'Restore… only on complete recovery points');
      assert.match(rows[0]!.description ?? '', /^on-demand \(asked for\) · creating · kept until deleted$/);
      assert.match(rows[1]!.description ?? '', /^scheduled · 2\.1 GB · expires Dec 16, 2026$/);
      assert.match(rows[2]!.description ?? '', /^on-demand \(before upgrade\) · 340 MB · kept until deleted$/);
      assert.match(rows[1]!.label, /Dec 2, 2026/, 'the date it was made, in the editor\'s locale');
      assert.match(rows[1]!.tooltip ?? '', /1eb3b5e7-9eb0-435a-a80b-108b488b0d45/);
      assert.equal(viewOf(backupsOf('demo')).description, '3');
      await provider.refresh();
      provider.getChildren(backupsOf('demo'));
      assert.deepEqual(reads, ['demo'], 'kept across automatic refreshes');
      // Restore… finds the stack and the recovery point from the row it runs on.
      const [, scheduled] = provider.getChildren(backupsOf('demo'));
      assert.equal(backupNodeOf(scheduled)?.backup.recoveryPointArn, BACKUPS[1]!.recoveryPointArn);
      assert.equal(backupNodeOf(scheduled)?.entry.ref.name, 'demo');
      assert.equal(backupNodeOf({ kind: 'backup', entry: {} }), undefined);

      const off = backupsOf('nobackup');
      assert.equal(viewOf(off).description, 'off');
      assert.equal(viewOf(off).contextValue, 'section.backups.off');
      const [note] = provider.getChildren(off).map(viewOf);
      assert.equal(note?.label, 'Backups are off');
      assert.match(note?.tooltip ?? '', /set `backup: \{ enabled: true \}` in its geusemaker\.yaml and deploy the stack again/);
      await settle();
      assert.deepEqual(reads, ['demo'], 'nothing read for a stack whose backups are off');

      fail = true;
      await provider.refresh({ force: true });
      provider.getChildren(backupsOf('demo'));
      await settle();
      const failed = provider.getChildren(backupsOf('demo')).map(viewOf);
      assert.deepEqual(failed.map((row) => [row.label, row.description, row.command?.command]), [['Backups not read: AWS denied the request: these credentials may not do it.', 'click to retry', 'geusemaker.refreshBackups']]);
      provider.getChildren(backupsOf('demo'));
      await settle();
      assert.deepEqual(reads, ['demo', 'demo'], 'a failure is not retried in a loop');
      fail = false;
      const demo = stackNamed('demo') as Extract<TreeNode, { kind: 'stack' }>;
      await provider.reloadBackups(demo.entry);
      assert.equal(provider.getChildren(backupsOf('demo')).length, 3);
      provider.dispose();
    } finally {
      host.dispose();
      engine.dispose();
    }
  });

  it('backups turned off after they were on: "off" first, the recovery points its kept vault holds still listed and restorable', () => {
    const state = newStackState(stackConfigSchema.parse({ name: 'alpha', backup: { enabled: false } }));
    state.status = 'deployed';
    const entry: StackEntry = { ref: { name: 'alpha', stateDir: '/ws' }, origin: 'workspace', state };
    const section: TreeNode = { kind: 'section', section: 'backups', entry };
    const memory = { health: new Map(), settled: new Map(), backups: new Map([['/ws::alpha', { state: 'loaded' as const, value: BACKUPS.slice(1), at: new Date().toISOString() }]]) };
    assert.deepEqual(childrenOf(section, memory).map((node) => viewOf(node).label), ['Backups are off'], 'no vault: nothing to list');
    state.resources['backup-vault'] = { key: 'backup-vault', kind: 'backup-vault', status: 'created', id: 'geusemaker-alpha', attrs: {}, external: false, updatedAt: '' };
    const rows = childrenOf(section, memory).map(viewOf);
    assert.deepEqual(rows.map((row) => row.contextValue), ['backups-note', 'backup.ready', 'backup.ready']);
    assert.equal(rows[0]?.label, 'Backups are off');
    assert.equal(viewOf({ ...section, backups: memory.backups.get('/ws::alpha') }).description, 'off · 2 kept');
  });

  it('a stack with rotateAfterDays is marked "secret rotation due" from the secrets\' ages, read when expanded or on Refresh, never on the refresher\'s ticks; a failed read only leaves the mark off', async () => {
    const stateDir = tempDir('gm-state-');
    fake.settings = { stateDirectory: stateDir, endpoint: process.env.GEUSEMAKER_AWS_ENDPOINT };
    const engine = testEngine({ stateDir });
    const host = new EngineHost(extensionContext());
    try {
      await engine.deploy(devConfig({ rotateAfterDays: 30 }));
      await engine.deploy(devConfig({ name: 'norotate' }));
      const reads: string[] = [];
      let due = true;
      let fail = false;
      const provider = new StacksTreeProvider(host, async () => ({ checkedAt: '', services: {} }), undefined, undefined, {
        secretAges: async (entry) => {
          reads.push(entry.ref.name);
          if (fail) throw new GeuseError({ code: 'AWS_TRANSIENT', kind: 'transient', message: 'The network failed.', nextStep: 'Try again.' });
          return ages(due);
        },
      });
      await provider.refresh();
      await provider.refresh();
      const stackView = (name: string) => viewOf(provider.getChildren().find((node) => viewOf(node).label === name)!);
      assert.deepEqual(reads, [], 'the automatic refreshes read no ages');
      assert.doesNotMatch(stackView('demo').description ?? '', /rotation/);

      // VS Code asks for an expanded stack's rows.
      const demo = provider.getChildren().find((node) => viewOf(node).label === 'demo')!;
      provider.getChildren(demo);
      provider.getChildren(provider.getChildren().find((node) => viewOf(node).label === 'norotate')!);
      await settle();
      assert.deepEqual(reads, ['demo'], 'only the stack that sets rotateAfterDays');
      assert.match(stackView('demo').description ?? '', / · secret rotation due/);
      assert.match(stackView('demo').tooltip ?? '', /\*\*Secret rotation due\*\* — older than rotateAfterDays \(30 days\):\s+postgres-password: changed .* \(92 days ago\)/);
      assert.doesNotMatch(stackView('demo').tooltip ?? '', /n8n-encryption-key: changed/, 'only what is due is listed');
      assert.deepEqual(fake.messages, [], 'a mark, never a popup');
      await provider.refresh();
      provider.getChildren(demo);
      await settle();
      assert.deepEqual(reads, ['demo'], 'kept across automatic refreshes');

      // Refresh reads every such stack's ages again without expanding it.
      due = false;
      await provider.refresh({ force: true });
      await settle();
      assert.deepEqual(reads, ['demo', 'demo']);
      assert.doesNotMatch(stackView('demo').description ?? '', /rotation/, 'rotated since: no mark');

      fail = true;
      await provider.refresh({ force: true });
      await settle();
      assert.deepEqual(reads, ['demo', 'demo', 'demo']);
      assert.doesNotMatch(stackView('demo').description ?? '', /rotation|error/);
      assert.deepEqual(provider.getChildren(demo).map((node) => viewOf(node).label), ['Services', 'Resources', 'Endpoints', 'Models', 'Backups'], 'the tree is whole');
      await settle();
      assert.deepEqual(reads, ['demo', 'demo', 'demo'], 'a failure is not retried in a loop');
      provider.dispose();
    } finally {
      host.dispose();
      engine.dispose();
    }
  });
});
