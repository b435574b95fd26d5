import { IDLE_TIMEOUT_SECONDS } from '../../src/engine/resources/load-balancer';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootstrapInput } from '../../src/engine/bootstrap/input';
import { PROXIED_SERVICES, renderNginx, type NginxOptions, type ProxiedService } from '../../src/engine/bootstrap/nginx';
import { stackConfigSchema, type Tier } from '../../src/engine/stack/config';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path)) ?? 'nginx';

function input(tier: Tier, gpu: boolean, access: 'ssm' | 'cidr', publicUrl?: string): BootstrapInput {
  // automation/gpu are reached through the load balancer; CloudFront (gpu) takes no CIDR.
  const cidr = tier === 'dev' ? { mode: 'cidr', cidr: '203.0.113.7/32' } : tier === 'automation' ? { mode: 'load-balancer', cidr: '203.0.113.7/32' } : { mode: 'load-balancer' };
  const config = stackConfigSchema.parse({ name: 'demo', tier, access: access === 'ssm' ? { mode: 'ssm' } : cidr });
  return { config, region: 'us-east-1', fileSystemId: 'fs-0123456789abcdef0', os: gpu ? 'ubuntu-22.04' : 'al2023', architecture: 'x86_64', gpu, publicUrl };
}

/** Variants that run nginx at all: plain SSM without a public URL has no proxy. */
function variants(): [string, BootstrapInput][] {
  const out: [string, BootstrapInput][] = [];
  const combos: [Tier, boolean][] = [['dev', false], ['automation', false], ['gpu', false], ['gpu', true]];
  for (const [tier, gpu] of combos) {
    for (const [access, publicUrl] of [['cidr', undefined], ['ssm', 'https://demo.example.com'], ['cidr', 'http://demo-alb.example.com']] as const) {
      out.push([`${tier}, gpu ${gpu ? 'on' : 'off'}, ${access}, ${publicUrl ?? 'no public URL'}`, input(tier, gpu, access, publicUrl)]);
    }
  }
  return out;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A prefix with the main config around the rendered site: everything nginx writes stays under it, no root needed. */
function prefix(site: string, foreground: boolean): { dir: string; conf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gm-nginx-'));
  for (const sub of ['logs', 'temp']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'site.conf'), site);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, [
    // One process and no "user": it never switches to an account that could not read the prefix.
    ...(foreground ? ['daemon off;', 'master_process off;'] : []),
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/logs/error.log;`,
    'events { worker_connections 64; }',
    'http {',
    `  access_log ${dir}/logs/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${dir}/temp/${kind};`),
    `  include ${dir}/site.conf;`,
    '}',
    '',
  ].join('\n'));
  return { dir, conf };
}

function nginxArgs(dir: string, conf: string): string[] {
  return ['-p', `${dir}/`, '-c', conf, '-e', `${dir}/logs/error.log`];
}

interface Reply { status: number; body: string; headers: IncomingHttpHeaders }

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a WebSocket-style upgrade and returns what the stand-in behind nginx saw. */
function upgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { ...headers, Connection: 'Upgrade', Upgrade: 'websocket' } });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(JSON.parse(Buffer.from(String(res.headers['x-seen']), 'base64').toString('utf8')) as Seen);
    });
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

interface Seen { service: string; url: string; headers: IncomingHttpHeaders }

/** An HTTP server standing in for one service: it answers with what it received. */
async function standIn(service: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ service, url: req.url ?? '', headers: req.headers } satisfies Seen));
  });
  server.on('upgrade', (req, socket) => {
    const seen = Buffer.from(JSON.stringify({ service, url: req.url ?? '', headers: req.headers } satisfies Seen)).toString('base64');
    socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Seen: ${seen}\r\n\r\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('nginx proxy config', function () {
  before(function () {
    if (spawnSync(NGINX, ['-v']).status !== 0) throw new Error('nginx is missing: run node scripts/ensure-system-tools.mjs');
  });

  for (const [name, stack] of variants()) {
    it(`passes nginx -t: ${name}`, async () => {
      // Compose service names resolve only on the compose network, and nginx -t resolves upstreams: use loopback.
      const upstreams = Object.fromEntries(PROXIED_SERVICES.map((service, i) => [service, `127.0.0.1:${20000 + i}`]));
      const site = renderNginx(stack, { listen: `127.0.0.1:${await freePort()}`, upstreams });
      assert.equal(site.includes('location /comfyui/'), stack.gpu);
      const { dir, conf } = prefix(site, false);
      try {
        const result = spawnSync(NGINX, ['-t', ...nginxArgs(dir, conf)], { encoding: 'utf8' });
        assert.equal(result.status, 0, `${result.stderr}\n${site}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('renders the production defaults: port 80, compose service names, the bootstrap-written htpasswd', () => {
    const site = renderNginx(input('gpu', true, 'cidr'));
    assert.match(site, /listen 80;/);
    for (const upstream of ['n8n:5678', 'ollama:11434/', 'qdrant:6333/', 'crawl4ai:11235/', 'comfyui:8188/']) assert.ok(site.includes(`proxy_pass http://${upstream};`), upstream);
    assert.match(site, /auth_basic_user_file \/etc\/geusemaker\/htpasswd;/);
    assert.doesNotMatch(site, /\{\{/);
  });

  it('outlasts the load balancer: nginx keeps idle connections longer than the ALB\'s idle timeout (else the ALB reuses a closed one: 502), and n8n waits as long as the ALB does', () => {
    const site = renderNginx(input('gpu', true, 'cidr'));
    const keepalive = Number(/keepalive_timeout (\d+)s;/.exec(site)?.[1]);
    assert.ok(keepalive > IDLE_TIMEOUT_SECONDS, `keepalive_timeout ${keepalive}s > ALB idle ${IDLE_TIMEOUT_SECONDS}s`);
    const n8n = /location \/ \{[^}]*proxy_read_timeout (\d+)s;/.exec(site);
    assert.ok(Number(n8n?.[1]) >= IDLE_TIMEOUT_SECONDS, `n8n proxy_read_timeout ${n8n?.[1]}s ≥ ${IDLE_TIMEOUT_SECONDS}s`);
  });

  describe('running in front of stand-ins (GPU stack, every service on)', function () {
    const user = 'geuse';
    const password = 'correct horse battery staple';
    const standIns = new Map<ProxiedService, { server: Server; port: number }>();
    let nginx: ChildProcess | undefined;
    let dir = '';
    let port = 0;
    const basic = (pw: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });

    before(async function () {
      for (const service of PROXIED_SERVICES) standIns.set(service, await standIn(service));
      const upstreams: NginxOptions['upstreams'] = Object.fromEntries([...standIns].map(([service, { port: p }]) => [service, `127.0.0.1:${p}`]));
      port = await freePort();
      const prepared = prefix('', true);
      dir = prepared.dir;
      // {SHA}: base64 of the SHA-1 digest, a scheme nginx reads natively (no openssl or htpasswd tool needed).
      const htpasswd = join(dir, 'htpasswd');
      writeFileSync(htpasswd, `${user}:{SHA}${createHash('sha1').update(password).digest('base64')}\n`);
      writeFileSync(join(dir, 'site.conf'), renderNginx(input('gpu', true, 'cidr', 'https://demo.example.com'), { listen: `127.0.0.1:${port}`, upstreams, htpasswdPath: htpasswd }));
      nginx = spawn(NGINX, nginxArgs(dir, prepared.conf), { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          if ((await get(port, '/healthz')).status === 200) break;
        } catch { /* not listening yet */ }
        if (nginx.exitCode !== null || Date.now() > deadline) {
          throw new Error(`nginx did not start: ${existsSync(join(dir, 'logs/error.log')) ? readFileSync(join(dir, 'logs/error.log'), 'utf8') : ''}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    after(async function () {
      if (nginx?.pid !== undefined && nginx.exitCode === null) {
        const exited = new Promise((resolve) => nginx?.once('exit', resolve));
        process.kill(nginx.pid, 'SIGTERM');
        await exited;
      }
      await Promise.all([...standIns.values()].map(({ server }) => new Promise((resolve) => server.close(resolve))));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const seen = (reply: Reply): Seen => JSON.parse(reply.body) as Seen;

    it('answers /healthz with 200 itself, without auth', async () => {
      const reply = await get(port, '/healthz');
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'ok\n');
    });

    it('sends / and every unprefixed path to n8n unchanged, with forwarding headers', async () => {
      for (const path of ['/', '/rest/workflows?limit=1', '/webhook/abc']) {
        const got = seen(await get(port, path, { Host: 'demo.example.com' }));
        assert.equal(got.service, 'n8n');
        assert.equal(got.url, path);
        assert.equal(got.headers.host, 'demo.example.com');
        assert.equal(got.headers['x-forwarded-for'], '127.0.0.1');
      }
    });

    it('strips the prefix of /qdrant/ and /crawl4ai/, which need no proxy auth', async () => {
      assert.deepEqual(
        [seen(await get(port, '/qdrant/collections')), seen(await get(port, '/crawl4ai/health'))].map(({ service, url }) => [service, url]),
        [['qdrant', '/collections'], ['crawl4ai', '/health']],
      );
    });

    it('asks for basic auth on /ollama/ and /comfyui/, and passes the right credentials through prefix-stripped', async () => {
      for (const [prefixPath, service, path] of [['/ollama/', 'ollama', 'api/version'], ['/comfyui/', 'comfyui', 'system_stats']] as const) {
        const anonymous = await get(port, `${prefixPath}${path}`);
        assert.equal(anonymous.status, 401, `${service} without credentials`);
        assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm="GeuseMaker"/);
        assert.equal((await get(port, `${prefixPath}${path}`, basic('wrong'))).status, 401, `${service} with a wrong password`);
        const reply = await get(port, `${prefixPath}${path}`, basic(password));
        assert.equal(reply.status, 200, `${service} with credentials`);
        assert.deepEqual([seen(reply).service, seen(reply).url], [service, `/${path}`]);
      }
    });

    it('forwards WebSocket upgrades to n8n and ComfyUI', async () => {
      const n8n = await upgrade(port, '/rest/push');
      assert.deepEqual([n8n.service, n8n.url, n8n.headers.upgrade, n8n.headers.connection], ['n8n', '/rest/push', 'websocket', 'upgrade']);
      const comfy = await upgrade(port, '/comfyui/ws?clientId=1', basic(password));
      assert.deepEqual([comfy.service, comfy.url, comfy.headers.upgrade, comfy.headers.connection], ['comfyui', '/ws?clientId=1', 'websocket', 'upgrade']);
    });

    it('closes plain requests to n8n instead of asking for an upgrade', async () => {
      assert.equal(seen(await get(port, '/')).headers.connection, 'close');
    });
  });
});
