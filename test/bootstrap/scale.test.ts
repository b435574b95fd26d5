import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { COMPOSE_SECRET_VARS, renderCompose, stackImages, testedImages } from '../../src/engine/bootstrap/compose';
import { instanceFiles } from '../../src/engine/bootstrap/preview';
import { renderNginx } from '../../src/engine/bootstrap/nginx';
import { previewEnvFile, renderUserData, USERDATA_BUDGET_BYTES } from '../../src/engine/bootstrap/userdata';
import { renderWorkerCompose } from '../../src/engine/bootstrap/worker-userdata';
import { generateSecret } from '../../src/engine/resources/secrets';
import { ajv, validate } from './compose-spec';
import { fakeSecret, indexOf, prepare, scaledConfig, scaledInput, SECRET_NAMES, steps, variants, WIRINGS, workerInput, type Boot, type WiringName } from './harness';

// The main instance of a scaled stack: n8n in queue mode, wired to the queue and database the deploy found.

interface Service {
  image?: string;
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
  user?: string;
  healthcheck?: { test?: string[] };
  deploy?: unknown;
}
const services = (text: string) => (parse(text) as { services: Record<string, Service> }).services;
const REFERENCE = /^\$\{([A-Z0-9_]+):\?[^}]*\}$/;
const SHELLCHECK = existsSync('/usr/bin/shellcheck') ? '/usr/bin/shellcheck' : 'shellcheck';
const WIRING_NAMES = Object.keys(WIRINGS) as WiringName[];
const RDS = WIRINGS.managed.database;
const CACHE = WIRINGS.managed.queue;

/** The n8n settings that must be the same on main and every worker: the queue, the database, the key, the data mode. */
const SHARED = ['EXECUTIONS_MODE', 'QUEUE_BULL_REDIS_PORT', 'QUEUE_BULL_REDIS_PASSWORD', 'QUEUE_BULL_REDIS_TLS', 'DB_TYPE', 'DB_POSTGRESDB_PORT', 'DB_POSTGRESDB_DATABASE',
  'DB_POSTGRESDB_USER', 'DB_POSTGRESDB_PASSWORD', 'DB_POSTGRESDB_SSL_ENABLED', 'DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED', 'NODE_EXTRA_CA_CERTS', 'N8N_ENCRYPTION_KEY',
  'N8N_DEFAULT_BINARY_DATA_MODE', 'WEBHOOK_URL'];

