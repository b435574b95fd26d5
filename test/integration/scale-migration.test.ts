import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import type { ClientInstrument } from '../../src/engine/aws/clients';
import { operationName } from '../../src/engine/aws/send-once';
import type { BackupApiFactory } from '../../src/engine/backup/api';
import type { Engine } from '../../src/engine/engine';
import { GeuseError } from '../../src/engine/errors';
import type { SsmFactory } from '../../src/engine/operate';
import { MIGRATION_ATTRS, migrationRecord } from '../../src/engine/scale/migrate-needed';
import { SCALE_KEYS } from '../../src/engine/scale/names';
import { operationOf } from '../../src/engine/ssm/recorded-commands';
import type { CommandRunner } from '../../src/engine/ssm/run-command';
import { automationConfig, inspector, testEngine } from '../harness/engine';
import { BackupSsm } from '../harness/backup-ssm';
import { DUMP_FILE, MigrationSsm, SOURCE_COUNTS, type MigrationScenario } from '../harness/migration-ssm';
import { recordedBackup, type RecordedBackupFactory } from '../harness/recorded-backup';

/** One thing that happened: an AWS call (service:Operation), an AWS Backup call (recorded answers) or a Run Command script. */
interface Event {
  n: number;
  what: string;
  input?: unknown;
}

/**
 * Every AWS SDK call (moto), AWS Backup API call (recorded answers: moto has no jobs) and Run Command script
 * (recorded answers: moto runs nothing) the engine makes, numbered in one sequence, so the order across services
 * is asserted from what was really sent.
 */
class Sequence {
  readonly events: Event[] = [];

  add(what: string, input?: unknown): void {
    this.events.push({ n: this.events.length, what, input });
  }

  readonly instrument: ClientInstrument = (client, service) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        this.add(operationName(service, context), (args as { input: unknown }).input);
        return next(args);
      },
      // Once per call, before the SDK's retries.
      { step: 'initialize', name: 'geusemakerTestSequence' },
    );
  };

  /** Scripts as `run-command:<operation>`; the bootstrap pushed to the instance as run-command:bootstrap. */
  runner(inner: CommandRunner): CommandRunner {
    return {
      run: (instanceId, lines, options) => {
        const operation = operationOf(lines) ?? (lines.some((line) => line.includes('geusemaker-bootstrap')) ? 'bootstrap' : 'other');
        this.add(`run-command:${operation}`, { instanceId });
        return inner.run(instanceId, lines, options);
      },
    };
  }

  backup(inner: BackupApiFactory): BackupApiFactory {
    return (client, region) => new Proxy(inner(client, region), {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          this.add(`backup:${String(property)}`, args[0]);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  /** The first event matching, or a failure listing what happened. */
  first(what: string, where: (event: Event) => boolean = () => true): Event {
    const found = this.events.find((event) => event.what === what && where(event));
    assert.ok(found, `no ${what} among: ${this.mutations().join(', ')}`);
    return found;
  }

  all(what: string, where: (event: Event) => boolean = () => true): Event[] {
    return this.events.filter((event) => event.what === what && where(event));
  }

  /** What changed something (reads left out), for failure messages. */
  mutations(): string[] {
    return this.events.filter((event) => !/:(Describe|Get|List|describe|get|list)/.test(event.what)).map((event) => `${event.n} ${event.what}`);
  }
}

/** A stack's run: the engine with the recorded SSM answers (migration scripts; backup flush, health and bootstrap push) and AWS Backup. */
interface Run {
  engine: Engine;
  seq: Sequence;
  ssm: MigrationSsm;
  backups: RecordedBackupFactory;
}

function start(scenario: MigrationScenario): Run {
  const seq = new Sequence();
  const backups = recordedBackup();
  const ssm = new MigrationSsm(scenario, new BackupSsm(() => backups.in().calls.length).runner);
  const factory: SsmFactory = () => ({ runner: seq.runner(ssm.runner), agents: { status: async (instanceId) => ({ instanceId, pingStatus: 'Online' }) } });
  const engine = testEngine({ ssm: factory, backup: seq.backup(backups), instrument: seq.instrument });
  return { engine, seq, ssm, backups };
}

const SCALE = { n8nWorkers: { min: 1, max: 3 } };
const scaled = () => automationConfig({ scale: SCALE });
const MIGRATION = ['migrate-stop', 'migrate-dump', 'migrate-restore', 'migrate-count'];
const TOTAL_ROWS = Object.values(SOURCE_COUNTS).reduce((sum, rows) => sum + rows, 0);

/** The bootstrap script of a launch template version, as EC2 keeps it. */
async function userDataOf(templateId: string, version: string): Promise<string> {
  const aws = inspector();
  try {
    const out = await aws.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: [version] }));
    return gunzipSync(Buffer.from(out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.UserData ?? '', 'base64')).toString('utf8');
  } finally {
    aws.destroy();
  }
}

