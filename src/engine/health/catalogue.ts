import type { StackConfig } from '../stack/config';
import { isGpuTier } from '../tiers';
import { SERVICE_PORTS } from '../stack/services';

/** The user-facing services of a stack; nginx is plumbing and is checked through the services behind it. */
export const CATALOGUE_SERVICES = ['n8n', 'ollama', 'qdrant', 'crawl4ai', 'postgres', 'comfyui'] as const;
export type CatalogueService = (typeof CATALOGUE_SERVICES)[number];

/** How a service proves it is up on the instance. */
export type Probe =
  | {
      kind: 'http';
      /** Path on 127.0.0.1:port. */
      path: string;
      /** Text the body must contain (a cheap sign it is the right service, not an error page). */
      bodyContains?: string;
    }
  | { kind: 'pg_isready'; user: string; database: string };

export interface ServiceSpec {
  name: CatalogueService;
  displayName: string;
  port: number;
  probe: Probe;
  /** Per-check time limit (seed architecture §6.2). */
  timeoutSeconds: number;
  /** Where the reverse proxy serves it; absent when it is never exposed (PostgreSQL). */
  proxyPrefix?: string;
  /**
   * Path checked through the public URL, under proxyPrefix. nginx answers `/healthz` itself, so n8n is
   * checked at `/healthz/readiness`, which also proves its database is connected.
   */
  publicPath?: string;
  /** The proxy puts basic auth in front of it (services with no auth of their own). */
  proxyAuth: boolean;
  /** Runs only on GPU stacks. */
  gpuOnly: boolean;
}

/** Latency thresholds and failure counts from the seed's alerting table (§7.5.1). */
export const THRESHOLDS = {
  warningFailures: 1,
  criticalFailures: 3,
  warningLatencyMs: 2000,
  criticalLatencyMs: 5000,
  checkIntervalSeconds: 30,
} as const;

export const CATALOGUE: Readonly<Record<CatalogueService, ServiceSpec>> = {
  n8n: {
    name: 'n8n', displayName: 'n8n', port: SERVICE_PORTS.n8n, timeoutSeconds: 5,
    probe: { kind: 'http', path: '/healthz', bodyContains: '"status"' },
    proxyPrefix: '/', publicPath: 'healthz/readiness', proxyAuth: false, gpuOnly: false,
  },
  ollama: {
    name: 'ollama', displayName: 'Ollama', port: SERVICE_PORTS.ollama, timeoutSeconds: 10,
    probe: { kind: 'http', path: '/api/version', bodyContains: '"version"' },
    proxyPrefix: '/ollama/', publicPath: 'api/version', proxyAuth: true, gpuOnly: false,
  },
  qdrant: {
    name: 'qdrant', displayName: 'Qdrant', port: SERVICE_PORTS.qdrant, timeoutSeconds: 5,
    // Qdrant answers "healthz check passed"; its health endpoints need no API key.
    probe: { kind: 'http', path: '/healthz', bodyContains: 'passed' },
    proxyPrefix: '/qdrant/', publicPath: 'healthz', proxyAuth: false, gpuOnly: false,
  },
  crawl4ai: {
    name: 'crawl4ai', displayName: 'Crawl4AI', port: SERVICE_PORTS.crawl4ai, timeoutSeconds: 5,
    probe: { kind: 'http', path: '/health', bodyContains: '"status"' },
    proxyPrefix: '/crawl4ai/', publicPath: 'health', proxyAuth: false, gpuOnly: false,
  },
  postgres: {
    name: 'postgres', displayName: 'PostgreSQL', port: SERVICE_PORTS.postgres, timeoutSeconds: 3,
    // The user and database the compose file creates for n8n.
    probe: { kind: 'pg_isready', user: 'n8n', database: 'n8n' },
    proxyAuth: false, gpuOnly: false,
  },
  comfyui: {
    name: 'comfyui', displayName: 'ComfyUI', port: 8188, timeoutSeconds: 10,
    probe: { kind: 'http', path: '/system_stats', bodyContains: '"system"' },
    proxyPrefix: '/comfyui/', publicPath: 'system_stats', proxyAuth: true, gpuOnly: true,
  },
};

/** Whether a stack runs on a GPU; the tier decides it (the same flag the bootstrap renders from). */
export function isGpuStack(config: Pick<StackConfig, 'tier'>): boolean {
  return isGpuTier(config.tier);
}

/**
 * The services a stack runs, in the order compose.ts lists them: the configured ones, plus ComfyUI on GPU
 * stacks. Pass `gpu` when the caller knows better than the tier (it mirrors BootstrapInput.gpu).
 */
export function servicesOf(config: Pick<StackConfig, 'services' | 'tier'>, options: { gpu?: boolean } = {}): ServiceSpec[] {
  const gpu = options.gpu ?? isGpuStack(config);
  return CATALOGUE_SERVICES.filter((name) => (name === 'comfyui' ? gpu : config.services[name])).map((name) => CATALOGUE[name]);
}

/** The URL a service is checked at through the stack's public URL, or undefined when it is not exposed. */
export function publicCheckUrl(publicUrl: string, spec: ServiceSpec): string | undefined {
  if (spec.proxyPrefix === undefined || spec.publicPath === undefined) return undefined;
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  return new URL(`${spec.proxyPrefix.replace(/^\//, '')}${spec.publicPath}`, base).toString();
}

/** Where a user opens the service through the public URL (its proxy prefix). */
export function publicServiceUrl(publicUrl: string, spec: ServiceSpec): string | undefined {
  if (spec.proxyPrefix === undefined) return undefined;
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  return new URL(spec.proxyPrefix.replace(/^\//, ''), base).toString();
}
