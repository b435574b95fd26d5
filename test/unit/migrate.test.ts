import assert from 'node:assert/strict';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../../src/engine/aws/clients';
import { DEFAULT_TIMING, type StepContext } from '../../src/engine/context';
import { newStackState } from '../../src/engine/deploy';
import { GeuseError } from '../../src/engine/errors';
import { migrateIntoRds, migrationNeeded, migrationRecord, MIGRATION_ATTRS } from '../../src/engine/scale/migrate';
import { SCALE_KEYS } from '../../src/engine/scale/names';
import type { StackConfig } from '../../src/engine/stack/config';
import { Journal } from '../../src/engine/state/journal';
import type { StackState } from '../../src/engine/state/schema';
import { devConfig, inspector } from '../harness/engine';
import { DUMP_FILE, MigrationSsm, SOURCE_COUNTS, type MigrationScenario } from '../harness/migration-ssm';

const INSTANCE = 'i-0123456789abcdef0';
const HOST = 'gm-demo-db.c9akciq32.us-east-1.rds.amazonaws.com';
const DB_ID = 'gm-demo-db';
const PASSWORD = 'Pg-secret_value-Z9x8c7v6b5n4m3';

/** A stack applied without scale (n8n on the instance's PostgreSQL), its RDS database just made by this deploy. */
function appliedStack(): StackState {
  const state = newStackState(devConfig());
  state.status = 'deployed';
  const at = '2026-12-07T10:00:00.000Z';
  state.resources.instance = { key: 'instance', kind: 'instance', status: 'created', id: INSTANCE, attrs: { group: 'gm-demo' }, external: false, updatedAt: at };
  state.resources[SCALE_KEYS.database] = {
    key: SCALE_KEYS.database, kind: 'database', status: 'created', id: DB_ID, attrs: { endpoint: `${HOST}:5432`, createdAt: at }, external: false, updatedAt: at,
  };
  return state;
}

const wanted = (): StackConfig => devConfig({ scale: {} });

interface Run {
  ssm: MigrationSsm;
  journal: Journal;
  notes: string[];
  waits: string[];
  /** The database record's attrs as the journal held them when each script reached the instance. */
  attrsAt: Record<string, Record<string, string>>;
  ctx: StepContext;
}

function setUp(scenario: MigrationScenario, options: { signal?: AbortSignal; clients?: AwsClients } = {}): Run {
  const state = appliedStack();
  state.pending = { config: wanted(), startedAt: '2026-12-07T10:00:00.000Z', summary: [] };
  const journal = new Journal({ write: async () => undefined }, state);
  const ssm = new MigrationSsm(scenario);
  const notes: string[] = [];
  const waits: string[] = [];
  const attrsAt: Record<string, Record<string, string>> = {};
  ssm.onRun = (command) => { attrsAt[command.operation] = { ...journal.record(SCALE_KEYS.database)?.attrs }; };
  const ctx: StepContext = {
    clients: options.clients ?? inspector(), config: wanted(), stack: 'demo', stackId: state.stackId, journal, runner: ssm.runner,
    origin: { host: 'test-host', createdAt: state.createdAt, region: 'us-east-1' },
    facts: { accountId: '123456789012', architecture: 'x86_64', amiId: 'ami-0123456789abcdef0', rootDeviceName: '/dev/xvda', zones: ['us-east-1a', 'us-east-1b'] },
    timing: DEFAULT_TIMING,
    report: { signal: options.signal, waiting: (what) => waits.push(what), note: async (message) => { notes.push(message); } },
  };
  return { ssm, journal, notes, waits, attrsAt, ctx };
}

const target = { host: HOST, port: 5432, instanceId: INSTANCE };

async function failure(promise: Promise<unknown>): Promise<GeuseError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GeuseError, `not a GeuseError: ${String(error)}`);
    return error;
  }
  assert.fail('the migration did not fail');
}

/** Every script, as one text: what SendCommand would carry into SSM's command history. */
const commandText = (ssm: MigrationSsm) => ssm.ran.map((each) => each.lines.join('\n')).join('\n');

