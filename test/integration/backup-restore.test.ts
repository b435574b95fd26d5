import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { DescribeFileSystemsCommand, DescribeMountTargetsCommand } from '@aws-sdk/client-efs';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../../src/engine/aws/clients';
import { newStackState } from '../../src/engine/deploy';
import type { Engine } from '../../src/engine/engine';
import { GeuseError } from '../../src/engine/errors';
import type { ProgressEvent } from '../../src/engine/progress';
import { names, tagValue, TAG_RESOURCE, TAG_STACK, TAG_STACK_ID } from '../../src/engine/stack/naming';
import type { StackState } from '../../src/engine/state/schema';
import { BackupSsm } from '../harness/backup-ssm';
import { devConfig, inspector, testEngine } from '../harness/engine';
import { recordedBackup, type RecordedBackupFactory } from '../harness/recorded-backup';

const STACK = 'bkup';

async function templateScript(aws: AwsClients, state: StackState): Promise<string> {
  const out = await aws.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: state.resources['launch-template']!.id!, Versions: ['$Latest'] }));
  return gunzipSync(Buffer.from(out.LaunchTemplateVersions![0]!.LaunchTemplateData!.UserData!, 'base64')).toString('utf8');
}

async function fileSystem(aws: AwsClients, id: string) {
  return (await aws.efs.send(new DescribeFileSystemsCommand({ FileSystemId: id }))).FileSystems?.[0];
}

async function secret(aws: AwsClients, stack: string, name: string): Promise<string | undefined> {
  return (await aws.ssm.send(new GetParameterCommand({ Name: names.parameter(stack, name), WithDecryption: true }))).Parameter?.Value;
}

function efsOf(state: StackState): string {
  return state.resources.efs!.id!;
}

