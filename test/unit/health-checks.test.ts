import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CATALOGUE, servicesOf } from '../../src/engine/health/catalogue';
import { checkPublicUrl } from '../../src/engine/health/end-to-end';
import { AGENT_NOT_ONLINE, checkOnInstance } from '../../src/engine/health/on-instance';
import { renderHealthScript } from '../../src/engine/health/script';
import { stackConfigSchema } from '../../src/engine/stack/config';
import type { SsmApi, SsmCommand } from '../../src/engine/ssm/api';
import { parseInstanceInformation, type AgentDirectory } from '../../src/engine/ssm/agents';
import { SsmCommandRunner, type CommandRunner } from '../../src/engine/ssm/run-command';
import { LocalShellRunner } from '../fixtures/ssm/local-runner';

const INSTANCE = 'i-0abc1234def567890';
const FIXTURES = join(__dirname, '..', 'fixtures', 'ssm');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const dev = servicesOf(stackConfigSchema.parse({ name: 'demo' }));

const agentsFrom = (name: string): AgentDirectory => ({ async status(id) { return parseInstanceInformation(id, fixture(name)); } });
const online = agentsFrom('describe-instance-information-online.json');
const unusedRunner: CommandRunner = { async run() { throw new Error('must not run a command while the agent is offline'); } };

function byService<T extends { service: string }>(items: T[]): Record<string, T> {
  return Object.fromEntries(items.map((item) => [item.service, item]));
}

describe('health on the instance (recorded-shape responses)', () => {
  it('agent not registered yet: every service is "unknown" with the reason, and no command is sent', async () => {
    const result = await checkOnInstance({ runner: unusedRunner, agents: agentsFrom('describe-instance-information-not-registered.json') }, INSTANCE, dev);
    assert.equal(result.checks.length, dev.length);
    for (const c of result.checks) {
      assert.equal(c.status, 'unknown');
      assert.equal(c.lastError, AGENT_NOT_ONLINE);
    }
  });

  it('agent lost its connection: unknown, and says when it was last seen', async () => {
    const result = await checkOnInstance({ runner: unusedRunner, agents: agentsFrom('describe-instance-information-connection-lost.json') }, INSTANCE, dev);
    assert.match(result.checks[0]!.lastError ?? '', /connection lost since 2025-05-01T09:12:00.000Z/);
  });

  it('reads one Run Command\'s JSON line into healthy / starting / unhealthy / stopped per service', async () => {
    const sequence = fixture('health-invocation-sequence.json') as Record<string, unknown>[];
    const ssm: SsmApi = {
      async send(command: SsmCommand) {
        if (command.constructor.name === 'SendCommandCommand') return fixture('send-command.json');
        return sequence[3];
      },
    };
    const runner = new SsmCommandRunner(ssm, { pollIntervalMs: 1 });
    const result = await checkOnInstance({ runner, agents: online }, INSTANCE, dev);
    const checks = byService(result.checks);
    assert.equal(checks.n8n?.status, 'healthy');
    assert.equal(checks.n8n?.latencyMs, 14);
    assert.equal(checks.ollama?.status, 'starting', 'refused while Docker\'s own check is still starting');
    assert.equal(checks.qdrant?.status, 'unhealthy');
    assert.match(checks.qdrant?.lastError ?? '', /keeps restarting \(6 restarts\)/);
    assert.equal(checks.crawl4ai?.status, 'stopped');
    assert.equal(checks.postgres?.status, 'healthy');
    assert.deepEqual(result.bootstrap, { bootstrap: 'done', step: 'finish' });
  });

  it('a run that prints nothing (as moto does) gives "unknown" with the reason, not a crash', async () => {
    const empty: CommandRunner = { async run() { return { status: 'Success', stdout: '', stderr: '', truncated: false, exitCode: 0 }; } };
    const result = await checkOnInstance({ runner: empty, agents: online }, INSTANCE, dev);
    assert.ok(result.checks.every((c) => c.status === 'unknown' && /printed nothing/.test(c.lastError ?? '')));
  });
});