describe('moving an existing stack\'s PostgreSQL into RDS (recorded SSM Run Command answers)', () => {
  it('stops n8n, dumps, restores into RDS and counts both sides, in that order, and journals the move only after the counts agree', async () => {
    const run = setUp('success');
    const result = await migrateIntoRds(run.ctx, target);
    assert.deepEqual(run.ssm.operations, ['migrate-stop', 'migrate-dump', 'migrate-restore', 'migrate-count'], 'n8n is not started again: the deploy switches it to RDS next');
    assert.ok(run.ssm.ran.every((each) => each.instanceId === INSTANCE));
    for (const step of ['migrate-stop', 'migrate-dump', 'migrate-restore', 'migrate-count']) {
      assert.equal(run.attrsAt[step]?.[MIGRATION_ATTRS.at], undefined, `nothing says the data is in RDS while ${step} runs`);
    }
    const restore = run.ssm.of('migrate-restore')[0]!.lines.join('\n');
    assert.match(restore, new RegExp(`host=${HOST.replaceAll('.', '\\.')} port=5432 dbname=n8n user=n8n sslmode=require`));
    assert.ok(restore.includes(`FILE="$EFS/${DUMP_FILE}"`), 'restores the dump the dump step wrote');
    assert.match(restore, /pg_restore --no-owner --no-privileges --clean --if-exists/);
    assert.equal(result.tables, Object.keys(SOURCE_COUNTS).length);
    assert.equal(result.rows, Object.values(SOURCE_COUNTS).reduce((a, b) => a + b, 0));
    assert.deepEqual(result.counts, SOURCE_COUNTS);
    const record = migrationRecord(run.journal.state);
    assert.deepEqual(record && { rows: record.rows, tables: record.tables, into: record.into }, { rows: result.rows, tables: result.tables, into: DB_ID });
    assert.equal(run.journal.record(SCALE_KEYS.database)?.attrs.endpoint, `${HOST}:5432`, 'the database record keeps its other attrs');
    assert.equal(migrationNeeded(run.journal.state, wanted()), false, 'a later deploy does not move the data again');
    assert.ok(run.notes.some((note) => note.includes(`Moved ${result.tables} tables (${result.rows} rows)`)), run.notes.join('\n'));
    assert.ok(run.waits.some((what) => what.includes('pg_restore')), 'progress says what it waits for');
  });

  it('different row counts start n8n again on the instance and fail naming the table and both counts', async () => {
    const run = setUp('mismatch');
    const error = await failure(migrateIntoRds(run.ctx, target));
    assert.equal(error.code, 'MIGRATION_VERIFY_FAILED');
    assert.match(error.message, /public\.execution_entity \(1520 rows on the instance, 1519 on RDS\)/);
    assert.doesNotMatch(error.message, /public\.workflow_entity/, 'only the tables that differ are named');
    assert.match(error.message, /n8n runs again on i-0123456789abcdef0's own PostgreSQL/);
    assert.match(error.nextStep, /Deploy again/);
    assert.deepEqual(run.ssm.operations, ['migrate-stop', 'migrate-dump', 'migrate-restore', 'migrate-count', 'migrate-start']);
    assert.equal(run.ssm.of('migrate-start')[0]!.cancellable, false);
    assert.equal(migrationRecord(run.journal.state), undefined);
    assert.equal(migrationNeeded(run.journal.state, wanted()), true, 'the next deploy tries the move again');
    // Nothing on the instance is deleted: the only files removed are the scripts' own temporary ones and older migration dumps.
    const removals = commandText(run.ssm).split('\n').flatMap((line) => [...line.matchAll(/\brm -r?f ("\$[A-Za-z_]+")/g)].map((match) => match[1]));
    assert.deepEqual([...new Set(removals)].sort(), ['"$T"', '"$gm_tmp"', '"$old"']);
    assert.doesNotMatch(commandText(run.ssm), /compose[^\n]* down|docker (rm|volume)|mnt\/efs\/postgres/);
  });

  it('a failure mid-restore starts n8n again and fails at step restore with pg_restore\'s own words', async () => {
    const run = setUp('restore-fails');
    const error = await failure(migrateIntoRds(run.ctx, target));
    assert.equal(error.code, 'MIGRATION_FAILED');
    assert.match(error.message, /failed at step restore: pg_restore into RDS failed: .*No space left on device/);
    assert.match(error.nextStep, /security group sg-database/);
    assert.deepEqual(run.ssm.operations, ['migrate-stop', 'migrate-dump', 'migrate-restore', 'migrate-start']);
    assert.equal(migrationRecord(run.journal.state), undefined);
  });

  it('SSM failing a step (a timed-out command) is a failed step too, and n8n is started again', async () => {
    const run = setUp('success');
    run.ssm.onRun = (command) => {
      if (command.operation === 'migrate-dump') {
        throw new GeuseError({ code: 'SSM_COMMAND_TIMED_OUT', kind: 'transient', message: `The command ran out of time on ${INSTANCE} (command 1) (ExecutionTimedOut).`, nextStep: 'x' });
      }
    };
    const error = await failure(migrateIntoRds(run.ctx, target));
    assert.equal(error.code, 'MIGRATION_FAILED');
    assert.match(error.message, /at step dump: pg_dump of database n8n onto EFS failed: The command ran out of time/);
    assert.deepEqual(run.ssm.operations, ['migrate-stop', 'migrate-dump', 'migrate-start']);
  });

  it('cancelled after n8n stopped: n8n is started again (not cancellable) and the error says it was cancelled', async () => {
    const controller = new AbortController();
    const run = setUp('success', { signal: controller.signal });
    run.ssm.onRun = (command) => { if (command.operation === 'migrate-dump') controller.abort(); };
    const error = await failure(migrateIntoRds(run.ctx, target));
    assert.equal(error.kind, 'cancelled');
    assert.equal(error.code, 'CANCELLED');
    assert.match(error.message, /cancelled; n8n runs again on i-0123456789abcdef0's own PostgreSQL/);
    assert.deepEqual(run.ssm.operations, ['migrate-stop', 'migrate-dump', 'migrate-start']);
    assert.equal(run.ssm.of('migrate-start')[0]!.cancellable, false, 'the rollback runs whatever the signal says');
    assert.equal(migrationRecord(run.journal.state), undefined);
  });

  it('cancelled before it began: nothing runs on the instance', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = setUp('success', { signal: controller.signal });
    const error = await failure(migrateIntoRds(run.ctx, target));
    assert.equal(error.kind, 'cancelled');
    assert.deepEqual(run.ssm.operations, []);
  });

  it('n8n not coming back on the rollback is MIGRATION_NOT_ROLLED_BACK, saying how to start it', async () => {
    const run = setUp('mismatch');
    run.ssm.failStart = true;
    const error = await failure(migrateIntoRds(run.ctx, target));
    assert.equal(error.code, 'MIGRATION_NOT_ROLLED_BACK');
    assert.match(error.message, /failed \(row counts differ in 1 table\(s\)\), and starting n8n again on i-0123456789abcdef0 failed too: n8n was started but did not answer/);
    assert.match(error.nextStep, /geusemaker restart demo n8n/);
  });

  it('no secret value is in any command: the instance reads the password from Parameter Store by name', async () => {
    const clients = inspector();
    await clients.ssm.send(new PutParameterCommand({ Name: '/geusemaker/demo/postgres-password', Type: 'SecureString', Value: PASSWORD }));
    for (const scenario of ['success', 'mismatch'] as const) {
      const run = setUp(scenario, { clients });
      await migrateIntoRds(run.ctx, target).catch(() => undefined);
      const text = commandText(run.ssm);
      assert.ok(!text.includes(PASSWORD), `a ${scenario} migration puts no password in a command`);
      assert.ok(!run.ssm.ran.some((each) => each.comment.includes(PASSWORD)));
      assert.match(text, /aws ssm get-parameter --region "\$REGION" --with-decryption --name "\$PARAM"/);
      assert.match(text, /PARAM='\/geusemaker\/demo\/postgres-password'/);
      assert.doesNotMatch(text, /\{\{/, 'no double brace: SSM would resolve it');
    }
  });
});

describe('whether a stack\'s PostgreSQL must move into RDS', () => {
  it('an applied stack turning scale on with database rds: yes, until the journal says it moved into this database', () => {
    const state = appliedStack();
    assert.equal(migrationNeeded(state, wanted()), true);
    assert.equal(migrationNeeded(state, devConfig({ scale: { database: 'instance' } })), false, 'database: instance keeps it where it is');
    assert.equal(migrationNeeded(state, devConfig()), false, 'no scale');
    state.resources[SCALE_KEYS.database]!.attrs = { ...state.resources[SCALE_KEYS.database]!.attrs, [MIGRATION_ATTRS.at]: '2026-12-07T10:30:00.000Z', [MIGRATION_ATTRS.into]: DB_ID };
    assert.equal(migrationNeeded(state, wanted()), false);
    // Journal.created merges attrs, so a database made anew under the same key would carry the old attrs: the id tells.
    state.resources[SCALE_KEYS.database]!.id = 'gm-demo-db-made-again';
    assert.equal(migrationNeeded(state, wanted()), true);
  });

  it('a new stack with scale from its first deploy starts on RDS: nothing to move', () => {
    const state = newStackState(wanted());
    assert.equal(migrationNeeded(state, wanted()), false);
    state.resources.instance = { ...appliedStack().resources.instance! };
    assert.equal(migrationNeeded(state, wanted()), false, 'state.config of a stack never applied is the wanted one');
  });

  it('an applied stack that never had an instance has no data to move', () => {
    const state = appliedStack();
    delete state.resources.instance;
    assert.equal(migrationNeeded(state, wanted()), false);
  });
});