describe('backups and restore: back up now (consistent), list, restore as a new stack or in place (Backup jobs recorded, SSM recorded)', function () {
  this.timeout(300_000);
  // The emulator is reset before every test: each one deploys what it needs.
  let backups: RecordedBackupFactory;
  let ssm: BackupSsm;
  let engine: Engine;
  let aws: AwsClients;
  let deployed: StackState;

  beforeEach(async () => {
    backups = recordedBackup();
    ssm = new BackupSsm(() => backups.in().calls.length);
    engine = testEngine({ ssm: ssm.factory, backup: backups });
    aws = inspector();
  });

  afterEach(() => {
    engine.dispose();
    aws.destroy();
  });

  async function deploy(): Promise<StackState> {
    deployed = (await engine.deploy(devConfig({ name: STACK }))).state;
    return deployed;
  }

  /** An on-demand point made by backup now, and a scheduled one the plan made a day earlier. */
  async function withPoints(): Promise<{ onDemand: string; scheduled: string }> {
    const onDemand = (await engine.backups.backupNow(STACK, { reason: 'asked for' })).recoveryPointArn;
    const arn = (await fileSystem(aws, efsOf(deployed)))!.FileSystemArn!;
    const scheduled = backups.in().addScheduled(arn, deployed.resources['backup-vault']!.id!, { created: new Date(Date.now() - 86_400_000), planId: deployed.resources['backup-plan']!.id }).recoveryPointArn;
    return { onDemand, scheduled };
  }

  it('backup now flushes on the instance (pg_dump, Qdrant snapshot) before StartBackupJob and returns the recovery point AWS made (Backup jobs recorded, SSM recorded)', async () => {
    await deploy();
    const recorded = backups.in();
    const events: ProgressEvent[] = [];
    const taken = await engine.backups.backupNow(STACK, { reason: 'asked for', onProgress: (event) => events.push(event) });

    const flush = ssm.of('backup-flush');
    assert.equal(flush.length, 1, 'one flush');
    assert.equal(flush[0]!.instanceId, deployed.resources.instance!.id, 'on the instance in service');
    const script = flush[0]!.lines.join('\n');
    assert.match(script, /pg_dump -U n8n -Fc -d "\$gm_db"/, 'a custom-format dump of every database');
    assert.match(script, /-X POST 'http:\/\/127\.0\.0\.1:6333\/snapshots\?wait=true'/, 'Qdrant\'s full snapshot');
    const start = recorded.calls.findIndex((call) => call.operation === 'StartBackupJob');
    assert.ok(start >= 0, 'a backup job was started');
    assert.ok(flush[0]!.backupCallsBefore <= start, 'the flush ran before StartBackupJob');

    const input = recorded.calls[start]!.input as { vaultName: string; resourceArn: string; deleteAfterDays: number; recoveryPointTags: Record<string, string>; idempotencyToken: string };
    assert.equal(input.vaultName, deployed.resources['backup-vault']!.id);
    assert.match(input.resourceArn, new RegExp(`:file-system/${efsOf(deployed)}$`));
    assert.equal(input.deleteAfterDays, 14);
    assert.deepEqual([input.recoveryPointTags[TAG_STACK], input.recoveryPointTags[TAG_STACK_ID], input.recoveryPointTags['geusemaker:backup-reason']], [STACK, deployed.stackId, 'asked for']);

    assert.match(taken.recoveryPointArn, /^arn:aws:backup:us-east-1:\d+:recovery-point:/);
    assert.equal(taken.fileSystemId, efsOf(deployed));
    assert.equal(taken.status, 'COMPLETED');
    assert.equal(taken.sizeBytes, 2 * 1024 ** 3, 'the size AWS reports');
    assert.equal(taken.origin, 'on-demand');
    assert.equal(taken.reason, 'asked for');
    assert.ok(taken.deleteAt, 'when AWS Backup deletes it');
    assert.deepEqual(taken.flushed.map((words) => words.split(' (')[0]), ['PostgreSQL dump of n8n', 'PostgreSQL dump of postgres', 'Qdrant snapshot']);
    assert.ok(events.some((event) => event.type === 'step-waiting' && /AWS Backup job .*running, 42%/.test(event.waitingFor)), 'progress with the percent');
    const state = await engine.show(STACK);
    assert.equal(state!.resources['backup-vault']!.attrs.jobToken, undefined, 'nothing left pending in the journal');
  });

  it('backup now stopped while AWS Backup works, then asked again: it waits for the same job, never a second one (Backup jobs recorded, SSM recorded)', async () => {
    await deploy();
    const recorded = backups.in();
    const stop = new AbortController();
    const onProgress = (event: ProgressEvent) => {
      if (event.type === 'step-waiting' && event.step === 'backup-job') stop.abort();
    };
    await assert.rejects(engine.backups.backupNow(STACK, { reason: 'asked for', signal: stop.signal, onProgress }), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'CANCELLED');
      assert.match(error.message, /keeps running in AWS Backup/);
      return true;
    });
    const pending = (await engine.show(STACK))!.resources['backup-vault']!.attrs;
    assert.ok(pending.jobToken && pending.jobId, 'the job is journaled as pending');

    const again = await engine.backups.backupNow(STACK, { reason: 'asked for' });
    const started = recorded.calls.filter((call) => call.operation === 'StartBackupJob');
    assert.equal(started.length, 1, 'one job');
    assert.equal((started[0]!.input as { idempotencyToken: string }).idempotencyToken, pending.jobToken, 'started with the journaled token');
    assert.equal(again.backupJobId, pending.jobId);
    assert.equal(again.status, 'COMPLETED');
    assert.equal(ssm.of('backup-flush').length, 1, 'flushed once, for that job');
    assert.equal((await engine.show(STACK))!.resources['backup-vault']!.attrs.jobToken, undefined, 'nothing pending any more');
  });

  it('a flush that fails starts no backup job and says which step failed (Backup jobs recorded, SSM recorded)', async () => {
    await deploy();
    const recorded = backups.in();
    ssm.failFlush = 1;
    await assert.rejects(engine.backups.backupNow(STACK, { reason: 'asked for' }), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'BACKUP_FLUSH_FAILED');
      assert.match(error.message, /step postgres-dump .*Input\/output error.*No backup was started/);
      assert.match(error.nextStep, /geusemaker logs bkup postgres/);
      return true;
    });
    assert.equal(recorded.calls.filter((call) => call.operation === 'StartBackupJob').length, 0, 'no job');
  });

  it('list shows the scheduled and on-demand recovery points of the stack\'s file system, newest first, with why (Backup jobs recorded)', async () => {
    await deploy();
    await withPoints();
    const vault = deployed.resources['backup-vault']!.id!;
    // Another stack's point in the same vault is not this stack's.
    backups.in().addScheduled('arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0aaaaaaaaaaaaaaaa', vault);
    const list = await engine.backups.list(STACK);
    assert.deepEqual(list.map((point) => `${point.origin}:${point.reason ?? '-'}`), ['on-demand:asked for', 'scheduled:-']);
    assert.ok(list.every((point) => point.fileSystemId === efsOf(deployed)));
    assert.ok(list[0]!.createdAt > list[1]!.createdAt, 'newest first');
  });

  it('restore --as: a new file system from the recovery point, a new stack deployed on it with the source\'s data secrets, the original untouched (Backup jobs recorded, SSM recorded)', async () => {
    await deploy();
    const from = (await withPoints()).onDemand;
    const recorded = backups.in();
    const before = (await engine.show(STACK))!;
    const plan = await engine.backups.planRestore(STACK, { from, as: `${STACK}-copy` });
    assert.equal(plan.target, `${STACK}-copy`);
    assert.match(plan.steps.join('\n'), /bkup itself is not touched/);

    const result = await engine.backups.restore(STACK, { from, as: `${STACK}-copy`, confirm: async () => true });
    const restore = recorded.calls.find((call) => call.operation === 'StartRestoreJob')!.input as { recoveryPointArn: string; metadata: Record<string, string> };
    assert.equal(restore.recoveryPointArn, from);
    assert.equal(restore.metadata.newFileSystem, 'true');
    assert.equal(restore.metadata['file-system-id'], efsOf(before));
    assert.equal(restore.metadata.Encrypted, 'true');

    const copy = (await engine.show(`${STACK}-copy`))!;
    assert.equal(copy.status, 'deployed');
    assert.equal(efsOf(copy), result.fileSystemId, 'its journal names the restored file system');
    assert.notEqual(result.fileSystemId, efsOf(before));
    const restored = (await fileSystem(aws, result.fileSystemId))!;
    assert.equal(restored.Encrypted, true);
    assert.deepEqual([tagValue(restored.Tags, TAG_STACK), tagValue(restored.Tags, TAG_STACK_ID), tagValue(restored.Tags, TAG_RESOURCE)], [`${STACK}-copy`, copy.stackId, 'efs'], 'tagged as the new stack\'s');
    assert.match(await templateScript(aws, copy), new RegExp(`EFS_ID='${result.fileSystemId}'`), 'its instances mount the restored file system');
    for (const name of ['postgres-password', 'n8n-encryption-key', 'n8n-owner-password']) {
      assert.equal(await secret(aws, `${STACK}-copy`, name), await secret(aws, STACK, name), `${name} is the source's value`);
    }
    assert.notEqual(await secret(aws, `${STACK}-copy`, 'qdrant-api-key'), await secret(aws, STACK, 'qdrant-api-key'), 'the rest are its own');
    assert.deepEqual(result.copiedSecrets, ['postgres-password', 'n8n-encryption-key', 'n8n-owner-password']);
    const settle = ssm.of('backup-restore-settle');
    assert.equal(settle.at(-1)!.instanceId, copy.resources.instance!.id, 'the restored data was moved into place on the new stack\'s instance');
    assert.deepEqual(result.settled, { movedFrom: 'aws-backup-restore_2026-12-07T10-20-00', keptAside: '.geusemaker-before-restore-20261207T101500Z' });
    assert.equal(result.health.healthy, true);

    const after = (await engine.show(STACK))!;
    assert.equal(efsOf(after), efsOf(before), 'the original keeps its file system');
    assert.equal(after.resources.instance!.id, before.resources.instance!.id, 'and its instance');
    assert.deepEqual(after.resources, before.resources, 'and its journal');
    assert.ok(await fileSystem(aws, efsOf(before)));
  });

  it('restore in place: a safety backup first, the stack switched to the restored file system, the old one kept and listed (Backup jobs recorded, SSM recorded)', async () => {
    await deploy();
    const from = (await withPoints()).scheduled;
    const recorded = backups.in();
    const before = (await engine.show(STACK))!;
    const oldFs = efsOf(before);
    const plan = await engine.backups.planRestore(STACK, { from });
    assert.equal(plan.retiring, oldFs);
    assert.match(plan.steps.join('\n'), /down from the pause/);

    const result = await engine.backups.restore(STACK, { from, confirm: async () => true });
    assert.equal(result.safetyBackup?.reason, 'before restore');
    assert.equal(result.safetyBackup?.fileSystemId, oldFs, 'the safety backup is of the data it had');
    const jobs = recorded.calls.filter((call) => call.operation === 'StartBackupJob' || call.operation === 'StartRestoreJob').map((call) => call.operation);
    assert.deepEqual(jobs.slice(-2), ['StartBackupJob', 'StartRestoreJob'], 'the safety backup before the restore');

    const after = (await engine.show(STACK))!;
    assert.equal(efsOf(after), result.fileSystemId);
    assert.notEqual(result.fileSystemId, oldFs);
    assert.equal(result.retiredFileSystemId, oldFs);
    assert.deepEqual(after.retiredFileSystems.map((retired) => retired.id), [oldFs], 'the old file system is recorded as kept');
    assert.ok(await fileSystem(aws, oldFs), 'and still exists');
    assert.match(await templateScript(aws, after), new RegExp(`EFS_ID='${result.fileSystemId}'`));
    assert.notEqual(after.resources.instance!.id, before.resources.instance!.id, 'a new instance on the restored data');
    const oldTargets = (await aws.efs.send(new DescribeMountTargetsCommand({ FileSystemId: oldFs }))).MountTargets ?? [];
    assert.equal(oldTargets.filter((target) => target.LifeCycleState !== 'deleted').length, 0, 'the old file system\'s mount targets are gone');
    const newTargets = (await aws.efs.send(new DescribeMountTargetsCommand({ FileSystemId: result.fileSystemId }))).MountTargets ?? [];
    assert.equal(newTargets.length, 2, 'the new one has its own');
    assert.equal(result.health.healthy, true);

    const list = await engine.backups.list(STACK);
    assert.ok(list.some((point) => point.fileSystemId === oldFs && point.reason === 'before restore'), 'the old file system\'s backups stay listed');
  });

  it('a paused stack is backed up without a flush, and says so (Backup jobs recorded)', async () => {
    await deploy();
    await engine.pause(STACK);
    const taken = await engine.backups.backupNow(STACK, { reason: 'asked for' });
    assert.equal(ssm.of('backup-flush').length, 0, 'nothing ran on an instance');
    assert.deepEqual(taken.flushed, []);
    assert.match(taken.flushSkipped ?? '', /paused/);
    assert.equal(taken.status, 'COMPLETED');
  });

  it('a stack with backups off is refused with what to turn on (no AWS call)', async () => {
    const config = devConfig({ name: 'bkup-off', backup: { enabled: false, schedule: 'daily', retentionDays: 14 } });
    await engine.store.write(newStackState(config));
    await assert.rejects(engine.backups.backupNow('bkup-off', { reason: 'asked for' }), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'BACKUP_DISABLED');
      assert.equal(error.kind, 'refused');
      assert.match(error.nextStep, /backup: \{ enabled: true \}.*geusemaker deploy bkup-off/);
      return true;
    });
    await engine.store.remove('bkup-off');
  });
});
