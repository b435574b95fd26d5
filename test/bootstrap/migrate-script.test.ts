import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareCounts, parseStepOutput } from '../../src/engine/scale/migrate-output';
import { countScript, dumpScript, restoreScript, startScript, stopScript, type MigrationStep, type RestoreTarget } from '../../src/engine/scale/migrate-script';

/*
 * The migration scripts as SSM Run Command runs them, under dash (Debian's and Ubuntu's sh), on an instance's files
 * under a temporary root (GM_ROOT). `docker compose … exec -T postgres CMD` runs CMD here, as it would run in the
 * container, so the scripts' own shell (the password read from the first line of stdin, the dump streamed after it)
 * runs for real; pg_dump, pg_restore and psql are stand-ins that answer as the tools do and log what they were given.
 */

const SHELLCHECK = existsSync('/usr/bin/shellcheck') ? '/usr/bin/shellcheck' : 'shellcheck';
const PASSWORD = 'Rds-Pw_0123456789abcdefXYZ';
const DUMP_BYTES = 'PGDMP\u0001\u000e\u0000first line of the archive\nsecond line\u0000\u00ff binary tail\n';

const DOCKER = `#!/bin/sh
echo "docker $*" >>"$GM_ROOT/calls.log"
[ "$1" = compose ] || exit 1
shift
while [ $# -gt 0 ]; do case "$1" in --project-name|--env-file|-f) shift 2 ;; *) break ;; esac; done
case "$1" in
  stop) [ -z "\${FAKE_STOP_FAIL:-}" ] || { echo 'Error response from daemon: cannot stop container: permission denied' >&2; exit 1; }
        [ -n "\${FAKE_STILL_RUNNING:-}" ] || echo stopped >"$GM_ROOT/n8n.state" ;;
  start|up) echo running >"$GM_ROOT/n8n.state" ;;
  ps) echo postgres; [ "$(cat "$GM_ROOT/n8n.state" 2>/dev/null)" = stopped ] || echo n8n ;;
  exec) shift; [ "$1" = -T ] && shift; [ "$1" = postgres ] || exit 1; shift
        PATH="$CONTAINER_PATH" exec "$@" ;;
  *) exit 1 ;;
esac
`;

const AWS = `#!/bin/sh
echo "aws $*" >>"$GM_ROOT/calls.log"
case "$*" in
  *"ssm get-parameter"*"--with-decryption"*"--name /geusemaker/demo/postgres-password "*)
    [ -z "\${FAKE_AWS_FAIL:-}" ] || { echo 'An error occurred (AccessDeniedException) when calling the GetParameter operation: not authorized' >&2; exit 254; }
    printf '%s\\n' "$FAKE_PASSWORD" ;;
  *) exit 1 ;;
esac
`;

const CURL = `#!/bin/sh
echo "curl $*" >>"$GM_ROOT/calls.log"
[ -z "\${FAKE_HEALTH_FAIL:-}" ] || exit 7
`;

/** The postgres image's clients, as stand-ins: each logs its argv and what PGPASSWORD it got. */
const PG_DUMP = `#!/bin/sh
echo "pg_dump $*" >>"$GM_ROOT/calls.log"
[ -z "\${FAKE_DUMP_FAIL:-}" ] || { echo 'pg_dump: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: No such file or directory' >&2; exit 1; }
cat "$GM_ROOT/dump-bytes"
`;

const PG_RESTORE = `#!/bin/sh
echo "pg_restore $*" >>"$GM_ROOT/calls.log"
printf '%s' "\${PGPASSWORD:-}" >"$GM_ROOT/restore-password"
cat >"$GM_ROOT/restored"
[ -z "\${FAKE_RESTORE_FAIL:-}" ] || { printf '%s\\n' 'pg_restore: while PROCESSING TOC:' 'pg_restore: from TOC entry 215; 1259 16390 TABLE execution_entity n8n' 'pg_restore: error: could not execute query: ERROR:  could not extend file "base/16400/16527": No space left on device' 'pg_restore: warning: errors ignored on restore: 1' >&2; exit 1; }
`;

