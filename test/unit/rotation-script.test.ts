import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROTATABLE_SECRETS, type RotatableSecret } from '../../src/engine/secrets/rotatable';
import { ROTATE_FAILED, ROTATE_OK, rotationScript, type RotationStepInput } from '../../src/engine/secrets/script';

function input(secret: RotatableSecret, more: Partial<RotationStepInput> = {}): RotationStepInput {
  return {
    secret, stack: 'demo', region: 'us-east-1', parameter: `/geusemaker/demo/${secret}-secret`, from: 4, to: 5, n8n: true,
    guardedPath: '/ollama/api/version', ownerEmail: 'admin@demo.local', ...more,
  };
}

/** Stand-ins for the instance's aws, docker and curl: values by version, PostgreSQL's logins, Qdrant's key check; every docker call logged. */
const STUBS: Record<string, string> = {
  aws: `#!/bin/sh
name=''
while [ $# -gt 0 ]; do case "$1" in --name) name=$2; shift ;; esac; shift; done
for pair in $GM_FAKE_VALUES; do [ "\${pair%%=*}" = "\${name##*:}" ] && { printf '%s\\n' "\${pair#*=}"; exit 0; }; done
echo "An error occurred (ParameterVersionNotFound) when calling the GetParameter operation" >&2
exit 254
`,
  docker: `#!/bin/sh
printf '%s\\n' "$*" >>"$GM_FAKE_CALLS"
shift 7
case "$1 $2" in
  "exec -T")
    shift 3
    case "$1" in
      psql) cat >>"$GM_FAKE_SQL"; exit 0 ;;
      sh) IFS= read -r pw; [ "$pw" = "$GM_FAKE_PG_ACCEPTS" ]; exit $? ;;
      pg_isready) exit 0 ;;
    esac ;;
  "up -d") exit 0 ;;
esac
exit 1
`,
  curl: `#!/bin/sh
hdr=''; url=''
while [ $# -gt 0 ]; do
  case "$1" in -H) case "$2" in @*) hdr=\${2#@} ;; esac; shift ;; -o|-m|-w|-D|-X|--data-binary) shift ;; http*) url=$1 ;; esac
  shift
done
case "$url" in
  */healthz|*/health) exit 0 ;;
  */collections) if [ "$(sed -n 's/^api-key: //p' "$hdr")" = "$GM_FAKE_QDRANT_KEY" ]; then printf 200; else printf 401; fi; exit 0 ;;
esac
printf 000
exit 7
`,
};

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  env: string;
  calls: string[];
  sql: string;
}

/** Runs a step under dash (Ubuntu's sh, as AWS-RunShellScript runs it) against the stubs, on a copy of stack.env. */
function runUnderSh(lines: readonly string[], fake: Record<string, string>): Ran {
  const root = mkdtempSync(join(tmpdir(), 'gm-rotate-root-'));
  const bin = mkdtempSync(join(tmpdir(), 'gm-rotate-bin-'));
  for (const [name, text] of Object.entries(STUBS)) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  mkdirSync(join(root, 'etc', 'geusemaker'), { recursive: true });
  const envFile = join(root, 'etc', 'geusemaker', 'stack.env');
  writeFileSync(envFile, 'POSTGRES_PASSWORD=oldPg4\nN8N_ENCRYPTION_KEY=keepMe1\nQDRANT_API_KEY=oldQd4\nCRAWL4AI_API_TOKEN=oldCr4\n');
  const calls = join(root, 'calls');
  const sql = join(root, 'sql');
  writeFileSync(calls, '');
  writeFileSync(sql, '');
  const ran = spawnSync('dash', ['-c', lines.join('\n')], {
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, GM_ROOT: root, GM_ROTATE_TRIES: '2', GM_ROTATE_SLEEP: '0', GM_FAKE_CALLS: calls, GM_FAKE_SQL: sql, ...fake },
  });
  return { status: ran.status, stdout: ran.stdout, stderr: ran.stderr, env: readFileSync(envFile, 'utf8'), calls: readFileSync(calls, 'utf8').trim().split('\n'), sql: readFileSync(sql, 'utf8') };
}