describe('scaled stack: the main instance in queue mode', function () {
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

  for (const wiring of WIRING_NAMES) {
    describe(`${wiring}: compose`, () => {
      const input = scaledInput(wiring, 'queue');
      const scale = WIRINGS[wiring];
      const doc = services(renderCompose(input));
      const n8n = doc.n8n?.environment ?? {};
      const rds = scale.database !== 'instance' && scale.databaseSwitched;

      it('validates against the Compose Specification schema', () => {
        assert.ok(validate({ services: doc }), ajv.errorsText(validate.errors, { separator: '\n' }));
      });

      it('runs n8n in queue mode against the queue and database the deploy found, with binary data in memory', () => {
        assert.equal(n8n.EXECUTIONS_MODE, 'queue');
        assert.equal(n8n.QUEUE_BULL_REDIS_HOST, scale.queue === 'instance' ? 'redis' : CACHE.host);
        assert.equal(n8n.QUEUE_BULL_REDIS_PORT, '6379');
        assert.match(n8n.QUEUE_BULL_REDIS_PASSWORD ?? '', /^\$\{REDIS_AUTH_TOKEN:\?/);
        assert.equal(n8n.QUEUE_BULL_REDIS_TLS, scale.queue === 'instance' ? undefined : 'true', 'TLS to ElastiCache (encryption in transit) only');
        assert.equal(n8n.DB_POSTGRESDB_HOST, rds ? RDS.host : 'postgres');
        assert.equal(n8n.DB_POSTGRESDB_SSL_ENABLED, rds ? 'true' : undefined);
        assert.equal(n8n.DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED, rds ? 'true' : undefined, 'RDS\'s certificate is verified, never waved through');
        assert.equal(n8n.NODE_EXTRA_CA_CERTS, rds ? '/etc/geusemaker/rds-ca.pem' : undefined);
        assert.equal(doc.n8n?.volumes?.includes('/etc/geusemaker/rds-ca.pem:/etc/geusemaker/rds-ca.pem:ro'), rds);
        assert.equal(n8n.N8N_DEFAULT_BINARY_DATA_MODE, 'default');
        assert.equal(n8n.OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS, 'true');
        assert.deepEqual([n8n.N8N_METRICS, n8n.N8N_METRICS_INCLUDE_QUEUE_METRICS], ['true', 'true']);
        assert.equal(n8n.OLLAMA_HOST, 'ollamaUrl' in scale ? scale.ollamaUrl : 'http://ollama:11434');
        assert.equal(n8n.QUEUE_HEALTH_CHECK_ACTIVE, undefined, 'the worker health server is the workers\'');
      });

      it('keeps PostgreSQL on the instance until the data is in RDS, publishing it and the queue for the workers', () => {
        assert.equal(doc.postgres !== undefined, !rds, 'PostgreSQL leaves main only once n8n uses RDS');
        if (doc.postgres) assert.deepEqual(doc.postgres.ports, ['5432:5432']);
        assert.equal(doc.redis !== undefined, scale.queue === 'instance');
        if (doc.redis) {
          assert.deepEqual(doc.redis.ports, ['6379:6379']);
          assert.equal(doc.redis.image, testedImages().redis);
          assert.deepEqual(doc.redis.volumes, ['/mnt/efs/redis:/data']);
          assert.match(doc.redis.environment?.REDIS_PASSWORD ?? '', /^\$\{REDIS_AUTH_TOKEN:\?/);
          // The password reaches valkey through a file in the container, never its command line.
          assert.ok(!(doc.redis.command ?? []).some((word) => /--requirepass/.test(word)));
          assert.match((doc.redis.command ?? []).join(' '), /requirepass %s.*"\$\$REDIS_PASSWORD" >\/tmp\/valkey\.conf && exec valkey-server \/tmp\/valkey\.conf/);
          assert.match((doc.redis.healthcheck?.test ?? []).join(' '), /printf 'AUTH %s\\nPING\\n' "\$\$REDIS_PASSWORD" \| valkey-cli \| grep -q PONG/);
        }
        const waitsFor = Object.keys(doc.n8n?.depends_on ?? {}).sort();
        assert.deepEqual(waitsFor, ['postgres', 'redis'].filter((name) => doc[name] !== undefined));
        for (const other of waitsFor) assert.equal(doc.n8n?.depends_on?.[other]?.condition, 'service_healthy');
        assert.deepEqual(Object.keys(doc.nginx?.depends_on ?? {}).filter((name) => name === 'postgres' || name === 'redis'), [], 'nginx never waits on a data service');
      });

      it('holds only ${VAR} references the env file defines, and the env file reads the queue token', () => {
        const env = previewEnvFile(input);
        for (const [name, spec] of Object.entries(doc)) {
          for (const [key, value] of Object.entries(spec.environment ?? {})) {
            const reference = REFERENCE.exec(value);
            if (/PASSWORD|SECRET|_KEY$|TOKEN/.test(key)) assert.ok(reference, `${name} ${key} must be a reference`);
            if (!reference) continue;
            assert.ok((COMPOSE_SECRET_VARS as readonly string[]).includes(reference[1]!), `${name} ${key}`);
            assert.match(env, new RegExp(`^${reference[1]}=<SecureString /geusemaker/demo/`, 'm'), `${name} ${key}: ${reference[1]} is in the env file`);
          }
        }
        assert.match(env, /^REDIS_AUTH_TOKEN=<SecureString \/geusemaker\/demo\/redis-auth-token>$/m);
      });

      it('gives workers the same n8n settings: one queue, one database, one encryption key', () => {
        const worker = services(renderWorkerCompose(workerInput('n8n', wiring)))['n8n-worker']?.environment ?? {};
        for (const key of SHARED) assert.equal(worker[key], n8n[key], key);
        if ('ollamaUrl' in scale) assert.equal(worker.OLLAMA_HOST, scale.ollamaUrl, 'the Ollama workers behind the internal load balancer');
        assert.match(worker.N8N_ENCRYPTION_KEY ?? '', /^\$\{N8N_ENCRYPTION_KEY:\?/);
        const onMain = (host: string | undefined) => (host === 'redis' || host === 'postgres' ? '${MAIN_ADDRESS:?missing from /etc/geusemaker/stack.env}' : host);
        assert.equal(worker.QUEUE_BULL_REDIS_HOST, onMain(n8n.QUEUE_BULL_REDIS_HOST), 'the queue main uses, at main\'s address when on the instance');
        assert.equal(worker.DB_POSTGRESDB_HOST, onMain(n8n.DB_POSTGRESDB_HOST), 'the database main uses');
      });
    });
  }

  it('a stack without scale runs no queue, exactly as before', () => {
    for (const [label, input] of variants().filter(([, i]) => i.os === 'al2023' && i.architecture === 'x86_64')) {
      const doc = services(renderCompose(input));
      assert.equal(doc.redis, undefined, label);
      assert.equal(doc.n8n?.environment?.EXECUTIONS_MODE, undefined, label);
      assert.deepEqual(doc.postgres?.ports, undefined, `${label}: PostgreSQL stays unpublished`);
      assert.doesNotMatch(previewEnvFile(input), /REDIS_AUTH_TOKEN/, label);
      const script = renderUserData(input).script;
      assert.doesNotMatch(script, /redis-auth-token|\/main-address/, label);
      for (const off of ["MAIN_ADDRESS_PARAM=''", 'QUEUE_METRIC=0', 'RDS_CA=0']) assert.match(script, new RegExp(`^${off}$`, 'm'), `${label}: ${off}`);
    }
  });

  it('pins the instance queue to a versioned Valkey image, and older pins without it get the tested one', () => {
    assert.match(testedImages().redis, /^valkey\/valkey:\d+\.\d+\.\d+$/);
    const older = { ...testedImages(), n8n: 'docker.n8n.io/n8nio/n8n:1.79.3' } as Record<string, string>;
    delete older.redis;
    assert.equal(stackImages(older).redis, testedImages().redis);
    assert.equal(stackImages(older).n8n, 'docker.n8n.io/n8nio/n8n:1.79.3');
    assert.throws(() => stackImages({ redis: 'valkey/valkey:latest' }), /latest/);
  });

  it('nginx never forwards n8n\'s Prometheus metrics', () => {
    assert.match(renderNginx(scaledInput('managed', 'queue')), /location = \/metrics \{\s*return 404;\s*\}/);
  });

  describe('UserData', () => {
    const cases = WIRING_NAMES.flatMap((wiring) => (['al2023', 'ubuntu-22.04'] as const).flatMap((os) => (['cpu', 'queue'] as const).map((scaleOn) => ({ wiring, os, scaleOn }))));
    it('every scaled variant passes shellcheck, fits EC2 with a quarter to spare, and holds no secret value', () => {
      const generated = Array.from({ length: 20 }, () => generateSecret(32));
      for (const { wiring, os, scaleOn } of cases) {
        const label = `${wiring} ${os} ${scaleOn}`;
        const { script, payload } = renderUserData(scaledInput(wiring, scaleOn, os));
        assert.ok(payload.length <= USERDATA_BUDGET_BYTES, `${label}: ${payload.length} bytes`);
        const check = spawnSync(SHELLCHECK, ['-s', 'bash', '-'], { input: script, encoding: 'utf8' });
        assert.equal(check.status, 0, `${label}: ${check.stdout}${check.stderr}`);
        for (const value of generated) assert.ok(!script.includes(value), label);
        for (const name of SECRET_NAMES) assert.ok(!script.includes(fakeSecret(name)), label);
      }
    });

    for (const wiring of WIRING_NAMES) {
      it(`${wiring}: a dry boot reads the queue token, fetches RDS's CA when n8n uses RDS, and publishes main's address when workers use main`, () => {
        const input = scaledInput(wiring, 'queue');
        const scale = WIRINGS[wiring];
        const rds = scale.database !== 'instance' && scale.databaseSwitched;
        const publishes = !rds || scale.queue === 'instance';
        const b = boot(renderUserData(input).script);
        const result = b.run();
        assert.equal(result.status, 0, `${b.log()}\n${result.stderr}`);
        assert.deepEqual(steps(b.log()), [
          'aws-cli', 'install-packages', 'mount-efs', 'service-dirs', 'secrets', 'write-files', 'pull-images', 'wait-lease', 'start',
          ...(publishes ? ['main-address'] : []), 'wait-health', 'n8n-owner', 'ollama-models', 'finish',
        ]);
        const etc = join(b.root, 'etc/geusemaker');
        const env = readFileSync(join(etc, 'stack.env'), 'utf8');
        assert.match(env, new RegExp(`^REDIS_AUTH_TOKEN=${fakeSecret('redis-auth-token')}$`, 'm'));
        assert.match(env, new RegExp(`^POSTGRES_PASSWORD=${fakeSecret('postgres-password')}$`, 'm'), 'n8n logs into RDS with the stack\'s password too');
        assert.equal(readFileSync(join(etc, 'docker-compose.yml'), 'utf8'), `${renderCompose(input).trimEnd()}\n`);
        const calls = b.calls();
        const ca = indexOf(calls, /^curl -fsSL --retry 5 -m 60 -o \S+\/etc\/geusemaker\/rds-ca\.pem\.tmp https:\/\/truststore\.pki\.rds\.amazonaws\.com\/global\/global-bundle\.pem$/);
        assert.equal(ca >= 0, rds, 'the CA bundle exactly when n8n talks to RDS');
        if (rds) {
          assert.match(readFileSync(join(etc, 'rds-ca.pem'), 'utf8'), /BEGIN CERTIFICATE/);
          assert.ok(ca < indexOf(calls, /^docker compose .* up -d --remove-orphans$/), 'before n8n starts');
        }
        const published = existsSync(join(b.dir, 'state/main-address')) ? readFileSync(join(b.dir, 'state/main-address'), 'utf8') : undefined;
        assert.equal(published, publishes ? '10.42.0.17\n' : undefined);
        if (publishes) {
          assert.ok(indexOf(calls, /^aws ssm put-parameter --region us-east-1 --name \/geusemaker\/demo\/main-address --type String --overwrite --value 10\.42\.0\.17$/) > indexOf(calls, /up -d --remove-orphans$/));
        }
        if (scale.queue === 'instance') assert.ok(calls.includes(`chown 999:999 ${b.root}/mnt/efs/redis`), 'the queue\'s data directory, owned by valkey');
        assert.equal(existsSync(join(b.root, 'mnt/efs/postgres')), !rds, 'no PostgreSQL directory once the data is in RDS');
        const visible = `${b.log()}\n${calls.join('\n')}\n${result.stderr}`;
        for (const name of SECRET_NAMES) assert.ok(!visible.includes(fakeSecret(name)), `${name} appears in a log or a command line`);
      });
    }

    it('scaling on queue depth: a timer publishes n8n\'s waiting jobs each minute, and nothing when n8n does not answer', () => {
      const b = boot(renderUserData(scaledInput('managed', 'queue')).script);
      assert.equal(b.run().status, 0, b.log());
      const units = join(b.root, 'etc/systemd/system');
      const timer = readFileSync(join(units, 'geusemaker-queue-metric.timer'), 'utf8');
      assert.match(timer, /^OnUnitActiveSec=1min$/m);
      assert.match(readFileSync(join(units, 'geusemaker-queue-metric.service'), 'utf8'), /^ExecStart=\/usr\/local\/sbin\/geusemaker-bootstrap queue-metric$/m);
      assert.ok(b.calls().includes('systemctl enable --now geusemaker-queue-metric.timer'));

      // n8n's /metrics as its Prometheus client writes it (queue metrics on).
      writeFileSync(join(b.dir, 'state/metrics'), [
        '# HELP n8n_scaling_mode_queue_jobs_waiting Current number of enqueued jobs waiting for pickup in scaling mode.',
        '# TYPE n8n_scaling_mode_queue_jobs_waiting gauge',
        'n8n_scaling_mode_queue_jobs_waiting 7',
        'n8n_scaling_mode_queue_jobs_active 3',
        '',
      ].join('\n'));
      const run = (env: Record<string, string> = {}) => runMode(b, 'queue-metric', env);
      const before = b.calls().length;
      assert.equal(run().status, 0);
      assert.deepEqual(b.calls().slice(before).filter((call) => call.startsWith('aws ')), [
        'aws cloudwatch put-metric-data --region us-east-1 --namespace GeuseMaker/n8n --metric-name QueueJobsWaiting --dimensions Stack=demo --value 7 --unit Count',
      ]);
      const down = b.calls().length;
      assert.equal(run({ STUB_CURL_FAIL: '/metrics' }).status, 0);
      assert.equal(indexOf(b.calls().slice(down), /put-metric-data/), -1, 'no data rather than a made-up 0');
      assert.match(b.log(), /queue-metric: n8n reported no n8n_scaling_mode_queue_jobs_waiting/);
    });

    it('scaling on CPU: no queue metric timer, and one left by an earlier bootstrap is removed', () => {
      const b = boot(renderUserData(scaledInput('managed', 'cpu')).script);
      const units = join(b.root, 'etc/systemd/system');
      assert.equal(b.run().status, 0, b.log());
      assert.equal(existsSync(join(units, 'geusemaker-queue-metric.timer')), false);
      assert.equal(indexOf(b.calls(), /queue-metric/), -1);
      // The stack scaled on queue depth before: its timer is stopped and gone after the new bootstrap.
      writeFileSync(join(units, 'geusemaker-queue-metric.timer'), '[Timer]\n');
      assert.equal(b.run().status, 0, b.log());
      assert.ok(b.calls().includes('systemctl disable --now geusemaker-queue-metric.timer'));
      assert.equal(existsSync(join(units, 'geusemaker-queue-metric.timer')), false);
    });

    it('stops at step main-address when IMDS gives no private address, so workers never read a wrong one', () => {
      const b = boot(renderUserData(scaledInput('instance', 'cpu')).script);
      assert.notEqual(b.run({ STUB_CURL_FAIL: 'local-ipv4' }).status, 0);
      assert.match(b.log(), /FAILED at step main-address/);
      assert.equal(existsSync(join(b.dir, 'state/main-address')), false);
      assert.deepEqual([b.statuses().at(-1)?.state, b.statuses().at(-1)?.step], ['failed', 'main-address']);
    });
  });

  it('the preview shows queue mode and each pool\'s worker files before the services exist', () => {
    const config = scaledConfig('managed', 'queue');
    const files = instanceFiles({ config, region: 'us-east-1', fileSystemId: 'fs-00000000', architecture: 'x86_64', gpu: false });
    const byName = new Map(files.map((file) => [file.name, String(file.content)]));
    assert.deepEqual([...byName.keys()].filter((name) => name.startsWith('worker-')), [
      'worker-n8n-userdata.sh', 'worker-n8n-docker-compose.yml', 'worker-ollama-userdata.sh', 'worker-ollama-docker-compose.yml',
    ]);
    assert.equal(services(byName.get('docker-compose.yml') ?? '').n8n?.environment?.EXECUTIONS_MODE, 'queue');
    assert.deepEqual(Object.keys(services(byName.get('worker-ollama-docker-compose.yml') ?? '')), ['ollama']);
    // The default Ollama worker types are GPU types: the preview reserves the GPU as their launch template's boot does.
    assert.ok(services(byName.get('worker-ollama-docker-compose.yml') ?? '').ollama?.deploy !== undefined);
    assert.match(byName.get('worker-ollama-userdata.sh') ?? '', /^GPU=1$/m);
    assert.match(byName.get('stack.env') ?? '', /^REDIS_AUTH_TOKEN=<SecureString \/geusemaker\/demo\/redis-auth-token>$/m);
  });
});

/** The bootstrap copied to the instance, run in one of its modes (as a timer does). */
function runMode(b: Boot, mode: string, env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const result = spawnSync('bash', [join(b.root, 'usr/local/sbin/geusemaker-bootstrap'), mode], {
    env: { PATH: `${join(b.dir, 'bin')}:/usr/bin:/bin`, GM_ROOT: b.root, STUB_CALLS: join(b.dir, 'calls.log'), STUB_STATE: join(b.dir, 'state'), ...env },
    encoding: 'utf8', timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}