const PSQL = `#!/bin/sh
echo "psql $*" >>"$GM_ROOT/calls.log"
sql=$(cat)
case "$sql" in *'\\gexec'*) ;; *) echo 'psql: no \\gexec in the statement' >&2; exit 3 ;; esac
case "$*" in
  *host=*) printf '%s' "\${PGPASSWORD:-}" >"$GM_ROOT/count-password"; printf '%s\\n' "$FAKE_TARGET_COUNTS" ;;
  *) printf '%s\\n' "$FAKE_SOURCE_COUNTS" ;;
esac
`;

const COUNTS = '{ "public.execution_entity" : 1520, "public.user" : 1, "public.workflow_entity" : 12 }';
const TARGET: RestoreTarget = { stack: 'demo', region: 'us-east-1', host: 'gm-demo-db.c9akciq32.us-east-1.rds.amazonaws.com', port: 5432 };

interface Box {
  root: string;
  run(lines: string[], env?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
  calls(): string;
  read(file: string): string;
  dumps(): string[];
}

function tool(dir: string, name: string, text: string): void {
  writeFileSync(join(dir, name), text);
  chmodSync(join(dir, name), 0o755);
}

function instance(): Box {
  const root = mkdtempSync(join(tmpdir(), 'gm-migrate-'));
  for (const dir of ['etc/geusemaker', 'mnt/efs', 'bin', 'container-bin', 'tmp']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'etc/geusemaker/stack.env'), 'POSTGRES_PASSWORD=local\n');
  writeFileSync(join(root, 'dump-bytes'), DUMP_BYTES, 'latin1');
  tool(join(root, 'bin'), 'docker', DOCKER);
  tool(join(root, 'bin'), 'aws', AWS);
  tool(join(root, 'bin'), 'curl', CURL);
  tool(join(root, 'container-bin'), 'pg_dump', PG_DUMP);
  tool(join(root, 'container-bin'), 'pg_restore', PG_RESTORE);
  tool(join(root, 'container-bin'), 'psql', PSQL);
  const base = process.env.PATH ?? '/usr/bin:/bin';
  return {
    root,
    run: (lines, env = {}) => {
      const out = spawnSync('dash', ['-c', lines.join('\n')], {
        encoding: 'utf8', timeout: 30_000,
        env: {
          PATH: `${join(root, 'bin')}:${base}`, CONTAINER_PATH: `${join(root, 'container-bin')}:${base}`, GM_ROOT: root, TMPDIR: join(root, 'tmp'),
          FAKE_PASSWORD: PASSWORD, FAKE_SOURCE_COUNTS: COUNTS, FAKE_TARGET_COUNTS: COUNTS, GM_MIGRATE_TRIES: '2', GM_MIGRATE_SLEEP: '0', ...env,
        },
      });
      return { status: out.status, stdout: out.stdout, stderr: out.stderr };
    },
    calls: () => (existsSync(join(root, 'calls.log')) ? readFileSync(join(root, 'calls.log'), 'utf8') : ''),
    read: (file) => readFileSync(join(root, file), 'latin1'),
    dumps: () => (existsSync(join(root, 'mnt/efs/backups/migration')) ? readdirSync(join(root, 'mnt/efs/backups/migration')).sort() : []),
  };
}

function frame<S extends MigrationStep>(step: S, stdout: string) {
  return parseStepOutput(step, stdout);
}

