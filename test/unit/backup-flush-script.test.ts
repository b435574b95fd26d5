import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeuseError } from '../../src/engine/errors';
import { flushOnInstance, parseFlushOutput } from '../../src/engine/backup/flush';
import { flushScript, type FlushServices } from '../../src/engine/backup/flush-script';
import type { CommandRunner } from '../../src/engine/ssm/run-command';

/**
 * The flush script as SSM Run Command runs it (under sh), on an instance's files under a temporary root, with docker
 * and curl replaced by stand-ins that answer as PostgreSQL's tools and Qdrant's API do and log what they were asked.
 */
const DOCKER = `#!/bin/sh
echo "docker $*" >>"$GM_ROOT/calls.log"
for a in "$@"; do last="$a"; done
case " $* " in
  *" psql "*) [ -n "\${GM_FAKE_LIST_FAIL:-}" ] && { echo 'psql: error: connection refused' >&2; exit 2; }; for db in $GM_FAKE_DBS; do echo "$db"; done ;;
  *" pg_dump "*) [ "$last" = "\${GM_FAKE_DUMP_FAIL:-}" ] && { echo "pg_dump: error: connection to database \\"$last\\" failed" >&2; exit 1; }; printf 'PGDMP-custom-format-%s' "$last" ;;
  *) exit 1 ;;
esac
`;

const CURL = `#!/bin/sh
echo "curl $*" >>"$GM_ROOT/calls.log"
out=''; method=GET; url=''; config=''
while [ $# -gt 0 ]; do
  case "$1" in -o) out=$2; shift ;; -X) method=$2; shift ;; -K) config=$(cat); shift ;; -m|-w) shift ;; http*) url=$1 ;; esac
  shift
done
echo "$method $url $config" >>"$GM_ROOT/qdrant.log"
case "$config" in *"api-key: $GM_FAKE_KEY"*) ;; *) printf '401'; exit 0 ;; esac
case "$method $url" in
  "POST http://127.0.0.1:6333/snapshots?wait=true")
    code=\${GM_FAKE_SNAPSHOT_CODE:-200}
    if [ "$code" = 200 ]; then printf '{"result":{"name":"full-snapshot-2026-12-07-10-15-00.snapshot","creation_time":"2026-12-07T10:15:00","size":4096,"checksum":"ab12"},"status":"ok","time":0.4}' >"$out"
    else printf '{"status":{"error":"Service internal error: No space left on device"},"time":0.1}' >"$out"; fi
    printf '%s' "$code" ;;
  "GET http://127.0.0.1:6333/snapshots/"*) printf 'qdrant-snapshot-tar' >"$out"; printf '200' ;;
  "DELETE http://127.0.0.1:6333/snapshots/"*) printf '200' ;;
  *) printf '404' ;;
esac
`;

