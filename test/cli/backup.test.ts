import assert from 'node:assert/strict';
import { newStackState } from '../../src/engine/deploy';
import { BackupSsm } from '../harness/backup-ssm';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { recordedBackup } from '../harness/recorded-backup';
import { cli } from './run-cli';

/** A deployed stack (through the test engine) and the CLI on the same state folder, recorded AWS Backup and SSM answers shared. */
async function deployed(name: string) {
  const stateDir = tempDir('gm-cli-backup-');
  const backups = recordedBackup();
  const ssm = new BackupSsm(() => backups.in().calls.length);
  const engine = testEngine({ stateDir, ssm: ssm.factory, backup: backups });
  try {
    await engine.deploy(devConfig({ name }));
  } finally {
    engine.dispose();
  }
  return { backups, ssm, run: (argv: string[]) => cli(argv, { stateDir, ssm: ssm.factory, backup: backups }) };
}

describe('geusemaker backup now | list and restore (Backup jobs recorded, SSM recorded)', function () {
  this.timeout(180_000);

  it('backup now: progress on stderr, the recovery point and what was flushed on stdout; list shows it; --json gives the same data (Backup jobs recorded, SSM recorded)', async () => {
    const { run, ssm } = await deployed('clibk');
    const now = await run(['backup', 'clibk', 'now']);
    assert.equal(now.code, 0, now.stderr);
    assert.match(now.stderr, /→ Consistent copies on the instance \(pg_dump, Qdrant snapshot\)/);
    assert.match(now.stderr, /… waiting for AWS Backup job \S+: running, 42%/);
    assert.match(now.stdout, /^Backed up stack clibk: (arn:aws:backup:us-east-1:\d+:recovery-point:\S+) \(2\.0 GB, completed /m);
    assert.match(now.stdout, /Made consistent first: PostgreSQL dump of n8n .*Qdrant snapshot/);
    assert.match(now.stdout, /AWS Backup deletes it on \d{4}-\d{2}-\d{2} \(backup\.retentionDays\)\./);
    assert.match(now.stdout, /To restore it: geusemaker restore clibk --from arn:aws:backup:/);
    assert.equal(ssm.of('backup-flush').length, 1);
    const arn = /^Backed up stack clibk: (\S+) /m.exec(now.stdout)![1]!;

    const listed = await run(['backup', 'clibk', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /CREATED \(UTC\)\s+ORIGIN\s+WHY\s+SIZE/);
    assert.match(listed.stdout, new RegExp(`on-demand\\s+asked for\\s+2\\.0 GB\\s+COMPLETED\\s+\\S+\\s+fs-\\w+\\s+${arn}`));
    const json = JSON.parse((await run(['backup', 'clibk', 'list', '--json'])).stdout) as { name: string; backups: { recoveryPointArn: string; origin: string; reason: string }[] };
    assert.deepEqual(json.backups.map((point) => [point.recoveryPointArn, point.origin, point.reason]), [[arn, 'on-demand', 'asked for']]);
  });

  it('restore without a terminal shows the plan and is refused with the command that goes ahead; nothing is restored (Backup jobs recorded)', async () => {
    const { run, backups } = await deployed('clibk');
    const arn = /^Backed up stack clibk: (\S+) /m.exec((await run(['backup', 'clibk', 'now'])).stdout)![1]!;
    const asked = await run(['restore', 'clibk', '--from', arn, '--as', 'clibk-two']);
    assert.equal(asked.code, 3, asked.stderr);
    assert.match(asked.stdout, new RegExp(`Restore ${arn} of stack clibk into a new stack clibk-two:`));
    assert.match(asked.stdout, /clibk-two gets clibk's PostgreSQL password, n8n encryption key and n8n owner password/);
    assert.match(asked.stderr, /needs confirmation/);
    assert.match(asked.stderr, new RegExp(`geusemaker restore clibk --from ${arn} --as clibk-two --yes`));
    assert.ok(!backups.in().calls.some((call) => call.operation === 'StartRestoreJob'), 'nothing restored');

    const unknown = await run(['restore', 'clibk', '--from', arn.replace(/:recovery-point:.*/, ':recovery-point:0000-1111'), '--yes']);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /is not a recovery point of stack clibk/);
    assert.match(unknown.stderr, /geusemaker backup clibk list/);
  });

  it('restore needs --from, and --from must be a recovery point ARN (no AWS call)', async () => {
    const stateDir = tempDir('gm-cli-backup-');
    const missing = await cli(['restore', 'clibk'], { stateDir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /needs --from <recovery point ARN>/);
    const wrong = await cli(['restore', 'clibk', '--from', 'fs-0123'], { stateDir });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--from must be a recovery point ARN/);
    const notForList = await cli(['backup', 'clibk', 'list', '--from', 'arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45'], { stateDir });
    assert.equal(notForList.code, 2);
    assert.match(notForList.stderr, /--from does not apply to `geusemaker backup list`/);
  });

  it('backup now on a stack with backups off is refused (exit 3) saying to turn backup.enabled on and deploy', async () => {
    const stateDir = tempDir('gm-cli-backup-');
    const engine = testEngine({ stateDir });
    try {
      await engine.store.write(newStackState(devConfig({ name: 'clioff', backup: { enabled: false, schedule: 'daily', retentionDays: 14 } })));
    } finally {
      engine.dispose();
    }
    const refused = await cli(['backup', 'clioff', 'now', '--json'], { stateDir });
    assert.equal(refused.code, 3);
    const error = (JSON.parse(refused.stdout) as { error: { code: string; nextStep: string } }).error;
    assert.equal(error.code, 'BACKUP_DISABLED');
    assert.match(error.nextStep, /backup: \{ enabled: true \}.*geusemaker deploy clioff/);
  });
});
