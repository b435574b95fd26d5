import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareCounts, parseStepOutput, type StepDone } from '../../src/engine/scale/migrate-output';
import { countScript, dumpScript, restoreScript, stopScript, type MigrationStep, type RestoreTarget } from '../../src/engine/scale/migrate-script';

/*
 * The migration scripts against real PostgreSQL servers: one plays the instance's container (reached over its
 * socket, as `docker compose exec postgres psql -U n8n` is), the other RDS (TCP, SSL only, scram password
 * authentication, so a connection proves sslmode=require and the password read from Parameter Store both work).
 * `docker compose … exec -T postgres CMD` runs CMD here with the servers' own pg_dump, pg_restore and psql; aws
 * is a stand-in for Parameter Store. Needs PostgreSQL's server binaries (Debian: postgresql); without them the
 * suite says so and is skipped.
 */

const PASSWORD = 'Rds-Pw_0123456789abcdefXYZ';

function binDir(): string | undefined {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [fromConfig.status === 0 ? fromConfig.stdout.trim() : '', ...(existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`) : [])];
  return candidates.find((dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'pg_restore')));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const DOCKER = `#!/bin/sh
echo "docker $*" >>"$GM_ROOT/calls.log"
[ "$1" = compose ] || exit 1
shift
while [ $# -gt 0 ]; do case "$1" in --project-name|--env-file|-f) shift 2 ;; *) break ;; esac; done
case "$1" in
  stop) echo stopped >"$GM_ROOT/n8n.state" ;;
  start) echo running >"$GM_ROOT/n8n.state" ;;
  ps) echo postgres ;;
  exec) shift; [ "$1" = -T ] && shift; [ "$1" = postgres ] || exit 1; shift
        echo "container $*" >>"$GM_ROOT/calls.log"
        PATH="$CONTAINER_PATH" exec "$@" ;;
  *) exit 1 ;;
