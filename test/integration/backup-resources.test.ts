import assert from 'node:assert/strict';
import { CreateBackupVaultCommand, DescribeBackupVaultCommand, GetBackupPlanCommand, ListBackupPlansCommand, ListTagsCommand } from '@aws-sdk/client-backup';
import { DescribeFileSystemsCommand } from '@aws-sdk/client-efs';
import { GetRoleCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import type { Engine } from '../../src/engine/engine';
import { GeuseError } from '../../src/engine/errors';
import type { DestroyPlan } from '../../src/engine/destroy';
import { backupCron, type StackConfig } from '../../src/engine/stack/config';
import { backupRoleName, backupVaultName } from '../../src/engine/backup/names';
import { parsePolicyDocument } from '../../src/engine/resources/compare-json';
import { BackupSsm } from '../harness/backup-ssm';
import { DENIED, deployWithFault, failingDeploy, FaultInjector, LOST_RESPONSE } from '../harness/faults';
import { countByKind, devConfig, inspector, sweep, tempDir, testEngine } from '../harness/engine';
import { DEFAULT_MAX_ATTEMPTS } from '../../src/engine/aws/clients';
import { recordedBackup, RECORDED_BACKUP_BYTES, type RecordedBackupFactory } from '../harness/recorded-backup';

const VAULT = backupVaultName('demo');
const MUTATING_BACKUP = /^(Create|Delete|Start|Update|Tag|Untag)/;

async function fileSystemArn(): Promise<string> {
  const aws = inspector();
  try {
    const fs = (await aws.efs.send(new DescribeFileSystemsCommand({}))).FileSystems?.find((f) => f.Tags?.some((t) => t.Key === 'geusemaker:stack' && t.Value === 'demo'));
    assert.ok(fs?.FileSystemArn, 'the stack has a file system');
    return fs.FileSystemArn;
  } finally {
    aws.destroy();
  }
}

async function vaultExists(name = VAULT): Promise<boolean> {
  const aws = inspector();
  try {
    await aws.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: name }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw error;
  } finally {
    aws.destroy();
  }
}

async function livePlans(): Promise<string[]> {
  const aws = inspector();
  try {
    return ((await aws.backup.send(new ListBackupPlansCommand({}))).BackupPlansList ?? []).map((p) => p.BackupPlanId!);
  } finally {
    aws.destroy();
  }
}

