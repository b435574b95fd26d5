import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { SERVICE_NAMES, usesCloudFront } from '../stack/config';
import { isLoadBalanced } from '../tiers';
import type { BootstrapInput } from './input';
import { databaseOnMain, n8nQueueEnv, RDS_CA_PATH, usesRds } from './queue-env';
import { readTemplate } from './templates';

/** Every container the compose file can hold: the configurable services, the GPU and proxy extras, and a scaled stack's queue on the instance. */
export const COMPOSE_SERVICES = [...SERVICE_NAMES, 'comfyui', 'nginx', 'redis'] as const;
export type ComposeServiceName = (typeof COMPOSE_SERVICES)[number];

/** The bootstrap writes the secrets here and runs `docker compose --env-file` with it; the compose file only references them. */
export const COMPOSE_ENV_FILE = '/etc/geusemaker/stack.env';
/** Variables the env file must define; compose refuses to start when one is missing. */
export const COMPOSE_SECRET_VARS = ['POSTGRES_PASSWORD', 'N8N_ENCRYPTION_KEY', 'QDRANT_API_KEY', 'CRAWL4AI_API_TOKEN', 'REDIS_AUTH_TOKEN'] as const;
/** Where the bootstrap writes renderNginx's output and the basic-auth file the compose file mounts. */
export const NGINX_SITE_PATH = '/etc/geusemaker/nginx-site.conf';
export const HTPASSWD_PATH = '/etc/geusemaker/htpasswd';

export interface ComposeOptions {
  /** The stack's pinned images over the tested set; each must still carry an explicit tag that names a version. */
  images?: Readonly<Partial<Record<string, string>>>;
}

/** A tag names a version when it holds a dotted number (1.2, v1.13.4) or a build date (20250317); cu124-slim only names a line of builds. */
export const VERSIONED_TAG = /(^|\D)(v?\d+(\.\d+)+|\d{8})(\D|$)/;
const imageSchema = z
  .string()
  .regex(/^[^\s@]+:[\w][\w.-]{0,127}$/, { error: 'must name an explicit tag, e.g. repo/image:1.2.3' })
  .refine((image) => !image.endsWith(':latest'), { error: 'must not use the latest tag' })
  .refine((image) => VERSIONED_TAG.test(image.slice(image.lastIndexOf(':') + 1)), { error: 'must use a tag that names a version (e.g. 1.2.3 or a build date), not a floating one' });
const versionsSchema = z.object(
  Object.fromEntries(COMPOSE_SERVICES.map((name) => [name, imageSchema])) as Record<ComposeServiceName, typeof imageSchema>,
);
const serviceSchema = z.looseObject({ environment: z.record(z.string(), z.string()).optional() });
type ComposeService = z.infer<typeof serviceSchema>;
export const blocksSchema = z.record(z.string(), serviceSchema);

export const GPU_RESERVATION = { resources: { reservations: { devices: [{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }] } } };

/**
 * nginx runs only when something reaches the instance over the network: the CIDR access mode or a public URL
 * (load balancer or CloudFront). Plain SSM forwards straight to the 127.0.0.1 ports, where a proxy adds nothing.
 */
export function needsProxy(input: BootstrapInput): boolean {
  return input.config.access.mode !== 'ssm' || input.publicUrl !== undefined;
}

/** Services the stack runs, in start order of their dependencies. */
export function composeServices(input: BootstrapInput): ComposeServiceName[] {
  const { scale } = input;
  // Once n8n's data has moved into RDS, the instance's PostgreSQL has nothing left to serve.
  const on: ComposeServiceName[] = SERVICE_NAMES.filter((name) => input.config.services[name] && !(name === 'postgres' && scale && !databaseOnMain(scale)));
  if (scale?.queue === 'instance') on.push('redis');
  if (input.gpu) on.push('comfyui');
  if (needsProxy(input)) on.push('nginx');
  return on;
}

/** The images this release was tested with (templates/versions.json): a new stack's, and what `upgrade` moves to. */
export function testedImages(): Record<ComposeServiceName, string> {
  return versionsSchema.parse(JSON.parse(readTemplate('versions.json')));
}

