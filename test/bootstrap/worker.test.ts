import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { COMPOSE_SECRET_VARS, testedImages } from '../../src/engine/bootstrap/compose';
import { USERDATA_BUDGET_BYTES } from '../../src/engine/bootstrap/userdata';
import { renderWorkerCompose, renderWorkerUserData, WORKER_WATCHDOG, workerParameters } from '../../src/engine/bootstrap/worker-userdata';
import { generateSecret } from '../../src/engine/resources/secrets';
import type { WorkerPoolName } from '../../src/engine/stack/scale-config';
import { ajv, validate } from './compose-spec';
import { fakeSecret, indexOf, INSTANCE_ID, prepare, SECRET_NAMES, steps, WIRINGS, workerInput, type Boot, type WiringName } from './harness';

// A worker pool's instance: only its pool's container, wired to the stack's shared services, and for n8n workers a
// watchdog that has the group replace an instance whose n8n stops answering.

interface Service {
  image?: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  deploy?: unknown;
}
const services = (text: string) => (parse(text) as { services: Record<string, Service> }).services;
const SHELLCHECK = existsSync('/usr/bin/shellcheck') ? '/usr/bin/shellcheck' : 'shellcheck';
const WIRING_NAMES = Object.keys(WIRINGS) as WiringName[];
const PLATFORMS = [['al2023', 'x86_64'], ['al2023', 'arm64'], ['ubuntu-22.04', 'x86_64'], ['ubuntu-24.04', 'x86_64']] as const;
const SET_UNHEALTHY = `aws autoscaling set-instance-health --region us-east-1 --instance-id ${INSTANCE_ID} --health-status Unhealthy --no-should-respect-grace-period`;
const GPU_RESERVATION = { resources: { reservations: { devices: [{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }] } } };
const usesMain = (wiring: WiringName) => WIRINGS[wiring].database === 'instance' || !WIRINGS[wiring].databaseSwitched || WIRINGS[wiring].queue === 'instance';
const usesRds = (wiring: WiringName) => WIRINGS[wiring].database !== 'instance' && WIRINGS[wiring].databaseSwitched;