interface Box {
  root: string;
  run(services: FlushServices, env?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
  calls(): string;
  files(dir: string): string[];
}

function instance(): Box {
  const root = mkdtempSync(join(tmpdir(), 'gm-flush-'));
  for (const dir of ['etc/geusemaker', 'mnt/efs/.geusemaker', 'bin']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'etc/geusemaker/stack.env'), 'POSTGRES_PASSWORD=pw\nQDRANT_API_KEY=k3y-Secret_value\n');
  writeFileSync(join(root, 'bin/docker'), DOCKER);
  writeFileSync(join(root, 'bin/curl'), CURL);
  chmodSync(join(root, 'bin/docker'), 0o755);
  chmodSync(join(root, 'bin/curl'), 0o755);
  return {
    root,
    run: (services, env = {}) => {
      const out = spawnSync('sh', ['-c', flushScript(services).join('\n')], {
        encoding: 'utf8',
        env: { ...process.env, GM_ROOT: root, PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}`, GM_FAKE_DBS: 'n8n postgres', GM_FAKE_KEY: 'k3y-Secret_value', ...env },
      });
      return { status: out.status, stdout: out.stdout, stderr: out.stderr };
    },
    calls: () => (existsSync(join(root, 'calls.log')) ? readFileSync(join(root, 'calls.log'), 'utf8') : ''),
    files: (dir) => (existsSync(join(root, 'mnt/efs/backups', dir)) ? readdirSync(join(root, 'mnt/efs/backups', dir)).sort() : []),
  };
}

describe('the backup flush script (what SSM Run Command runs on the instance before a backup)', () => {
  it('dumps every PostgreSQL database and Qdrant\'s full snapshot onto EFS under their final names, and says what it wrote', () => {
    const box = instance();
    const result = box.run({ postgres: true, qdrant: true });
    assert.equal(result.status, 0, result.stderr);
    const output = parseFlushOutput(result.stdout);
    assert.ok(output?.ok, result.stdout);
    assert.deepEqual(output.items.map((item) => `${item.kind}:${item.name}`), ['postgres:n8n', 'postgres:postgres', 'qdrant:full']);
    const dumps = box.files('postgres');
    assert.equal(dumps.length, 2);
    assert.match(dumps[0]!, /^n8n-\d{8}T\d{6}Z\.dump$/);
    assert.ok(dumps.every((file) => !file.endsWith('.tmp')), 'no temporary file left');
    assert.equal(readFileSync(join(box.root, 'mnt/efs/backups/postgres', dumps[0]!), 'utf8'), 'PGDMP-custom-format-n8n', 'the dump is what pg_dump printed');
    assert.equal(output.items[0]!.bytes, 'PGDMP-custom-format-n8n'.length);
    assert.equal(output.items[0]!.file, `backups/postgres/${dumps[0]}`);
    assert.match(box.calls(), /docker compose --project-name geusemaker --env-file \S+\/etc\/geusemaker\/stack\.env -f \S+\/etc\/geusemaker\/docker-compose\.yml exec -T postgres pg_dump -U n8n -Fc -d n8n/);
    assert.deepEqual(box.files('qdrant'), ['full-snapshot-2026-12-07-10-15-00.snapshot']);
    const qdrant = readFileSync(join(box.root, 'qdrant.log'), 'utf8');
    assert.match(qdrant, /^POST http:\/\/127\.0\.0\.1:6333\/snapshots\?wait=true header = "api-key: k3y-Secret_value"$/m, 'the full snapshot, with the api-key header');
    assert.match(qdrant, /^GET http:\/\/127\.0\.0\.1:6333\/snapshots\/full-snapshot-2026-12-07-10-15-00\.snapshot /m, 'downloaded onto EFS (Qdrant keeps snapshots outside its storage)');
    assert.match(qdrant, /^DELETE http:\/\/127\.0\.0\.1:6333\/snapshots\/full-snapshot-2026-12-07-10-15-00\.snapshot /m, 'and removed from the container');
    assert.doesNotMatch(box.calls(), /k3y-Secret_value/, 'the key never appears on a command line');
  });

  it('keeps the two newest dumps of each database and prunes the older ones', () => {
    const box = instance();
    mkdirSync(join(box.root, 'mnt/efs/backups/postgres'), { recursive: true });
    for (const stamp of ['20250101T000000Z', '20250102T000000Z', '20250103T000000Z']) writeFileSync(join(box.root, `mnt/efs/backups/postgres/n8n-${stamp}.dump`), 'old');
    assert.equal(box.run({ postgres: true, qdrant: false }).status, 0);
    const n8n = box.files('postgres').filter((file) => file.startsWith('n8n-'));
    assert.equal(n8n.length, 2);
    assert.equal(n8n[0], 'n8n-20250103T000000Z.dump', 'the newest old one stays beside the new dump');
    assert.notEqual(n8n[1], 'n8n-20250103T000000Z.dump');
  });

  it('a pg_dump that fails names its step and database, removes its partial file, and takes no Qdrant snapshot', () => {
    const box = instance();
    const result = box.run({ postgres: true, qdrant: true }, { GM_FAKE_DUMP_FAIL: 'postgres' });
    assert.equal(result.status, 0);
    const output = parseFlushOutput(result.stdout);
    assert.ok(output && !output.ok);
    assert.equal(output.step, 'postgres-dump');
    assert.match(output.words, /pg_dump of postgres failed: pg_dump: error: connection to database "postgres" failed/);
    assert.ok(box.files('postgres').every((file) => !file.includes('.tmp')), 'no partial dump left');
    assert.ok(!existsSync(join(box.root, 'qdrant.log')), 'nothing after the failed step ran');
  });

  it('Qdrant refusing the snapshot is reported with its HTTP status and words', () => {
    const box = instance();
    const output = parseFlushOutput(box.run({ postgres: false, qdrant: true }, { GM_FAKE_SNAPSHOT_CODE: '500' }).stdout);
    assert.ok(output && !output.ok);
    assert.equal(output.step, 'qdrant-snapshot');
    assert.match(output.words, /HTTP 500: .*No space left on device/);
    assert.deepEqual(box.files('qdrant'), []);
  });

  it('only the services the stack runs are flushed', () => {
    const box = instance();
    const output = parseFlushOutput(box.run({ postgres: false, qdrant: true }).stdout);
    assert.ok(output?.ok);
    assert.deepEqual(output.items.map((item) => item.kind), ['qdrant']);
    assert.doesNotMatch(box.calls(), /postgres/);
  });

  it('the engine turns a failed step into BACKUP_FLUSH_FAILED naming the step and the next step', async () => {
    const box = instance();
    const runner: CommandRunner = {
      run: async (_id, lines) => {
        const out = spawnSync('sh', ['-c', lines.join('\n')], { encoding: 'utf8', env: { ...process.env, GM_ROOT: box.root, PATH: `${join(box.root, 'bin')}:${process.env.PATH ?? ''}`, GM_FAKE_DBS: 'n8n', GM_FAKE_KEY: 'k3y-Secret_value', GM_FAKE_LIST_FAIL: '1' } });
        return { status: 'Success', stdout: out.stdout, stderr: out.stderr, truncated: false, exitCode: out.status ?? 0 };
      },
    };
    await assert.rejects(flushOnInstance(runner, 'demo', 'i-0abc', { postgres: true, qdrant: false }), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'BACKUP_FLUSH_FAILED');
      assert.match(error.message, /failed at step postgres-list .*connection refused.*No backup was started/);
      assert.match(error.nextStep, /geusemaker logs demo postgres/);
      return true;
    });
  });

  it('an instance that printed nothing (an emulator) is a failure, never an empty flush', async () => {
    const runner: CommandRunner = { run: async () => ({ status: 'Success', stdout: '', stderr: '', truncated: false, exitCode: 0 }) };
    await assert.rejects(flushOnInstance(runner, 'demo', 'i-0abc', { postgres: true, qdrant: true }), /printed nothing/);
  });
});
