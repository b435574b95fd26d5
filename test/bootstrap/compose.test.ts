import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { COMPOSE_SECRET_VARS, renderCompose } from '../../src/engine/bootstrap/compose';
import type { BootstrapInput } from '../../src/engine/bootstrap/input';
import { stackConfigSchema, type Tier } from '../../src/engine/stack/config';
import { ajv, validate } from './compose-spec';

interface Variant { name: string; input: BootstrapInput }

const PUBLIC_URLS = [undefined, 'http://demo-alb.example.com', 'https://demo.example.com'] as const;

function variants(): Variant[] {
  const out: Variant[] = [];
  const combos: [Tier, boolean][] = [['dev', false], ['automation', false], ['gpu', false], ['gpu', true]];
  for (const [tier, gpu] of combos) {
    for (const access of [{ mode: 'ssm' as const }, { mode: 'cidr' as const, cidr: '203.0.113.7/32' }]) {
      // automation/gpu are reached through the load balancer (ssm there means load-balancer); CloudFront (gpu) takes no CIDR.
      if (tier === 'gpu' && access.mode === 'cidr') continue;
      for (const publicUrl of PUBLIC_URLS) {
        const config = stackConfigSchema.parse({ name: 'demo', tier, access: tier !== 'dev' && access.mode === 'cidr' ? { mode: 'load-balancer', cidr: access.cidr } : access });
        out.push({
          name: `${tier}, gpu ${gpu ? 'on' : 'off'}, ${access.mode}, ${publicUrl ?? 'no public URL'}`,
          input: { config, region: 'us-east-1', fileSystemId: 'fs-0123456789abcdef0', os: gpu ? 'ubuntu-22.04' : 'al2023', architecture: 'x86_64', gpu, publicUrl },
        });
      }
    }
  }
  return out;
}

interface Service {
  image?: string;
  restart?: string;
  healthcheck?: { test?: string[] };
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  deploy?: unknown;
  depends_on?: Record<string, { condition: string }>;
}


/** A version is a dotted number (16.8, v1.13.4, 1.27.4-alpine) or a build date (cu124-slim-20250317) in the tag. */
function namesVersion(image: string): boolean {
  const tag = image.slice(image.lastIndexOf(':') + 1);
  return tag.split(/[-_]/).some((part) => /^v?\d+(\.\d+)+$/.test(part) || /^\d+(\.\d+)+[a-z]*$/.test(part) || /^\d{8}$/.test(part));
}

const SECRET_KEY = /PASSWORD|SECRET|_KEY$|TOKEN/;
const REFERENCE = /^\$\{([A-Z0-9_]+)(:\?[^}]*)?\}$/;
const GPU_RESERVATION = { resources: { reservations: { devices: [{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }] } } };