describe('worker UserData', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const boot = (script: string) => {
    const b = prepare(script);
    dirs.push(b.dir);
    return b;
  };
  /** The watchdog as its timer runs it: the script the bootstrap copied, in watchdog mode. */
  const watchdog = (b: Boot, env: Record<string, string> = {}) => spawnSync('bash', [join(b.root, 'usr/local/sbin/geusemaker-worker'), 'watchdog'], {
    env: { PATH: `${join(b.dir, 'bin')}:/usr/bin:/bin`, GM_ROOT: b.root, STUB_CALLS: join(b.dir, 'calls.log'), STUB_STATE: join(b.dir, 'state'), STUB_INSTANCE_ID: INSTANCE_ID, ...env },
    encoding: 'utf8', timeout: 30_000,
  });
  const unhealthyCalls = (b: Boot) => b.calls().filter((call) => call.includes('set-instance-health'));

  it('every pool, wiring and OS passes shellcheck, fits EC2 with a quarter to spare, and holds no secret value', () => {
    const generated = Array.from({ length: 20 }, () => generateSecret(32));
    for (const pool of ['n8n', 'ollama'] as const) {
      for (const wiring of WIRING_NAMES) {
        for (const [os, architecture] of PLATFORMS) {
          for (const gpu of pool === 'ollama' && architecture === 'x86_64' ? [false, true] : [false]) {
            const label = `${pool} ${wiring} ${os} ${architecture}${gpu ? ' gpu' : ''}`;
            const { script, payload, compressed } = renderWorkerUserData(workerInput(pool, wiring, { os, architecture, gpu }));
            assert.equal(compressed, true);
            assert.equal(gunzipSync(payload).toString('utf8'), script, `${label}: payload is the gzip of the script`);
            assert.ok(payload.length <= USERDATA_BUDGET_BYTES, `${label}: ${payload.length} bytes > ${USERDATA_BUDGET_BYTES}`);
            const check = spawnSync(SHELLCHECK, ['-s', 'bash', '-'], { input: script, encoding: 'utf8' });
            assert.equal(check.status, 0, `${label}: ${check.stdout}${check.stderr}`);
            for (const value of generated) assert.ok(!script.includes(value), label);
            for (const name of SECRET_NAMES) assert.ok(!script.includes(fakeSecret(name)), label);
            assert.doesNotMatch(script, /^\s*set -[a-z]*x|set -o xtrace/m, `${label}: xtrace would print secrets`);
          }
        }
      }
    }
  });

  describe('compose: only the pool\'s container', () => {
    for (const pool of ['n8n', 'ollama'] as const) {
      for (const gpu of pool === 'ollama' ? [false, true] : [false]) {
        it(`${pool}${gpu ? ' on a GPU type' : ''}`, () => {
          const doc = services(renderWorkerCompose(workerInput(pool, 'managed', { gpu })));
          assert.ok(validate({ services: doc }), ajv.errorsText(validate.errors, { separator: '\n' }));
          assert.deepEqual(Object.keys(doc), [pool === 'n8n' ? 'n8n-worker' : 'ollama']);
          const [service] = Object.values(doc);
          assert.equal(service?.image, testedImages()[pool]);
          for (const [key, value] of Object.entries(service?.environment ?? {})) {
            if (/PASSWORD|SECRET|_KEY$|TOKEN/.test(key)) assert.match(value, /^\$\{([A-Z0-9_]+):\?[^}]*\}$/, `${key} must be a reference`);
            const reference = /^\$\{([A-Z0-9_]+):\?/.exec(value);
            if (reference && /PASSWORD|SECRET|_KEY$|TOKEN/.test(key)) assert.ok((COMPOSE_SECRET_VARS as readonly string[]).includes(reference[1]!), key);
          }
          if (pool === 'n8n') {
            assert.deepEqual(service?.command, ['worker', '--concurrency=${N8N_WORKER_CONCURRENCY:?missing from /etc/geusemaker/stack.env}']);
            assert.equal(service?.environment?.QUEUE_HEALTH_CHECK_ACTIVE, 'true');
            assert.equal(service?.environment?.QUEUE_HEALTH_CHECK_PORT, '5678');
            assert.equal(service?.environment?.EXECUTIONS_MODE, 'queue');
            assert.deepEqual(service?.ports, ['127.0.0.1:5678:5678'], 'its health endpoint for the watchdog on this host only');
            assert.deepEqual(service?.volumes, ['/mnt/efs/n8n/nodes:/home/node/.n8n/nodes:ro', '/etc/geusemaker/rds-ca.pem:/etc/geusemaker/rds-ca.pem:ro']);
            assert.equal(service?.deploy, undefined);
          } else {
            assert.deepEqual(service?.ports, ['11434:11434'], 'reachable by the internal load balancer');
            assert.equal(service?.environment?.OLLAMA_HOST, '0.0.0.0:11434');
            assert.deepEqual(service?.volumes, ['/mnt/efs/ollama:/root/.ollama'], 'models from EFS');
            assert.deepEqual(service?.deploy, gpu ? GPU_RESERVATION : undefined);
          }
        });
      }
    }
  });

  for (const [wiring, os] of [['managed', 'al2023'], ['instance', 'ubuntu-22.04'], ['migrating', 'al2023'], ['rds, queue on instance', 'ubuntu-24.04']] as const) {
    it(`n8n, ${wiring}, ${os}: a dry boot installs the watchdog first, writes the env from the stack's parameters, and starts the worker only`, () => {
      const input = workerInput('n8n', wiring, { os });
      const { script } = renderWorkerUserData(input);
      const b = boot(script);
      const result = b.run({ STUB_NPROC: '4' });
      assert.equal(result.status, 0, `${b.log()}\n${result.stderr}`);
      assert.deepEqual(steps(b.log()), ['aws-cli', 'watchdog', 'install-packages', 'mount-efs', 'service-dirs', 'secrets', 'write-files', 'pull-images', 'start', 'wait-health', 'finish']);
      const calls = b.calls();
      assert.ok(indexOf(calls, /^systemctl enable --now geusemaker-watchdog\.timer$/) < indexOf(calls, /^mount /), 'a boot that fails later is still replaced');

      const etc = join(b.root, 'etc/geusemaker');
      const env = readFileSync(join(etc, 'stack.env'), 'utf8');
      const lines = env.trim().split('\n').sort();
      assert.deepEqual(lines, [
        ...(usesMain(wiring) ? ['MAIN_ADDRESS=10.42.0.17'] : []),
        `N8N_ENCRYPTION_KEY=${fakeSecret('n8n-encryption-key')}`,
        'N8N_WORKER_CONCURRENCY=20',
        `POSTGRES_PASSWORD=${fakeSecret('postgres-password')}`,
        `REDIS_AUTH_TOKEN=${fakeSecret('redis-auth-token')}`,
      ].sort(), '4 vCPUs × 5, the secrets main\'s n8n has, and main\'s address where the worker uses main');
      const read = calls.filter((call) => call.startsWith('aws ssm get-parameter')).map((call) => /--name (\S+)/.exec(call)?.[1]);
      assert.deepEqual([...new Set(read)].sort(), workerParameters(input).sort(), 'workerParameters names exactly what the worker reads');
      assert.equal(readFileSync(join(etc, 'docker-compose.yml'), 'utf8'), `${renderWorkerCompose(input).trimEnd()}\n`);
      assert.equal(existsSync(join(etc, 'rds-ca.pem')), usesRds(wiring), 'RDS\'s CA exactly when n8n uses RDS');
      assert.ok(calls.includes(`chown 1000:1000 ${b.root}/mnt/efs/n8n/nodes`), 'the nodes directory stays n8n\'s, not root\'s');
      assert.ok(indexOf(calls, /^docker compose --project-name geusemaker --env-file \S+\/stack\.env -f \S+ up -d --remove-orphans$/) >= 0);
      assert.ok(calls.includes('systemctl enable --now geusemaker-worker.service'));
      assert.ok(calls.includes('curl -fsS -m 5 http://127.0.0.1:5678/healthz/readiness'));

      const units = join(b.root, 'etc/systemd/system');
      const timer = readFileSync(join(units, 'geusemaker-watchdog.timer'), 'utf8');
      assert.match(timer, new RegExp(`^OnBootSec=${WORKER_WATCHDOG.graceSeconds}s$`, 'm'));
      assert.match(timer, new RegExp(`^OnUnitActiveSec=${WORKER_WATCHDOG.intervalSeconds}s$`, 'm'));
      assert.match(readFileSync(join(units, 'geusemaker-worker.service'), 'utf8'), /^ExecStop=\/usr\/bin\/docker compose .* stop -t 90$/m);
      // Not the main instance: no data lease, no bootstrap status, no proxy, no owner.
      assert.equal(existsSync(join(b.root, 'mnt/efs/.geusemaker/lease')), false);
      assert.deepEqual(b.statuses(), []);
      assert.equal(indexOf(calls, /put-parameter|rest\/owner|nginx/), -1);
      const visible = `${b.log()}\n${calls.join('\n')}\n${result.stderr}`;
      for (const name of SECRET_NAMES) assert.ok(!visible.includes(fakeSecret(name)), `${name} appears in a log or a command line`);
    });
  }

  it('ollama on a GPU type: a dry boot checks the GPU, reads no secret, runs Ollama only and no watchdog', () => {
    const input = workerInput('ollama', 'managed', { gpu: true, os: 'ubuntu-22.04' });
    const b = boot(renderWorkerUserData(input).script);
    const result = b.run();
    assert.equal(result.status, 0, `${b.log()}\n${result.stderr}`);
    assert.deepEqual(steps(b.log()), ['aws-cli', 'gpu-check', 'install-packages', 'mount-efs', 'service-dirs', 'secrets', 'write-files', 'pull-images', 'start', 'wait-health', 'finish']);
    const calls = b.calls();
    assert.equal(indexOf(calls, /get-parameter|set-instance-health|watchdog/), -1);
    assert.deepEqual(workerParameters(input), []);
    assert.equal(readFileSync(join(b.root, 'etc/geusemaker/stack.env'), 'utf8'), '');
    assert.deepEqual(Object.keys(services(readFileSync(join(b.root, 'etc/geusemaker/docker-compose.yml'), 'utf8'))), ['ollama']);
    assert.ok(calls.includes('curl -fsS -m 5 http://127.0.0.1:11434/api/version'));
    assert.ok(calls.includes(`chown 0:0 ${b.root}/mnt/efs/ollama`));
    assert.equal(indexOf(calls, /^apt-get install -y -q docker\.io/), -1, 'the Deep Learning AMI keeps its own Docker');
  });

  describe('the watchdog', () => {
    const booted = () => {
      const b = boot(renderWorkerUserData(workerInput('n8n', 'managed')).script);
      assert.equal(b.run().status, 0, b.log());
      return b;
    };
    const down = { STUB_CURL_FAIL: 'healthz' };

    it(`marks the instance Unhealthy only at the ${WORKER_WATCHDOG.failures}rd failed check in a row`, () => {
      const b = booted();
      for (let run = 1; run < WORKER_WATCHDOG.failures; run++) {
        assert.equal(watchdog(b, down).status, 0);
        assert.deepEqual(unhealthyCalls(b), [], `not after ${run} failed checks`);
      }
      assert.equal(watchdog(b, down).status, 0);
      assert.deepEqual(unhealthyCalls(b), [SET_UNHEALTHY]);
      assert.match(b.log(), new RegExp(`watchdog: marked ${INSTANCE_ID} Unhealthy`));
    });

    it('a healthy check in between starts the count again', () => {
      const b = booted();
      for (const state of ['down', 'down', 'up', 'down', 'down'] as const) assert.equal(watchdog(b, state === 'down' ? down : {}).status, 0);
      assert.deepEqual(unhealthyCalls(b), []);
      assert.match(b.log(), /watchdog: healthy again after 2 failed checks/);
      assert.equal(watchdog(b, down).status, 0);
      assert.deepEqual(unhealthyCalls(b), [SET_UNHEALTHY], 'three in a row again');
    });

    it('replaces a worker whose boot failed: the watchdog is in place before the failing step', () => {
      const b = boot(renderWorkerUserData(workerInput('n8n', 'managed')).script);
      assert.notEqual(b.run({ STUB_MOUNT_FAIL: '1' }).status, 0);
      assert.match(b.log(), /FAILED at step mount-efs/);
      assert.ok(b.calls().includes('systemctl enable --now geusemaker-watchdog.timer'));
      for (let run = 0; run < WORKER_WATCHDOG.failures; run++) watchdog(b, down);
      assert.deepEqual(unhealthyCalls(b), [SET_UNHEALTHY]);
    });
  });

  it('waits a bounded time for the main instance\'s address, then stops before starting anything', () => {
    const b = boot(renderWorkerUserData(workerInput('n8n', 'instance')).script);
    assert.notEqual(b.run({ STUB_NO_MAIN: '1' }).status, 0);
    assert.match(b.log(), /FAILED at step secrets: no address of the main instance in \/geusemaker\/demo\/main-address after 2 tries/);
    assert.equal(b.calls().filter((call) => call.includes('/main-address')).length, 2);
    assert.equal(indexOf(b.calls(), /compose .* (pull|up)/), -1);
    assert.equal(existsSync(join(b.root, 'etc/geusemaker/stack.env')), false, 'no half-written env file');
  });

  it('lists the parameters a pool\'s worker reads', () => {
    const names = (pool: WorkerPoolName, wiring: WiringName) => workerParameters(workerInput(pool, wiring));
    assert.deepEqual(names('n8n', 'managed'), ['/geusemaker/demo/postgres-password', '/geusemaker/demo/n8n-encryption-key', '/geusemaker/demo/redis-auth-token']);
    assert.deepEqual(names('n8n', 'instance'), [...names('n8n', 'managed'), '/geusemaker/demo/main-address']);
    assert.deepEqual(names('ollama', 'instance'), []);
  });
});