async function latestVersion(templateId: string): Promise<number | undefined> {
  const aws = inspector();
  try {
    const out = await aws.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['$Latest'] }));
    return out.LaunchTemplateVersions?.[0]?.VersionNumber;
  } finally {
    aws.destroy();
  }
}

async function rdsHost(): Promise<string> {
  const aws = inspector();
  try {
    const db = (await aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'gm-demo-db' }))).DBInstances?.[0];
    assert.ok(db?.Endpoint?.Address, 'RDS describes an endpoint');
    return db.Endpoint.Address;
  } finally {
    aws.destroy();
  }
}

async function workerGroups(): Promise<string[]> {
  const aws = inspector();
  try {
    const out = await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo-n8n-workers'] }));
    return (out.AutoScalingGroups ?? []).map((group) => group.AutoScalingGroupName ?? '');
  } finally {
    aws.destroy();
  }
}

/** n8n's compose service on the instance: in queue mode on RDS, or on the instance's own postgres container. */
function assertOnRds(script: string, host: string): void {
  assert.match(script, /EXECUTIONS_MODE: queue/);
  assert.match(script, new RegExp(`DB_POSTGRESDB_HOST: ${host.replaceAll('.', '\\.')}`));
  assert.doesNotMatch(script, /image: postgres/, 'no postgres container on the instance');
}

function assertOnInstance(script: string, host: string): void {
  assert.match(script, /image: postgres/, 'the postgres container still runs n8n\'s database');
  assert.doesNotMatch(script, new RegExp(host.replaceAll('.', '\\.')), 'nothing points at RDS');
  assert.doesNotMatch(script, /EXECUTIONS_MODE: queue/);
}

async function rejection(promise: Promise<unknown>): Promise<GeuseError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GeuseError) return error;
    throw error;
  }
  assert.fail('expected a GeuseError');
}