describe('compose file', () => {
  for (const { name, input } of variants()) {
    describe(name, () => {
      const text = renderCompose(input);
      const doc = parse(text) as { services: Record<string, Service> };
      const services = Object.entries(doc.services);
      const proxied = input.config.access.mode !== 'ssm' || input.publicUrl !== undefined;

      it('validates against the Compose Specification schema', () => {
        assert.ok(validate(doc), ajv.errorsText(validate.errors, { separator: '\n' }));
      });

      it('pins every image to a tag that names a version, never latest or a floating line like cu124-slim', () => {
        for (const [service, spec] of services) {
          assert.match(spec.image ?? '', /^[^\s@]+:[\w][\w.-]*$/, `${service} image`);
          assert.doesNotMatch(spec.image ?? '', /:latest$/, `${service} image`);
          assert.ok(namesVersion(spec.image ?? ''), `${service} image ${spec.image} has no version in its tag`);
        }
      });

      it('gives every service a healthcheck and restart: unless-stopped', () => {
        for (const [service, spec] of services) {
          assert.ok((spec.healthcheck?.test ?? []).length > 1, `${service} healthcheck`);
          assert.equal(spec.restart, 'unless-stopped', `${service} restart`);
        }
      });

      it('binds service ports to 127.0.0.1; only nginx publishes port 80, and only when the stack is reachable', () => {
        for (const [service, spec] of services) {
          for (const port of spec.ports ?? []) {
            if (service === 'nginx') assert.equal(port, '80:80');
            else assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${service} port ${port}`);
          }
        }
        assert.equal(doc.services.nginx !== undefined, proxied);
      });

      it('keeps data on EFS and mounts only read-only config from /etc/geusemaker', () => {
        for (const [service, spec] of services) {
          for (const volume of spec.volumes ?? []) {
            const [source = ''] = volume.split(':');
            const ok = source.startsWith('/mnt/efs/') || (source.startsWith('/etc/geusemaker/') && volume.endsWith(':ro'));
            assert.ok(ok, `${service} volume ${volume}`);
            if (source.startsWith('/mnt/efs/')) assert.ok(source.startsWith(`/mnt/efs/${service}`), `${service} data under its own directory`);
          }
        }
      });

      it('holds no secret value, only ${VAR} references the env file defines', () => {
        for (const [service, spec] of services) {
          for (const [key, value] of Object.entries(spec.environment ?? {})) {
            const reference = REFERENCE.exec(value);
            if (SECRET_KEY.test(key)) assert.ok(reference, `${service} ${key} must be a \${VAR} reference`);
            if (reference) assert.ok((COMPOSE_SECRET_VARS as readonly string[]).includes(reference[1] ?? ''), `${service} ${key} names ${reference[1]}`);
          }
        }
        // Nothing shaped like a generated secret anywhere in the file.
        assert.doesNotMatch(text, /[A-Za-z0-9_-]{32,}/);
      });

      it('reserves GPUs exactly on GPU stacks, and runs ComfyUI only there', () => {
        for (const [service, spec] of services) {
          if (input.gpu && (service === 'ollama' || service === 'comfyui')) assert.deepEqual(spec.deploy, GPU_RESERVATION);
          else assert.equal(spec.deploy, undefined, `${service} deploy`);
        }
        assert.equal(doc.services.comfyui !== undefined, input.gpu);
      });

      it('starts n8n after a healthy PostgreSQL, with URL settings from the public URL', () => {
        const n8n = doc.services.n8n;
        assert.ok(n8n);
        assert.deepEqual(n8n.depends_on?.postgres, { condition: 'service_healthy' });
        const env = n8n.environment ?? {};
        if (input.publicUrl === undefined) {
          assert.equal(env.WEBHOOK_URL, undefined);
          assert.equal(env.N8N_SECURE_COOKIE, 'false');
        } else {
          assert.equal(env.WEBHOOK_URL, `${input.publicUrl}/`);
          assert.equal(env.N8N_EDITOR_BASE_URL, `${input.publicUrl}/`);
          assert.equal(env.N8N_SECURE_COOKIE, input.publicUrl.startsWith('https:') ? 'true' : 'false');
        }
      });
    });
  }

  it('has a live schema: it rejects what compose would reject', () => {
    assert.equal(validate({ services: { n8n: { image: 'n8n:1', restrat: 'always' } } }), false);
    assert.equal(validate({ services: { n8n: { image: 'n8n:1', healthcheck: { interval: '10 seconds' } } } }), false);
  });

  const [first] = variants();
  const base = first?.input;

  it('leaves out services that are off', () => {
    assert.ok(base);
    const config = stackConfigSchema.parse({ name: 'demo', services: { crawl4ai: false, qdrant: false } });
    const doc = parse(renderCompose({ ...base, config })) as { services: Record<string, Service> };
    assert.deepEqual(Object.keys(doc.services), ['n8n', 'ollama', 'postgres']);
  });

  it('takes per-stack image overrides, under the same pinning rule', () => {
    assert.ok(base);
    const doc = parse(renderCompose(base, { images: { ollama: 'ollama/ollama:0.6.0' } })) as { services: Record<string, Service> };
    assert.equal(doc.services.ollama?.image, 'ollama/ollama:0.6.0');
    assert.throws(() => renderCompose(base, { images: { ollama: 'ollama/ollama:latest' } }), /latest/);
    assert.throws(() => renderCompose(base, { images: { ollama: 'ollama/ollama' } }), /explicit tag/);
    assert.throws(() => renderCompose({ ...base, gpu: true }, { images: { comfyui: 'yanwk/comfyui-boot:cu124-slim' } }), /names a version/);
    assert.throws(() => renderCompose(base, { images: { nginx: 'nginx:stable-alpine' } }), /names a version/);
  });

  it('the semantic check itself tells versioned tags from floating ones', () => {
    for (const image of ['postgres:16.8', 'qdrant/qdrant:v1.13.4', 'nginx:1.27.4-alpine', 'yanwk/comfyui-boot:cu124-slim-20250317']) assert.ok(namesVersion(image), image);
    for (const image of ['yanwk/comfyui-boot:cu124-slim', 'nginx:stable-alpine', 'ollama/ollama:rocm', 'postgres:16']) assert.ok(!namesVersion(image), image);
  });
});