/** The images a stack runs: its pins over the tested set (a service added since the pins were taken gets the tested one). */
export function stackImages(pinned?: Readonly<Partial<Record<string, string>>>): Record<ComposeServiceName, string> {
  return versionsSchema.parse({ ...testedImages(), ...pinned });
}

/** "1.80.3" from "docker.n8n.io/n8nio/n8n:1.80.3": the tag, for plans and history. */
export function imageTag(image: string): string {
  return image.slice(image.lastIndexOf(':') + 1);
}

/** The compose file; secrets stay ${VAR} references that `docker compose --env-file COMPOSE_ENV_FILE` resolves. */
export function renderCompose(input: BootstrapInput, options: ComposeOptions = {}): string {
  const versions = stackImages(options.images);
  const blocks = blocksSchema.parse(parse(readTemplate('compose/services.yml')));
  const names = composeServices(input);
  const services: Record<string, ComposeService> = {};
  for (const name of names) {
    const block = blocks[name];
    if (!block) throw new Error(`templates/compose/services.yml has no block for ${name}`);
    // image first keeps the rendered file readable.
    const service: ComposeService = { image: versions[name], ...structuredClone(block) };
    if (input.gpu && (name === 'ollama' || name === 'comfyui')) service.deploy = structuredClone(GPU_RESERVATION);
    if (name === 'n8n') {
      service.environment = { ...service.environment, ...n8nUrlEnv(input), ...(input.scale ? n8nQueueEnv(input.scale, 'main') : {}) };
      if (input.scale) scaleN8n(service, input.scale, names);
    }
    // Workers reach the instance's PostgreSQL and queue at its private address: published on the host, where the
    // security group admits only the stack's instances and workers.
    if (name === 'postgres' && input.scale) service.ports = ['5432:5432'];
    if (name === 'nginx') {
      // The one port that leaves the host; the security group or load balancer decides who reaches it.
      service.ports = ['80:80'];
      const upstreams = names.filter((other) => other !== 'nginx' && other !== 'postgres' && other !== 'redis');
      service.depends_on = Object.fromEntries(upstreams.map((other) => [other, { condition: 'service_started' }]));
    }
    services[name] = service;
  }
  return `# Rendered by GeuseMaker. Run with: docker compose --env-file ${COMPOSE_ENV_FILE} up -d\n${stringify({ services }, { lineWidth: 0 })}`;
}

/** Queue mode on main: it waits for the databases it has on the instance, and reads RDS's CA bundle when it uses RDS. */
function scaleN8n(service: ComposeService, scale: NonNullable<BootstrapInput['scale']>, names: readonly ComposeServiceName[]): void {
  const after = (['postgres', 'redis'] as const).filter((other) => names.includes(other));
  if (after.length > 0) service.depends_on = Object.fromEntries(after.map((other) => [other, { condition: 'service_healthy' }]));
  else delete service.depends_on;
  if (usesRds(scale)) service.volumes = [...volumesOf(service), `${RDS_CA_PATH}:${RDS_CA_PATH}:ro`];
}

function volumesOf(service: ComposeService): string[] {
  return Array.isArray(service.volumes) ? service.volumes.filter((volume): volume is string => typeof volume === 'string') : [];
}

function n8nUrlEnv(input: BootstrapInput): Record<string, string> {
  const env: Record<string, string> = {};
  // Proxies in front of n8n, so it trusts X-Forwarded-For that far and no further: nginx, then the load balancer, then CloudFront.
  const balanced = input.publicUrl !== undefined && isLoadBalanced(input.config.tier);
  if (needsProxy(input)) env.N8N_PROXY_HOPS = String(1 + (balanced ? 1 : 0) + (balanced && usesCloudFront(input.config) ? 1 : 0));
  if (input.publicUrl === undefined) return env;
  const base = input.publicUrl.endsWith('/') ? input.publicUrl : `${input.publicUrl}/`;
  env.WEBHOOK_URL = base;
  env.N8N_EDITOR_BASE_URL = base;
  env.N8N_SECURE_COOKIE = new URL(base).protocol === 'https:' ? 'true' : 'false';
  return env;
}