describe('health script (run under sh with stand-in docker and curl)', () => {
  it('never contains a double brace, which SSM would treat as a parameter reference', () => {
    const script = renderHealthScript(Object.values(CATALOGUE)).join('\n');
    assert.ok(!script.includes('{{'));
    assert.ok(!script.includes('}}'));
  });

  it('checks every service and prints one JSON line the parser accepts', async () => {
    const runner = new LocalShellRunner({
      GM_FAKE_CONTAINERS: 'n8n:aa01:running:healthy:0 ollama:aa02:running:starting:0 qdrant:aa03:running:healthy:0 crawl4ai:aa04:exited:none:0 postgres:aa05:running:healthy:0',
      GM_FAKE_HTTP: '5678:200:0:{"status":"ok"} 6333:200:0:oops 11235:000:7:',
      GM_FAKE_PG_EXIT: '0',
    });
    mkdirSync(join(runner.root, 'var/log/geusemaker'), { recursive: true });
    writeFileSync(join(runner.root, 'var/log/geusemaker/bootstrap.log'), 'x GeuseMaker bootstrap for stack demo\nx == step start\nx == step wait-health\n');
    const result = await checkOnInstance({ runner, agents: online }, INSTANCE, dev);
    const checks = byService(result.checks);
    assert.deepEqual(result.bootstrap, { bootstrap: 'running', step: 'wait-health' });
    assert.equal(checks.n8n?.status, 'healthy');
    assert.equal(checks.n8n?.latencyMs, 12);
    assert.equal(checks.ollama?.status, 'starting');
    assert.equal(checks.qdrant?.status, 'unhealthy');
    assert.match(checks.qdrant?.lastError ?? '', /without the expected content/);
    assert.equal(checks.crawl4ai?.status, 'stopped');
    assert.equal(checks.postgres?.status, 'healthy');
  });

  it('while the bootstrap has not created the containers, services are "starting" with its step', async () => {
    const runner = new LocalShellRunner({ GM_FAKE_CONTAINERS: '' });
    mkdirSync(join(runner.root, 'var/log/geusemaker'), { recursive: true });
    writeFileSync(join(runner.root, 'var/log/geusemaker/bootstrap.log'), 'x GeuseMaker bootstrap for stack demo\nx == step pull-images\n');
    const result = await checkOnInstance({ runner, agents: online }, INSTANCE, dev);
    assert.ok(result.checks.every((c) => c.status === 'starting' && /step pull-images/.test(c.lastError ?? '')), JSON.stringify(result.checks));
  });
});

describe('health through the public URL', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/healthz/readiness') return void res.end('{"status":"ok"}');
      if (req.url?.startsWith('/ollama/')) {
        if (req.headers.authorization !== `Basic ${Buffer.from('admin:pw').toString('base64')}`) return void res.writeHead(401).end();
        return void res.end('{"version":"0.5.12"}');
      }
      if (req.url === '/qdrant/healthz') return void res.writeHead(502).end('Bad Gateway');
      if (req.url === '/crawl4ai/health') return void setTimeout(() => res.end('{"status":"ok"}'), 10_000);
      res.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('reports each exposed service, with the proxy login optional', async function () {
    this.timeout(20_000);
    const fast = dev.map((s) => (s.name === 'crawl4ai' ? { ...s, timeoutSeconds: 0.2 } : s));
    const without = byService(await checkPublicUrl(base, fast));
    assert.equal(without.n8n?.status, 'healthy');
    assert.equal(without.ollama?.status, 'unknown');
    assert.match(without.ollama?.lastError ?? '', /proxy password/);
    assert.equal(without.qdrant?.status, 'unhealthy');
    assert.match(without.qdrant?.lastError ?? '', /HTTP 502 \(the proxy could not reach it\)/);
    assert.equal(without.crawl4ai?.status, 'unhealthy');
    assert.match(without.crawl4ai?.lastError ?? '', /no answer within 0.2 s/);
    assert.equal(without.postgres, undefined, 'PostgreSQL is never exposed');
    const withLogin = byService(await checkPublicUrl(base, fast, { auth: { user: 'admin', password: 'pw' } }));
    assert.equal(withLogin.ollama?.status, 'healthy');
  });
});
