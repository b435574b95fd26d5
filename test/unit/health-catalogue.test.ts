import assert from 'node:assert/strict';
import { composeServices } from '../../src/engine/bootstrap/compose';
import { CATALOGUE, publicCheckUrl, servicesOf, THRESHOLDS } from '../../src/engine/health/catalogue';
import { foldHealth, HealthTracker } from '../../src/engine/health/tracker';
import type { ServiceCheck } from '../../src/engine/health/types';
import { SERVICE_PORTS } from '../../src/engine/stack/services';
import { stackConfigSchema } from '../../src/engine/stack/config';

const config = (overrides: Record<string, unknown> = {}) => stackConfigSchema.parse({ name: 'demo', ...overrides });

function check(status: ServiceCheck['status'], extra: Partial<ServiceCheck> = {}): ServiceCheck {
  return { service: 'n8n', status, checkedAt: '2025-05-01T12:00:00.000Z', via: 'instance', ...extra };
}

describe('health catalogue', () => {
  it('lists the services compose runs (without the proxy), ComfyUI only on GPU stacks', () => {
    for (const [cfg, gpu] of [[config(), false], [config({ services: { crawl4ai: false } }), false], [config(), true]] as const) {
      const fromCompose = composeServices({ config: cfg, region: 'us-east-1', fileSystemId: 'fs-1', os: 'al2023', architecture: 'x86_64', gpu }).filter((s) => s !== 'nginx');
      assert.deepEqual(servicesOf(cfg, { gpu }).map((s) => s.name), fromCompose);
    }
    assert.ok(!servicesOf(config()).some((s) => s.name === 'comfyui'), 'dev tier has no ComfyUI');
    assert.ok(servicesOf(config({ tier: 'gpu' })).some((s) => s.name === 'comfyui'), 'the gpu tier has it');
  });

  it('agrees with the ports the stack publishes, and with the seed\'s timeouts and thresholds', () => {
    for (const name of ['n8n', 'ollama', 'qdrant', 'crawl4ai', 'postgres'] as const) assert.equal(CATALOGUE[name].port, SERVICE_PORTS[name]);
    assert.equal(CATALOGUE.comfyui.port, 8188);
    assert.equal(CATALOGUE.postgres.timeoutSeconds, 3);
    assert.equal(THRESHOLDS.warningFailures, 1);
    assert.equal(THRESHOLDS.criticalFailures, 3);
  });

  it('builds the public check URLs under the proxy prefixes; PostgreSQL is never exposed', () => {
    assert.equal(publicCheckUrl('https://d1.cloudfront.net', CATALOGUE.n8n), 'https://d1.cloudfront.net/healthz/readiness');
    assert.equal(publicCheckUrl('https://d1.cloudfront.net/', CATALOGUE.ollama), 'https://d1.cloudfront.net/ollama/api/version');
    assert.equal(publicCheckUrl('http://1.2.3.4', CATALOGUE.qdrant), 'http://1.2.3.4/qdrant/healthz');
    assert.equal(publicCheckUrl('http://1.2.3.4', CATALOGUE.crawl4ai), 'http://1.2.3.4/crawl4ai/health');
    assert.equal(publicCheckUrl('http://1.2.3.4', CATALOGUE.comfyui), 'http://1.2.3.4/comfyui/system_stats');
    assert.equal(publicCheckUrl('http://1.2.3.4', CATALOGUE.postgres), undefined);
  });
});

describe('health tracker', () => {
  it('1 failure warns, 3 consecutive are critical, and a healthy check resets', () => {
    const tracker = new HealthTracker();
    const severities = [check('unhealthy', { lastError: 'refused' }), check('unhealthy'), check('stopped'), check('healthy', { latencyMs: 12 })]
      .map((c) => tracker.update([c])[0]!);
    assert.deepEqual(severities.map((h) => h.severity), ['warning', 'warning', 'critical', 'ok']);
    assert.deepEqual(severities.map((h) => h.consecutiveFailures), [1, 2, 3, 0]);
    assert.equal(severities[1]!.lastError, 'refused', 'the last error stays while failures count');
    assert.equal(severities[3]!.lastError, undefined);
  });

  it('starting and unknown neither count as failures nor forgive them', () => {
    let health = foldHealth(undefined, check('unhealthy'));
    health = foldHealth(health, check('starting'));
    assert.equal(health.consecutiveFailures, 1);
    health = foldHealth(health, check('unknown', { lastError: 'SSM agent not online yet' }));
    assert.equal(health.consecutiveFailures, 1);
    assert.equal(foldHealth(undefined, check('starting')).severity, 'ok');
  });

  it('slow answers warn above 2 s and are critical above 5 s', () => {
    assert.equal(foldHealth(undefined, check('healthy', { latencyMs: 1999 })).severity, 'ok');
    assert.equal(foldHealth(undefined, check('healthy', { latencyMs: 2500 })).severity, 'warning');
    assert.equal(foldHealth(undefined, check('healthy', { latencyMs: 5001 })).severity, 'critical');
  });
});