esac
`;

const AWS = `#!/bin/sh
echo "aws $*" >>"$GM_ROOT/calls.log"
case "$*" in *"--name /geusemaker/demo/postgres-password "*) printf '%s\\n' "$FAKE_PASSWORD" ;; *) exit 1 ;; esac
`;

const SCHEMA = `
CREATE TABLE "user" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email varchar(255) UNIQUE, "firstName" text);
CREATE TABLE workflow_entity (id varchar(36) PRIMARY KEY, name varchar(128) NOT NULL, nodes json, active boolean DEFAULT false);
CREATE TABLE execution_entity (id serial PRIMARY KEY, "workflowId" varchar(36) REFERENCES workflow_entity(id) ON DELETE CASCADE, finished boolean, "startedAt" timestamptz);
CREATE INDEX idx_execution_workflow ON execution_entity ("workflowId", id);
CREATE TABLE "WorkflowTags" (tag text);
CREATE TABLE empty_table (id int);
INSERT INTO "user" (email, "firstName") SELECT 'u' || i || '@demo.local', 'Name ' || i FROM generate_series(1, 3) i;
INSERT INTO workflow_entity SELECT 'wf-' || i, 'Workflow ' || i, '[{"type":"n8n-nodes-base.start"}]', i % 2 = 0 FROM generate_series(1, 12) i;
INSERT INTO execution_entity ("workflowId", finished, "startedAt") SELECT 'wf-' || (1 + i % 12), true, now() FROM generate_series(1, 1500) i;
INSERT INTO "WorkflowTags" VALUES ('a'), ('b');
`;

describe('the database migration scripts against real PostgreSQL servers (the instance\'s and an SSL-only, password-only stand-in for RDS)', function () {
  const bin = binDir();
  const root = mkdtempSync(join(tmpdir(), 'gm-migrate-pg-'));
  let asPostgres: (args: string[], options?: SpawnSyncOptions) => void = () => undefined;
  let source = { socket: '', port: 0 };
  let target: RestoreTarget = { stack: 'demo', region: 'us-east-1', host: '127.0.0.1', port: 0 };
  const started: string[] = [];

  before(async function () {
    if (!bin) {
      console.log('      PostgreSQL server binaries (initdb, pg_ctl) are not installed: skipped. Debian: apt-get install postgresql');
      this.skip();
    }
    this.timeout(120_000);
    const root0 = process.getuid?.() === 0;
    asPostgres = (args, options = {}) => {
      const [command, ...rest] = root0 ? ['runuser', '-u', 'postgres', '--', ...args] : args;
      const out = spawnSync(command!, rest, { encoding: 'utf8', timeout: 60_000, ...options });
      assert.equal(out.status, 0, `${args.join(' ')}: ${String(out.stdout)}${String(out.stderr)}`);
    };
    const sockets = join(root, 'sockets');
    for (const dir of ['etc/geusemaker', 'mnt/efs', 'bin', 'tmp', 'sockets']) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'pwfile'), `${PASSWORD}\n`);
    if (root0) spawnSync('chown', ['-R', 'postgres', root]);
    chmodSync(root, 0o755);
    source = { socket: sockets, port: await freePort() };
    target = { ...target, port: await freePort() };
    for (const [name, port, tcp] of [['instance', source.port, false], ['rds', target.port, true]] as const) {
      const data = join(root, name);
      asPostgres([join(bin!, 'initdb'), '-D', data, '-U', 'n8n', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${join(root, 'pwfile')}`]);
      const options = [`-c unix_socket_directories=${sockets}`, `-p ${port}`, `-c listen_addresses=${tcp ? '127.0.0.1' : "''"}`];
      if (tcp) {
        // RDS admits only SSL connections with the password: a client that sends neither is refused.
        writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n');
        asPostgres(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(data, 'server.key'), '-out', join(data, 'server.crt'), '-subj', '/CN=localhost', '-days', '1']);
        asPostgres(['chmod', '600', join(data, 'server.key')]);
        options.push('-c ssl=on');
      }
      asPostgres([join(bin!, 'pg_ctl'), '-D', data, '-l', join(root, `${name}.log`), '-w', '-o', options.join(' '), 'start']);
      started.push(data);
      asPostgres([join(bin!, 'createdb'), '-h', sockets, '-p', String(port), '-U', 'n8n', 'n8n']);
    }
    asPostgres([join(bin!, 'psql'), '-h', sockets, '-p', String(source.port), '-U', 'n8n', '-d', 'n8n', '-v', 'ON_ERROR_STOP=1', '-q', '-c', SCHEMA]);
    writeFileSync(join(root, 'bin/docker'), DOCKER);
    writeFileSync(join(root, 'bin/aws'), AWS);
    chmodSync(join(root, 'bin/docker'), 0o755);
    chmodSync(join(root, 'bin/aws'), 0o755);
  });

  after(function () {
    this.timeout(60_000);
    for (const data of started) {
      const stop = [join(bin!, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'];
      if (process.getuid?.() === 0) spawnSync('runuser', ['-u', 'postgres', '--', ...stop]);
      else spawnSync(stop[0]!, stop.slice(1));
    }
    rmSync(root, { recursive: true, force: true });
  });

  function run<S extends MigrationStep>(step: S, lines: string[]): StepDone<S> {
    const out = spawnSync('dash', ['-c', lines.join('\n')], {
      encoding: 'utf8', timeout: 60_000,
      env: {
        PATH: `${join(root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, CONTAINER_PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        GM_ROOT: root, TMPDIR: join(root, 'tmp'), FAKE_PASSWORD: PASSWORD,
        // What the container's clients reach without a host: the instance's server over its socket.
        PGHOST: source.socket, PGPORT: String(source.port),
      },
    });
    const parsed = parseStepOutput(step, out.stdout);
    assert.ok(parsed.ok, `${step}: ${parsed.ok ? '' : parsed.words}\n${out.stderr}`);
    return parsed.done;
  }

  function onRds(sql: string): string {
    const out = spawnSync(join(bin!, 'psql'), [`host=127.0.0.1 port=${target.port} dbname=n8n user=n8n sslmode=require`, '-AtX', '-c', sql], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: PASSWORD } });
    assert.equal(out.status, 0, out.stderr);
    return out.stdout.trim();
  }

  it('dump, restore into the SSL-only server with the password from Parameter Store, and exact counts that agree', function () {
    this.timeout(60_000);
    run('stop', stopScript());
    const dump = run('dump', dumpScript());
    assert.ok(readFileSync(join(root, 'mnt/efs', dump.file)).subarray(0, 5).equals(Buffer.from('PGDMP')), 'a custom-format archive');
    run('restore', restoreScript(target, dump.file));
    const counts = run('count', countScript(target));
    assert.deepEqual(counts.source, { 'public.WorkflowTags': 2, 'public.empty_table': 0, 'public.execution_entity': 1500, 'public.user': 3, 'public.workflow_entity': 12 });
    assert.deepEqual(compareCounts(counts.source, counts.target), []);
    // Not only rows: the index, the foreign key and the sequence came along.
    assert.equal(onRds("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_execution_workflow'"), '1');
    assert.equal(onRds("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'execution_entity'::regclass"), '1');
    assert.equal(onRds('SELECT last_value FROM execution_entity_id_seq'), '1500');
    // The stand-in refuses what RDS would: so the script's connections were SSL ones, with the password.
    const plain = spawnSync(join(bin!, 'psql'), [`host=127.0.0.1 port=${target.port} dbname=n8n user=n8n sslmode=disable`, '-c', 'SELECT 1'], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: PASSWORD } });
    assert.match(plain.stderr, /no pg_hba\.conf entry .* no encryption/);
    const noPassword = spawnSync(join(bin!, 'psql'), [`host=127.0.0.1 port=${target.port} dbname=n8n user=n8n sslmode=require`, '-w', '-c', 'SELECT 1'], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: '' } });
    assert.notEqual(noPassword.status, 0);
    const calls = readFileSync(join(root, 'calls.log'), 'utf8');
    assert.ok(!calls.includes(PASSWORD), 'the password was on no command line');
    assert.deepEqual(readdirSync(join(root, 'tmp')), [], 'the file the password was read into is gone');
  });

  it('a repeated restore replaces what an earlier attempt left, and a row missing on RDS shows in the counts', function () {
    this.timeout(60_000);
    const dump = run('dump', dumpScript());
    onRds('INSERT INTO "WorkflowTags" VALUES (\'left by an earlier attempt\')');
    run('restore', restoreScript(target, dump.file));
    assert.deepEqual(compareCounts(run('count', countScript(target)).source, run('count', countScript(target)).target), []);
    onRds('DELETE FROM execution_entity WHERE id = 7');
    const counts = run('count', countScript(target));
    assert.deepEqual(compareCounts(counts.source, counts.target), [{ table: 'public.execution_entity', instance: 1500, rds: 1499 }]);
  });
});
