import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { launchRealism } from '../harness/launch-realism';
import { testEmulator } from '../harness/root-hooks';
import { runCli, type CliIo } from '../../src/cli/main';
import { FAST_TIMING, sweep, tempDir } from '../harness/engine';

async function render(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), isTTY: false, env: { ...process.env }, cwd: tempDir('gm-render-cwd-') };
  const code = await runCli([...argv, '--state-dir', tempDir('gm-render-state-')], io, { timing: FAST_TIMING, instrument: launchRealism(testEmulator().endpoint) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('geusemaker render: the instance files, for review before deploying', () => {
  it('writes the UserData as sent and decompressed, compose, env with parameter names only, and nginx when there is a proxy', async () => {
    const dir = tempDir('gm-render-out-');
    const run = await render(['render', 'demo', '--tier', 'gpu', '--instance-type', 'g5.xlarge', '--os', 'ubuntu-22.04', '--out', dir]);
    assert.equal(run.code, 0, run.stderr);
    const payload = readFileSync(join(dir, 'userdata.bin'));
    assert.deepEqual([...payload.subarray(0, 2)], [0x1f, 0x8b], 'UserData as sent is gzip');
    assert.ok(payload.length <= 12_288, 'within the 25% size margin');
    const script = readFileSync(join(dir, 'userdata.sh'), 'utf8');
    assert.equal(gunzipSync(payload).toString('utf8'), script);
    assert.match(script, /gpu-check/);
    assert.match(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'), /comfyui/);
    const env = readFileSync(join(dir, 'stack.env'), 'utf8');
    assert.match(env, /^POSTGRES_PASSWORD=<SecureString \/geusemaker\/demo\/postgres-password>$/m);
    for (const line of env.trim().split('\n')) assert.match(line, /^[A-Z0-9_]+=<SecureString \/geusemaker\/demo\/[a-z0-9-]+>$/);
    assert.ok(existsSync(join(dir, 'nginx-site.conf')), 'the load balancer reaches the services through the proxy');
    assert.equal(statSync(join(dir, 'stack.env')).mode & 0o777, 0o600);
    assert.match(run.stdout, /placeholder/);
    assert.deepEqual(await sweep(), [], 'rendering touches nothing in AWS');
  });

  it('leaves nginx out in the default SSM access mode and refuses a missing --out', async () => {
    const dir = tempDir('gm-render-out-');
    assert.equal((await render(['render', 'demo', '--out', dir])).code, 0);
    assert.equal(existsSync(join(dir, 'nginx-site.conf')), false);
    const missing = await render(['render', 'demo']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--out/);
  });
});