describe('backup resources: role, vault, plan and selection of every stack (moto; Backup selections and recovery points recorded)', function () {
  this.timeout(180_000);
  let backup: RecordedBackupFactory;
  let engine: Engine;
  let faults: FaultInjector;

  let ssm: BackupSsm;

  beforeEach(() => {
    backup = recordedBackup();
    faults = new FaultInjector();
    // The instance's consistency flush before a final backup answers as SSM does (moto runs no command).
    ssm = new BackupSsm(() => backup.in().calls.length);
    engine = testEngine({ backup, instrument: faults.instrument, ssm: ssm.factory });
  });
  afterEach(() => engine.dispose());

  async function deploy(config: StackConfig = devConfig()) {
    return (await engine.deploy(config)).state;
  }

  it('a new dev stack has its backup role, its own tagged vault, a plan with the schedule and retention, and a selection of its file system (selection recorded)', async () => {
    const state = await deploy();
    const aws = inspector();
    try {
      const role = (await aws.iam.send(new GetRoleCommand({ RoleName: backupRoleName('demo', 'us-east-1') }))).Role!;
      assert.deepEqual((parsePolicyDocument(role.AssumeRolePolicyDocument) as { Statement: { Principal: unknown }[] }).Statement.map((s) => s.Principal), [{ Service: 'backup.amazonaws.com' }]);
      const policies = (await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role.RoleName }))).AttachedPolicies?.map((p) => p.PolicyName).sort();
      assert.deepEqual(policies, ['AWSBackupServiceRolePolicyForBackup', 'AWSBackupServiceRolePolicyForRestores']);

      const vault = await aws.backup.send(new DescribeBackupVaultCommand({ BackupVaultName: VAULT }));
      const vaultTags = (await aws.backup.send(new ListTagsCommand({ ResourceArn: vault.BackupVaultArn }))).Tags ?? {};
      assert.equal(vaultTags['geusemaker:stack-id'], state.stackId);
      assert.equal(vaultTags['geusemaker:resource'], 'backup-vault');
      assert.equal(vault.CreatorRequestId, state.resources['backup-vault']?.token, 'created with the journaled idempotency token');

      const planRecord = state.resources['backup-plan']!;
      const plan = await aws.backup.send(new GetBackupPlanCommand({ BackupPlanId: planRecord.id }));
      assert.equal(plan.BackupPlan?.Rules?.length, 1);
      const rule = plan.BackupPlan!.Rules![0]!;
      assert.equal(rule.ScheduleExpression, 'cron(0 5 ? * * *)', 'daily at 05:00 UTC');
      assert.equal(rule.Lifecycle?.DeleteAfterDays, 14);
      assert.equal(rule.TargetBackupVaultName, VAULT);
      assert.equal((await aws.backup.send(new ListTagsCommand({ ResourceArn: plan.BackupPlanArn }))).Tags?.['geusemaker:stack-id'], state.stackId);

      const selections = backup.in().selectionsOf(planRecord.id!);
      assert.equal(selections.length, 1);
      assert.deepEqual(selections[0]!.resources, [await fileSystemArn()]);
      assert.equal(selections[0]!.iamRoleArn, role.Arn);
      assert.equal(planRecord.attrs.selectionId, selections[0]!.selectionId, 'the selection is journaled on the plan record');
    } finally {
      aws.destroy();
    }
  });

  it('a second deploy of an unchanged stack makes no mutating AWS Backup or IAM call (selection recorded)', async () => {
    await deploy();
    const first = faults.mutatingCalls();
    for (const call of ['backup:CreateBackupVault', 'backup:CreateBackupPlan', 'iam:CreateRole']) assert.ok(first.includes(call), `the first deploy calls ${call}`);
    faults.calls.length = 0;
    const before = backup.in().calls.length;
    await deploy();
    assert.deepEqual(faults.mutatingCalls(), []);
    assert.deepEqual(backup.in().calls.slice(before).map((c) => c.operation).filter((op) => MUTATING_BACKUP.test(op)), []);
  });

  it('a changed retention and schedule update the plan in place (UpdateBackupPlan), keeping its id and selection (selection recorded)', async () => {
    const state = await deploy();
    const planId = state.resources['backup-plan']!.id!;
    faults.calls.length = 0;
    const before = backup.in().calls.length;
    const changed = await deploy(devConfig({ backup: { enabled: true, schedule: 'weekly', retentionDays: 30 } }));
    assert.equal(changed.resources['backup-plan']?.id, planId);
    assert.ok(faults.mutatingCalls().includes('backup:UpdateBackupPlan'));
    assert.ok(!faults.mutatingCalls().includes('backup:CreateBackupPlan'));
    const aws = inspector();
    try {
      const rule = (await aws.backup.send(new GetBackupPlanCommand({ BackupPlanId: planId }))).BackupPlan!.Rules![0]!;
      assert.equal(rule.Lifecycle?.DeleteAfterDays, 30);
      assert.equal(rule.ScheduleExpression, backupCron({ schedule: 'weekly' }));
    } finally {
      aws.destroy();
    }
    assert.deepEqual(backup.in().calls.slice(before).map((c) => c.operation).filter((op) => MUTATING_BACKUP.test(op)), [], 'the selection is kept');
  });

  it('turning backups off deletes the plan and its selection and keeps the vault with its recovery points (selection and recovery points recorded)', async () => {
    const state = await deploy();
    const planId = state.resources['backup-plan']!.id!;
    backup.in().addScheduled(await fileSystemArn(), VAULT);
    const off = await deploy(devConfig({ backup: { enabled: false, schedule: 'daily', retentionDays: 14 } }));
    assert.deepEqual(await livePlans(), []);
    assert.deepEqual(backup.in().selectionsOf(planId), []);
    const operations = backup.in().calls.map((c) => c.operation);
    assert.ok(operations.lastIndexOf('DeleteBackupSelection') >= 0, 'the selection is deleted');
    assert.ok(await vaultExists());
    assert.equal(backup.in().recoveryPointsIn(VAULT).length, 1);
    assert.equal(off.resources['backup-vault']?.status, 'created');
  });

  it('destroy keeps the vault and its recovery points, saying how many, their size, monthly cost and expiry (recovery points recorded)', async () => {
    await deploy();
    backup.in().addScheduled(await fileSystemArn(), VAULT);
    let confirmed: DestroyPlan | undefined;
    const result = await engine.destroy('demo', { confirm: async (plan) => { confirmed = plan; return true; } });
    assert.equal(confirmed?.backups?.action, 'keep');
    assert.equal(confirmed?.backups?.recoveryPoints, 1);
    assert.equal(confirmed?.backups?.sizeBytes, RECORDED_BACKUP_BYTES);
    const words = confirmed!.backups!.lines.join('\n');
    assert.match(words, /1 recovery point \(2\.00 GB\), about \$0\.10\/month/);
    assert.match(words, /expire on their own after 14 days/);
    assert.match(words, /backup plan and its selection of the file system are deleted/);
    assert.ok(confirmed!.toKeep.some((r) => r.kind === 'backup-vault'));
    // What is left, read back.
    assert.ok(await vaultExists());
    assert.deepEqual(await livePlans(), []);
    assert.equal(backup.in().recoveryPointsIn(VAULT).length, 1);
    assert.equal(result.backups?.recoveryPoints, 1);
    assert.ok(result.kept.some((r) => r.kind === 'backup-vault'));
    assert.match(result.keptMonthlyCost?.basis ?? '', /1 recovery point\(s\): 2\.00 GB of AWS Backup EFS warm storage/);
    assert.equal(result.stateRemoved, false);
  });

  it('destroy --delete-data --delete-backups deletes the recovery points and the vault: nothing is left (recovery points recorded)', async () => {
    await deploy();
    backup.in().addScheduled(await fileSystemArn(), VAULT);
    const result = await engine.destroy('demo', { deleteData: true, deleteBackups: true });
    assert.equal(result.plan.backups?.action, 'delete');
    assert.equal(result.finalBackup, undefined, 'no final backup when the backups are deleted too');
    assert.ok(backup.in().calls.some((c) => c.operation === 'DeleteRecoveryPoint'));
    assert.equal(backup.in().recoveryPointsIn(VAULT).length, 0);
    assert.equal(await vaultExists(), false);
    assert.deepEqual(await sweep(), []);
    assert.equal(result.stateRemoved, true);
  });

  it('destroy --delete-data takes a final backup first and keeps it in the vault; the data goes (backup job and SSM flush recorded)', async () => {
    await deploy();
    const fsArn = await fileSystemArn();
    const notes: string[] = [];
    const result = await engine.destroy('demo', { deleteData: true, onProgress: (event) => { if (event.type === 'note') notes.push(event.message); } });
    assert.equal(result.plan.backups?.finalBackup, true);
    assert.ok(result.finalBackup, 'the result names the final backup');
    const start = backup.in().calls.find((c) => c.operation === 'StartBackupJob');
    assert.equal((start?.input as { resourceArn?: string }).resourceArn, fsArn);
    assert.equal((start?.input as { recoveryPointTags?: Record<string, string> }).recoveryPointTags?.['geusemaker:backup-reason'], 'final backup before destroy --delete-data');
    assert.ok(notes.some((n) => /final backup/i.test(n)), 'progress says so');
    const flush = ssm.ran.find((run) => run.operation !== 'health');
    assert.ok(flush && flush.backupCallsBefore <= backup.in().calls.indexOf(start!), 'the instance flushed before the backup job started');
    // The backup completed before anything was deleted; the file system is gone and the vault keeps the backup.
    const points = backup.in().recoveryPointsIn(VAULT);
    assert.deepEqual(points.map((p) => p.recoveryPointArn), [result.finalBackup.recoveryPointArn]);
    assert.ok(await vaultExists());
    assert.deepEqual((await sweep()).map((r) => r.kind), ['backup-vault']);
    assert.equal(result.backups?.action, 'keep');
    assert.match(result.backups?.lines.join('\n') ?? '', /1 recovery point/);
  });

  it('destroy --delete-data --no-final-backup deletes the data without a backup (no backup job recorded)', async () => {
    await deploy();
    const result = await engine.destroy('demo', { deleteData: true, finalBackup: false });
    assert.equal(result.finalBackup, undefined);
    assert.ok(!backup.in().calls.some((c) => c.operation === 'StartBackupJob'));
    assert.equal(result.stateRemoved, true);
  });

  it('an empty vault goes with the stack; the data is kept (recovery points recorded)', async () => {
    await deploy();
    const result = await engine.destroy('demo');
    assert.equal(result.plan.backups?.action, 'delete-empty');
    assert.equal(await vaultExists(), false);
    assert.deepEqual((await sweep()).map((r) => r.kind).sort(), ['efs', ...result.kept.filter((r) => r.kind === 'ssm-parameter').map(() => 'ssm-parameter')].sort());
    assert.ok(!result.kept.some((r) => r.kind === 'backup-vault'));
  });

  it('a same-named vault of another stack id is reported and left alone', async () => {
    const aws = inspector();
    try {
      const tags = { 'geusemaker:stack': 'demo', 'geusemaker:stack-id': 'someone-else', 'geusemaker:resource': 'backup-vault' };
      const vault = await aws.backup.send(new CreateBackupVaultCommand({ BackupVaultName: VAULT, BackupVaultTags: tags }));
      await assert.rejects(deploy(), (error: unknown) => error instanceof GeuseError && error.code === 'NAME_TAKEN' && error.message.includes(VAULT) && /someone-else/.test(error.message));
      assert.deepEqual((await aws.backup.send(new ListTagsCommand({ ResourceArn: vault.BackupVaultArn }))).Tags, tags);
    } finally {
      aws.destroy();
    }
  });

  for (const operation of ['backup:CreateBackupVault', 'backup:CreateBackupPlan']) {
    it(`${operation} answer lost, with and without the SDK's retries: the deploy ends with one vault and one plan, found again by their tags (selection recorded)`, async () => {
      for (const attempts of [DEFAULT_MAX_ATTEMPTS, 1]) {
        const stateDir = tempDir('gm-backup-fault-');
        const { error } = await deployWithFault(devConfig(), stateDir, { operation, mode: 'after', error: LOST_RESPONSE }, attempts);
        if (error) {
          assert.equal(error.kind, 'transient', error.message);
          const again = testEngine({ stateDir, backup });
          await again.deploy(devConfig());
          again.dispose();
        }
        const counts = countByKind(await sweep());
        assert.equal(counts['backup-vault'], 1);
        assert.equal(counts['backup-plan'], 1);
        assert.equal((await livePlans()).length, 1);
        const cleanup = testEngine({ stateDir, backup });
        await cleanup.destroy('demo', { deleteData: true, finalBackup: false });
        cleanup.dispose();
        assert.deepEqual(await sweep(), []);
      }
    });
  }

  it('backup:CreateBackupPlan refused: the failure names the missing permission, and a re-run completes with one plan (selection recorded)', async () => {
    const stateDir = tempDir('gm-backup-denied-');
    const error = await failingDeploy(devConfig(), stateDir, { operation: 'backup:CreateBackupPlan', mode: 'before', error: DENIED });
    assert.equal(error.kind, 'permission');
    assert.match(error.message, /backup:CreateBackupPlan/);
    assert.match(error.nextStep, /Grant the permission for backup:CreateBackupPlan/);
    const again = testEngine({ stateDir, backup });
    await again.deploy(devConfig());
    again.dispose();
    assert.equal((await livePlans()).length, 1);
    assert.equal(backup.in().calls.filter((c) => c.operation === 'CreateBackupSelection').length, 1);
  });
});