describe('the rotation scripts run on the instance over SSM', () => {
  it('each names its operation, the parameter and two versions, never a value, and no double brace (SSM would resolve it)', () => {
    for (const secret of ROTATABLE_SECRETS) {
      const lines = rotationScript(input(secret));
      assert.equal(lines[0], `# geusemaker-op: rotate-${secret}`);
      assert.ok(lines.includes(`SECRET='${secret}'; REGION='us-east-1'; PARAM='/geusemaker/demo/${secret}-secret'; FROM=4; TO=5`), secret);
      assert.ok(lines.every((line) => !line.includes('{{')), `${secret}: a double brace`);
      assert.equal(lines.at(-1), `echo "${ROTATE_OK} $SECRET"`);
      // Values are read on the instance, by version, into files.
      assert.ok(lines.some((line) => line.includes('--with-decryption --name "$PARAM:$1"')), secret);
      const syntax = spawnSync('dash', ['-n', '-c', lines.join('\n')], { encoding: 'utf8' });
      assert.equal(syntax.status, 0, `${secret}: ${syntax.stderr}`);
    }
  });

  it('postgres: ALTER USER (password on stdin) before PostgreSQL and then n8n are recreated; without n8n, n8n is left alone', () => {
    const lines = rotationScript(input('postgres'));
    const alter = lines.findIndex((line) => line.includes('ALTER USER n8n WITH PASSWORD') && line.includes('| compose exec -T postgres psql'));
    const checkOld = lines.indexOf('if pg_login old; then fail "PostgreSQL still accepts the old password"; fi');
    assert.ok(alter > 0 && checkOld > alter);
    assert.ok(checkOld < lines.indexOf('recreate postgres') && lines.indexOf('recreate postgres') < lines.indexOf('recreate n8n'));
    assert.ok(!rotationScript(input('postgres', { n8n: false })).includes('recreate n8n'));
  });

  it('refuses inputs that could break out of the script, and a proxy or owner step without what it checks', () => {
    assert.throws(() => rotationScript(input('qdrant', { region: "us-east-1'; rm -rf /" })), /cannot be placed/);
    assert.throws(() => rotationScript(input('qdrant', { parameter: '/geusemaker/demo/x y' })), /cannot be placed/);
    assert.throws(() => rotationScript(input('qdrant', { from: 0 })), /not a parameter version/);
    assert.throws(() => rotationScript(input('proxy', { guardedPath: undefined })), /path behind basic auth/);
    assert.throws(() => rotationScript(input('n8n-owner', { ownerEmail: undefined })), /owner's login/);
  });

  it('run under sh: postgres rewrites only its stack.env line, ALTER USER before the recreates, the password never in an argument', () => {
    const lines = rotationScript(input('postgres'));
    const ran = runUnderSh(lines, { GM_FAKE_VALUES: '4=oldPg4 5=newPg5', GM_FAKE_PG_ACCEPTS: 'newPg5' });
    assert.equal(ran.status, 0, ran.stderr);
    assert.match(ran.stdout, new RegExp(`${ROTATE_OK} postgres\\n$`));
    assert.equal(ran.env, 'POSTGRES_PASSWORD=newPg5\nN8N_ENCRYPTION_KEY=keepMe1\nQDRANT_API_KEY=oldQd4\nCRAWL4AI_API_TOKEN=oldCr4\n', 'one line replaced, order kept');
    assert.equal(ran.sql, "ALTER USER n8n WITH PASSWORD 'newPg5';\n");
    const steps = ran.calls.map((call) => call.split(' ').slice(7, 11).join(' '));
    assert.deepEqual(steps, [
      'exec -T postgres psql', 'exec -T postgres sh', 'exec -T postgres sh', 'up -d --no-deps --force-recreate', 'exec -T postgres pg_isready', 'up -d --no-deps --force-recreate',
    ]);
    assert.match(ran.calls[3]!, / postgres$/);
    assert.match(ran.calls[5]!, / n8n$/);
    assert.ok(ran.calls.every((call) => !call.includes('newPg5') && !call.includes('oldPg4')), 'no value on a command line');
    assert.ok(!ran.stdout.includes('newPg5') && !ran.stderr.includes('newPg5'), 'no value in the output');
  });

  it('run under sh: PostgreSQL still taking the old password fails the step before anything is recreated, stack.env untouched', () => {
    const ran = runUnderSh(rotationScript(input('postgres')), { GM_FAKE_VALUES: '4=oldPg4 5=newPg5', GM_FAKE_PG_ACCEPTS: 'oldPg4' });
    assert.equal(ran.status, 1);
    assert.match(ran.stderr, new RegExp(`${ROTATE_FAILED} postgres: PostgreSQL refuses the new password after ALTER USER`));
    assert.match(ran.env, /^POSTGRES_PASSWORD=oldPg4$/m);
    assert.ok(!ran.calls.some((call) => call.includes('up -d')), 'nothing recreated');
  });

  it('run under sh: Qdrant is recreated with the new key, which it must accept and the old one it must refuse', () => {
    const ok = runUnderSh(rotationScript(input('qdrant')), { GM_FAKE_VALUES: '4=oldQd4 5=newQd5', GM_FAKE_QDRANT_KEY: 'newQd5' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.env, /^QDRANT_API_KEY=newQd5$/m);
    assert.match(ok.calls[0]!, /up -d --no-deps --force-recreate qdrant$/);
    // A Qdrant that still runs the old key (its container never got the new env) fails the check.
    const stale = runUnderSh(rotationScript(input('qdrant')), { GM_FAKE_VALUES: '4=oldQd4 5=newQd5', GM_FAKE_QDRANT_KEY: 'oldQd4' });
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /GM_ROTATE_FAILED qdrant: Qdrant refuses the new API key \(HTTP 401\)/);
    // A version Parameter Store does not have stops the step before anything changes.
    const missing = runUnderSh(rotationScript(input('qdrant')), { GM_FAKE_VALUES: '4=oldQd4' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read \/geusemaker\/demo\/qdrant-secret version 5/);
    assert.match(missing.env, /^QDRANT_API_KEY=oldQd4$/m);
  });
});