describe('the database migration scripts under dash (stand-in docker, aws and PostgreSQL clients)', () => {
  const boxes: string[] = [];
  const box = () => {
    const made = instance();
    boxes.push(made.root);
    return made;
  };
  after(() => { for (const root of boxes) rmSync(root, { recursive: true, force: true }); });

  it('every script passes shellcheck as POSIX sh', () => {
    for (const lines of [stopScript(), dumpScript(), restoreScript(TARGET, 'backups/migration/n8n-20261207T101500Z.dump'), countScript(TARGET), startScript()]) {
      const check = spawnSync(SHELLCHECK, ['-s', 'sh', '-'], { input: lines.join('\n'), encoding: 'utf8' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
    }
  });

  it('stop: docker compose stops n8n of the stack\'s compose project and checks it is no longer running', () => {
    const instanceBox = box();
    const out = frame('stop', instanceBox.run(stopScript()).stdout);
    assert.deepEqual(out, { ok: true, done: { step: 'stop', ok: true } });
    assert.match(instanceBox.calls(), /^docker compose --project-name geusemaker --env-file \S+\/etc\/geusemaker\/stack\.env -f \S+\/etc\/geusemaker\/docker-compose\.yml stop n8n$/m);
    const still = box();
    const failed = frame('stop', still.run(stopScript(), { FAKE_STILL_RUNNING: '1' }).stdout);
    assert.deepEqual(failed, { ok: false, words: 'n8n is still running after docker compose stop n8n' });
  });

  it('dump: pg_dump -Fc of n8n lands on EFS whole under its final name, and only the newest two dumps stay', () => {
    const instanceBox = box();
    mkdirSync(join(instanceBox.root, 'mnt/efs/backups/migration'), { recursive: true });
    for (const stamp of ['20250101T000000Z', '20250102T000000Z']) writeFileSync(join(instanceBox.root, `mnt/efs/backups/migration/n8n-${stamp}.dump`), 'old');
    const out = frame('dump', instanceBox.run(dumpScript()).stdout);
    assert.ok(out.ok, JSON.stringify(out));
    assert.match(out.done.file, /^backups\/migration\/n8n-\d{8}T\d{6}Z\.dump$/);
    assert.equal(instanceBox.read(`mnt/efs/${out.done.file}`), DUMP_BYTES, 'byte for byte what pg_dump wrote');
    assert.equal(out.done.bytes, Buffer.byteLength(DUMP_BYTES, 'latin1'));
    assert.deepEqual(instanceBox.dumps(), ['n8n-20250102T000000Z.dump', out.done.file.split('/').pop()], 'no temporary file, the oldest pruned');
    assert.match(instanceBox.calls(), /exec -T postgres pg_dump -U n8n -Fc -d n8n$/m);
  });

  it('dump: a failing pg_dump leaves no partial file and says why', () => {
    const instanceBox = box();
    const out = frame('dump', instanceBox.run(dumpScript(), { FAKE_DUMP_FAIL: '1' }).stdout);
    assert.equal(out.ok, false);
    assert.match(out.ok ? '' : out.words, /^pg_dump of n8n failed: pg_dump: error: connection to server on socket/);
    assert.deepEqual(instanceBox.dumps(), []);
  });

  it('restore: pg_restore gets the password from Parameter Store as PGPASSWORD and the dump byte for byte, and the password is on no command line', () => {
    const instanceBox = box();
    const file = 'backups/migration/n8n-20261207T101500Z.dump';
    mkdirSync(join(instanceBox.root, 'mnt/efs/backups/migration'), { recursive: true });
    writeFileSync(join(instanceBox.root, 'mnt/efs', file), DUMP_BYTES, 'latin1');
    const out = frame('restore', instanceBox.run(restoreScript(TARGET, file)).stdout);
    assert.deepEqual(out, { ok: true, done: { step: 'restore', ok: true } });
    assert.equal(instanceBox.read('restore-password'), PASSWORD);
    assert.equal(instanceBox.read('restored'), DUMP_BYTES, 'reading the password line took nothing of the dump');
    const calls = instanceBox.calls();
    assert.match(calls, /^pg_restore --no-owner --no-privileges --clean --if-exists --dbname host=gm-demo-db\.c9akciq32\.us-east-1\.rds\.amazonaws\.com port=5432 dbname=n8n user=n8n sslmode=require connect_timeout=20$/m);
    assert.match(calls, /^aws ssm get-parameter --region us-east-1 --with-decryption --name \/geusemaker\/demo\/postgres-password /m);
    assert.ok(!calls.includes(PASSWORD), 'no command line carried the password');
    assert.deepEqual(readdirSync(join(instanceBox.root, 'tmp')), [], 'the file the password was read into is gone');
  });

  it('restore: pg_restore\'s failed statements are the step\'s words; an unreadable parameter is named', () => {
    const instanceBox = box();
    const file = 'backups/migration/n8n-20261207T101500Z.dump';
    mkdirSync(join(instanceBox.root, 'mnt/efs/backups/migration'), { recursive: true });
    writeFileSync(join(instanceBox.root, 'mnt/efs', file), DUMP_BYTES, 'latin1');
    const failed = frame('restore', instanceBox.run(restoreScript(TARGET, file), { FAKE_RESTORE_FAIL: '1' }).stdout);
    assert.equal(failed.ok, false);
    assert.match(failed.ok ? '' : failed.words, /^pg_restore into RDS failed: pg_restore: error: could not execute query: ERROR: {2}could not extend file "base\/16400\/16527": No space left on device/);
    const denied = frame('restore', instanceBox.run(restoreScript(TARGET, file), { FAKE_AWS_FAIL: '1' }).stdout);
    assert.equal(denied.ok, false);
    assert.match(denied.ok ? '' : denied.words, /^cannot read \/geusemaker\/demo\/postgres-password from Parameter Store: An error occurred \(AccessDeniedException\)/);
    const missing = frame('restore', instanceBox.run(restoreScript(TARGET, 'backups/migration/n8n-20990101T000000Z.dump')).stdout);
    assert.match(missing.ok ? '' : missing.words, /the dump \S+n8n-20990101T000000Z\.dump is missing or empty/);
  });

  it('count: both sides counted by psql\'s \\gexec, RDS with the password from Parameter Store, parsed into equal counts', () => {
    const instanceBox = box();
    const out = frame('count', instanceBox.run(countScript(TARGET)).stdout);
    assert.ok(out.ok, JSON.stringify(out));
    assert.deepEqual(out.done.source, { 'public.execution_entity': 1520, 'public.user': 1, 'public.workflow_entity': 12 });
    assert.deepEqual(compareCounts(out.done.source, out.done.target), []);
    assert.equal(instanceBox.read('count-password'), PASSWORD);
    assert.match(instanceBox.calls(), /^psql -U n8n -d n8n -AtX -v ON_ERROR_STOP=1$/m, 'the instance side over the container\'s socket');
    assert.ok(!instanceBox.calls().includes(PASSWORD));
    const differ = frame('count', instanceBox.run(countScript(TARGET), { FAKE_TARGET_COUNTS: '{ "public.execution_entity" : 1519, "public.user" : 1 }' }).stdout);
    assert.ok(differ.ok);
    assert.deepEqual(compareCounts(differ.done.source, differ.done.target), [
      { table: 'public.execution_entity', instance: 1520, rds: 1519 },
      { table: 'public.workflow_entity', instance: 12, rds: undefined },
    ]);
  });

  it('start (the rollback): n8n is started and answers /healthz; one that never answers is a failure', () => {
    const instanceBox = box();
    assert.deepEqual(frame('start', instanceBox.run(startScript()).stdout), { ok: true, done: { step: 'start', ok: true } });
    assert.match(instanceBox.calls(), / start n8n$/m);
    assert.match(instanceBox.calls(), /^curl -fsS -o \/dev\/null -m 5 http:\/\/127\.0\.0\.1:5678\/healthz$/m);
    const silent = frame('start', box().run(startScript(), { FAKE_HEALTH_FAIL: '1' }).stdout);
    assert.deepEqual(silent, { ok: false, words: 'n8n was started but did not answer http://127.0.0.1:5678/healthz' });
  });

  it('words with quotes, backslashes and newlines still make a frame the engine reads', () => {
    const instanceBox = box();
    writeFileSync(join(instanceBox.root, 'container-bin/pg_dump'), '#!/bin/sh\nprintf \'%s\\n\' \'pg_dump: error: query failed: ERROR:  relation "a\\b" does not exist\' \'LINE 1: \tselect\' >&2\nexit 1\n');
    const out = frame('dump', instanceBox.run(dumpScript()).stdout);
    assert.equal(out.ok, false);
    assert.equal(out.ok ? '' : out.words, 'pg_dump of n8n failed: pg_dump: error: query failed: ERROR:  relation "a\\b" does not exist LINE 1:  select');
  });
});