describe('turning scale on for an existing stack: PostgreSQL moves into RDS (moto; recorded SSM Run Command and AWS Backup answers)', function () {
  this.timeout(240_000);

  it('plans the move (backup first), then: backup, RDS, stop → dump → restore → count, and only then the launch template, the workers and the bootstrap on RDS; the journal records the move, and a change back off RDS is refused', async () => {
    const { engine, seq, ssm, backups } = start('success');
    try {
      const first = await engine.deploy(automationConfig());
      const templateId = first.state.resources['launch-template']!.id!;
      const before = first.state.resources['launch-template']!.attrs.version!;
      const instanceId = first.state.resources.instance!.id!;

      const plan = await engine.plan(scaled());
      const note = plan.notes?.find((each) => each.startsWith('PostgreSQL moves into RDS'));
      assert.ok(note, `the plan says PostgreSQL moves: ${(plan.notes ?? []).join(' | ')}`);
      assert.match(note, /^PostgreSQL moves into RDS: a backup of the file system first, then n8n stops, its database is dumped on the instance, restored into RDS and every table's rows are counted on both sides; only equal counts switch n8n to RDS\. Any difference starts n8n again on the instance's PostgreSQL and stops the deploy/);
      const steps = plan.items.map((item) => item.step);
      assert.equal(plan.items.find((item) => item.step === 'database-migration')?.action, 'create');
      assert.ok(steps.indexOf('database') < steps.indexOf('database-migration'), steps.join(', '));
      assert.deepEqual(ssm.operations.filter((op) => op.startsWith('migrate-')), [], 'planning runs nothing of the move');

      seq.events.length = 0;
      const second = await engine.deploy(scaled());
      const host = await rdsHost();

      // The backup: started and completed before n8n is stopped, tagged with why.
      const job = seq.first('backup:startBackupJob');
      const stop = seq.first('run-command:migrate-stop');
      assert.ok(job.n < stop.n, seq.mutations().join('\n'));
      assert.ok(Object.values((job.input as { recoveryPointTags: Record<string, string> }).recoveryPointTags).some((tag) => tag.includes('before moving PostgreSQL into RDS')));
      const completed = seq.all('backup:describeBackupJob').filter((event) => event.n < stop.n).length;
      assert.ok(completed >= 3, 'the job was waited for (CREATED, RUNNING, COMPLETED) before n8n stopped');
      assert.ok(seq.first('run-command:backup-flush').n < job.n, 'the flush comes first, as for any backup');

      // RDS exists before n8n stops; then the four steps in order, on the instance, with nothing in between started again.
      assert.ok(seq.first('rds:CreateDBInstance').n < stop.n);
      const migration = seq.events.filter((event) => event.what.startsWith('run-command:migrate-'));
      assert.deepEqual(migration.map((event) => event.what.slice('run-command:'.length)), MIGRATION, 'no start: n8n stays stopped until it is switched to RDS');
      assert.ok(migration.every((event) => (event.input as { instanceId: string }).instanceId === instanceId));
      const restore = ssm.of('migrate-restore')[0]!.lines.join('\n');
      assert.ok(restore.includes(`host=${host} port=5432 dbname=n8n user=n8n sslmode=require`), 'restores into the endpoint RDS describes');
      assert.ok(restore.includes(`FILE="$EFS/${DUMP_FILE}"`), 'restores the dump the dump step wrote');

      // Only after the counts agreed: the instance's new launch template version, the worker pool, the bootstrap pushed.
      const count = seq.first('run-command:migrate-count');
      const mainVersions = seq.all('ec2:CreateLaunchTemplateVersion', (event) => (event.input as { LaunchTemplateId?: string }).LaunchTemplateId === templateId);
      assert.equal(mainVersions.length, 1, seq.mutations().join('\n'));
      assert.ok(mainVersions[0]!.n > count.n, `the launch template switched at ${mainVersions[0]!.n}, the count ran at ${count.n}`);
      assert.ok(seq.first('autoscaling:CreateAutoScalingGroup', (event) => (event.input as { AutoScalingGroupName?: string }).AutoScalingGroupName === 'gm-demo-n8n-workers').n > count.n);
      assert.ok(seq.first('run-command:bootstrap').n > count.n, 'n8n is switched on the running instance after the count');

      const after = second.state.resources['launch-template']!.attrs.version!;
      assert.equal(Number(after), Number(before) + 1);
      assert.equal(await latestVersion(templateId), Number(after));
      assertOnRds(await userDataOf(templateId, after), host);
      assertOnInstance(await userDataOf(templateId, before), host);

      const attrs = (await engine.store.read('demo'))!.resources[SCALE_KEYS.database]!.attrs;
      assert.deepEqual(
        { rows: attrs[MIGRATION_ATTRS.rows], tables: attrs[MIGRATION_ATTRS.tables], into: attrs[MIGRATION_ATTRS.into], dump: attrs[MIGRATION_ATTRS.dump] },
        { rows: String(TOTAL_ROWS), tables: String(Object.keys(SOURCE_COUNTS).length), into: 'gm-demo-db', dump: DUMP_FILE },
      );
      assert.ok(Date.parse(attrs[MIGRATION_ATTRS.at] ?? '') >= Date.parse(second.state.createdAt));

      // A redeploy moves nothing again and takes no backup for it.
      seq.events.length = 0;
      await engine.deploy(scaled());
      assert.deepEqual(seq.all('run-command:migrate-stop'), []);
      assert.deepEqual(seq.all('backup:startBackupJob'), []);
      assert.equal(backups.in().calls.filter((call) => call.operation === 'StartBackupJob').length, 1);

      // Off RDS again: refused, nothing changed.
      for (const config of [automationConfig(), automationConfig({ scale: { ...SCALE, database: 'instance' } })]) {
        seq.events.length = 0;
        const refused = await rejection(engine.deploy(config));
        assert.equal(refused.code, 'DATABASE_CHANGE_REFUSED');
        assert.match(refused.message, /n8n's data of stack demo is in RDS \(gm-demo-db, moved there from the instance's PostgreSQL at /);
        assert.match(refused.nextStep, /pg_dump -Fc from RDS/);
        assert.deepEqual(seq.mutations(), [], 'refused before any change');
      }
      assert.equal((await engine.store.read('demo'))!.status, 'deployed');

      // The PostgreSQL password is RDS's master password now, and the queue's token is ElastiCache's: neither is rotated.
      const rotation = await engine.secrets.planRotation('demo');
      assert.ok(!rotation.secrets.includes('postgres'), rotation.secrets.join(', '));
      assert.match(rotation.notRotated.find((each) => each.name === 'postgres-password')?.reason ?? '', /master password of RDS database gm-demo-db/);
      assert.match(rotation.notRotated.find((each) => each.name === 'redis-auth-token')?.reason ?? '', /not automated yet/);
      const named = await rejection(engine.secrets.planRotation('demo', ['postgres']));
      assert.equal(named.code, 'SECRET_NOT_ROTATABLE');
    } finally {
      engine.dispose();
    }
  });

  it('counts that differ: the deploy fails naming the table, n8n is started again, the launch template is not switched and no worker pool is made; the next deploy moves it', async () => {
    const { engine, seq, ssm, backups } = start('mismatch');
    try {
      const first = await engine.deploy(automationConfig());
      const templateId = first.state.resources['launch-template']!.id!;
      const before = first.state.resources['launch-template']!.attrs.version!;

      seq.events.length = 0;
      const error = await rejection(engine.deploy(scaled()));
      assert.equal(error.code, 'MIGRATION_VERIFY_FAILED');
      assert.match(error.message, /public\.execution_entity \(1520 rows on the instance, 1519 on RDS\)/);
      assert.match(error.message, /n8n runs again on i-[0-9a-f]+'s own PostgreSQL/);
      assert.deepEqual(ssm.operations.filter((op) => op.startsWith('migrate-')), [...MIGRATION, 'migrate-start']);
      assert.equal(ssm.of('migrate-start')[0]!.cancellable, false, 'the rollback runs whatever a signal says');

      const host = await rdsHost();
      assert.deepEqual(seq.all('ec2:CreateLaunchTemplateVersion', (event) => (event.input as { LaunchTemplateId?: string }).LaunchTemplateId === templateId), []);
      assert.equal(await latestVersion(templateId), Number(before), 'the launch template keeps its version');
      assertOnInstance(await userDataOf(templateId, '$Latest'), host);
      assert.deepEqual(seq.all('run-command:bootstrap'), [], 'nothing switched n8n on the instance');
      assert.deepEqual(await workerGroups(), [], 'no workers run against a database without the data');
      const failed = (await engine.store.read('demo'))!;
      assert.equal(failed.status, 'deploy_failed');
      assert.equal(failed.config.scale, undefined, 'the applied configuration is still the one without scale');
      assert.equal(migrationRecord(failed), undefined);
      assert.equal(failed.resources[SCALE_KEYS.database]?.status, 'created', 'RDS stays for the next attempt');

      ssm.scenario = 'success';
      seq.events.length = 0;
      const done = await engine.deploy(scaled());
      assert.deepEqual(ssm.operations.filter((op) => op.startsWith('migrate-')), [...MIGRATION, 'migrate-start', ...MIGRATION]);
      assert.ok(seq.first('backup:startBackupJob').n < seq.first('run-command:migrate-stop').n, 'a new backup before the second attempt');
      assert.equal(backups.in().calls.filter((call) => call.operation === 'StartBackupJob').length, 2);
      assert.equal(migrationRecord(done.state)?.rows, TOTAL_ROWS);
      assert.equal(done.state.status, 'deployed');
      assertOnRds(await userDataOf(templateId, '$Latest'), host);
      assert.deepEqual(await workerGroups(), ['gm-demo-n8n-workers']);
    } finally {
      engine.dispose();
    }
  });
});
