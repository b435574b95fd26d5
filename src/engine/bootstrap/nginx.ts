import { IDLE_TIMEOUT_SECONDS } from '../resources/load-balancer';
import { SERVICE_PORTS } from '../stack/services';
import { composeServices, HTPASSWD_PATH } from './compose';
import type { BootstrapInput } from './input';
import { fill, readTemplate } from './templates';

/** Services nginx routes to; PostgreSQL is never exposed. */
export const PROXIED_SERVICES = ['n8n', 'ollama', 'qdrant', 'crawl4ai', 'comfyui'] as const;
export type ProxiedService = (typeof PROXIED_SERVICES)[number];

const PORTS: Record<ProxiedService, number> = {
  n8n: SERVICE_PORTS.n8n, ollama: SERVICE_PORTS.ollama, qdrant: SERVICE_PORTS.qdrant, crawl4ai: SERVICE_PORTS.crawl4ai, comfyui: 8188,
};

export interface NginxOptions {
  /** host:port per service; defaults to the compose service name and its port on the compose network. */
  upstreams?: Partial<Record<ProxiedService, string>>;
  /** What the server listens on; defaults to port 80. */
  listen?: string;
  /** Basic-auth file; defaults to the one the bootstrap writes. */
  htpasswdPath?: string;
}

/** The site config (an http-context include): /healthz, n8n at /, and one prefix per other service that is on. */
export function renderNginx(input: BootstrapInput, options: NginxOptions = {}): string {
  const on = new Set<string>(composeServices(input));
  const locations = PROXIED_SERVICES.filter((name) => on.has(name)).map((name) =>
    fill(readTemplate(`nginx/${name}.conf`), {
      UPSTREAM: options.upstreams?.[name] ?? `${name}:${PORTS[name]}`,
      HTPASSWD: options.htpasswdPath ?? HTPASSWD_PATH,
    }).trimEnd());
  return fill(readTemplate('nginx/server.conf'), { LISTEN: options.listen ?? '80', KEEPALIVE_SECONDS: String(IDLE_TIMEOUT_SECONDS + 50), LOCATIONS: locations.join('\n\n') });
}
