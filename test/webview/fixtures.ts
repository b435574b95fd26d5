import type { CatalogueService } from '../../src/engine/health/catalogue';
import type { StackHealth } from '../../src/engine/operate';
import type { HealthStatus, ServiceHealth } from '../../src/engine/health/types';
import type { HealthSnapshot } from '../../src/protocol/health';
import { foldHistory, toSnapshot, type History } from '../../src/vscode/panels/health-snapshot';

/** A stack's health after 24 rounds, built through the same code the panel uses. */
export const TARGET = { name: 'demo', stateDir: '/home/dev/.geusemaker/stacks' };

function service(name: CatalogueService, status: HealthStatus, latencyMs: number | undefined, at: string, extra: Partial<ServiceHealth> = {}): ServiceHealth {
  return { service: name, status, checkedAt: at, via: 'instance', consecutiveFailures: 0, severity: 'ok', ...(latencyMs === undefined ? {} : { latencyMs }), ...extra };
}

function round(index: number): StackHealth {
  const at = new Date(Date.UTC(2025, 5, 1, 12, 0, index * 30)).toISOString();
  const wobble = (base: number) => Math.round(base * (1 + 0.5 * Math.sin(index / 2)));
  const crawlDown = index >= 21;
  return {
    agent: { instanceId: 'i-0123456789abcdef0', pingStatus: 'Online' },
    services: [
      service('n8n', 'healthy', wobble(42), at),
      service('ollama', index < 3 ? 'starting' : 'healthy', wobble(180), at),
      service('qdrant', 'healthy', wobble(12), at),
      crawlDown
        ? service('crawl4ai', 'unhealthy', 5000, at, { consecutiveFailures: index - 20, severity: index - 20 >= 3 ? 'critical' : 'warning', lastError: '127.0.0.1:11235/health: no answer in time (limit 5 s)' })
        : service('crawl4ai', 'healthy', wobble(95), at),
      service('postgres', 'healthy', wobble(8), at),
    ],
  };
}

export function sampleSnapshot(rounds = 24): HealthSnapshot {
  let history: History = new Map();
  let last = round(0);
  for (let i = 0; i < rounds; i++) {
    last = round(i);
    history = foldHistory(history, last);
  }
  return toSnapshot(TARGET, 'us-east-1', last, history, 30);
}

/** Every service unknown for one reason, as against moto (no Run Command output). */
export function unknownSnapshot(reason = 'SSM agent not online yet'): HealthSnapshot {
  const at = '2025-06-01T12:00:00.000Z';
  const health: StackHealth = {
    agent: { instanceId: 'i-0123456789abcdef0', pingStatus: 'NotRegistered' },
    services: (['n8n', 'ollama', 'qdrant', 'crawl4ai', 'postgres'] as const).map((name) => service(name, 'unknown', undefined, at, { lastError: reason })),
  };
  return toSnapshot(TARGET, 'us-east-1', health, foldHistory(new Map(), health), 30);
}
