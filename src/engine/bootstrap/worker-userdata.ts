import { gzipSync } from 'node:zlib';
import { parse, stringify } from 'yaml';
import { GeuseError } from '../errors';
import { N8N_WORKER_HEALTH_PORT, OLLAMA_PORT, scaleNames } from '../scale/names';
import { names } from '../stack/naming';
import { N8N_CONCURRENCY_PER_VCPU } from '../stack/scale-config';
import { blocksSchema, COMPOSE_ENV_FILE, GPU_RESERVATION, stackImages, type ComposeOptions } from './compose';
import type { WorkerBootstrapInput } from './input';
import { CONCURRENCY_VAR, MAIN_ADDRESS_VAR, n8nQueueEnv, RDS_CA_PATH, usesRds, workersNeedMain } from './queue-env';
import { fill, readTemplate } from './templates';
import { sharedParts, writeComposePart, installPart, safe, secretEnvOf, SERVICE_DIRS, USERDATA_LIMIT_BYTES, words, type RenderedUserData } from './userdata';

/**
 * The n8n worker's watchdog: a check each interval, starting `graceSeconds` after boot (install, image pull, n8n's
 * start); `failures` failed checks in a row mark the instance Unhealthy (autoscaling:SetInstanceHealth).
 */
export const WORKER_WATCHDOG = { graceSeconds: 900, intervalSeconds: 60, failures: 3 } as const;

/** What a worker of each pool checks: n8n's readiness (its database and queue connected), Ollama's version. */
const HEALTH_URL = {
  n8n: `http://127.0.0.1:${N8N_WORKER_HEALTH_PORT}/healthz/readiness`,
  ollama: `http://127.0.0.1:${OLLAMA_PORT}/api/version`,
} as const;

/** The compose service a pool's workers run. */
export const WORKER_SERVICE = { n8n: 'n8n-worker', ollama: 'ollama' } as const;

/** The pool's container only, wired to the stack's shared services; secrets stay ${VAR} references as on main. */
export function renderWorkerCompose(input: WorkerBootstrapInput, options: ComposeOptions = {}): string {
  const images = stackImages(options.images);
  const blocks = blocksSchema.parse(parse(readTemplate('compose/workers.yml')));
  const name = WORKER_SERVICE[input.pool];
  const block = blocks[name];
  if (!block) throw new Error(`templates/compose/workers.yml has no block for ${name}`);
  const service: Record<string, unknown> & { environment?: Record<string, string> } = {
    image: input.pool === 'n8n' ? images.n8n : images.ollama, ...structuredClone(block),
  };
  if (input.pool === 'n8n') {
    service.environment = { ...service.environment, ...webhookEnv(input.publicUrl), ...n8nQueueEnv(input.scale, 'worker') };
    if (usesRds(input.scale)) service.volumes = [...(Array.isArray(service.volumes) ? service.volumes : []), `${RDS_CA_PATH}:${RDS_CA_PATH}:ro`];
  } else if (input.gpu) {
    service.deploy = structuredClone(GPU_RESERVATION);
  }
  return `# Rendered by GeuseMaker for the ${input.pool} workers. Run with: docker compose --env-file ${COMPOSE_ENV_FILE} up -d\n${stringify({ services: { [name]: service } }, { lineWidth: 0 })}`;
}

/** Wait nodes' resume URLs ($execution.resumeUrl) are built on the worker that runs them, from WEBHOOK_URL. */
function webhookEnv(publicUrl: string | undefined): Record<string, string> {
  if (publicUrl === undefined) return {};
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  return { WEBHOOK_URL: base, N8N_EDITOR_BASE_URL: base };
}

/** The env file's secrets a pool's worker reads, variable → parameter name (under the stack's parameter path): n8n's, as on main. */
function workerSecretEnv(input: Pick<WorkerBootstrapInput, 'pool'>): [string, string][] {
  return input.pool === 'n8n' ? secretEnvOf(['n8n'], true) : [];
}

/** Every Parameter Store name a pool's worker reads at boot (its secrets and, when it uses main's services, main's address). */
export function workerParameters(input: Pick<WorkerBootstrapInput, 'config' | 'pool' | 'scale'>): string[] {
  const stack = input.config.name;
  const secrets = workerSecretEnv(input).map(([, parameter]) => names.parameter(stack, parameter));
  return [...secrets, ...(mainAddressParameter(input) ? [scaleNames.mainAddressParameter(stack)] : [])];
}

function mainAddressParameter(input: Pick<WorkerBootstrapInput, 'pool' | 'scale'>): boolean {
  return input.pool === 'n8n' && workersNeedMain(input.scale);
}

/** The worker's bootstrap script: install, mount EFS, env file, the pool's container, and (n8n) the watchdog. */
export function renderWorkerUserDataScript(input: WorkerBootstrapInput, options: ComposeOptions = {}): string {
  const { config, pool } = input;
  if (!/^fs-[0-9a-f]+$/.test(input.fileSystemId)) throw new Error(`"${input.fileSystemId}" is not an EFS file system id`);
  const gpu = pool === 'ollama' && input.gpu;
  const dirs = pool === 'n8n'
    ? [`n8n:${SERVICE_DIRS.n8n?.uid ?? 1000}:700`, `n8n/nodes:${SERVICE_DIRS.n8n?.uid ?? 1000}:700`]
    : [`ollama:${SERVICE_DIRS.ollama?.uid ?? 0}:700`];
  return fill(readTemplate('userdata/worker.sh'), {
    STACK: safe(config.name, 'stack name'),
    REGION: safe(input.region, 'region'),
    EFS_ID: input.fileSystemId,
    PARAM_PATH: safe(names.parameterPath(config.name), 'parameter path'),
    POOL: pool,
    VARIANT: `${input.os} ${input.architecture}${gpu ? ' gpu' : ''}`,
    GPU: gpu ? '1' : '0',
    SERVICE_DIRS: words(dirs, 'directory'),
    SECRET_ENV: words(workerSecretEnv(input).map(([env, parameter]) => `${env}=${parameter}`), 'secret'),
    MAIN_ADDRESS_PARAM: mainAddressParameter(input) ? safe(scaleNames.mainAddressParameter(config.name), 'main address parameter') : '',
    MAIN_ADDRESS_VAR,
    CONCURRENCY_VAR,
    PER_VCPU: pool === 'n8n' ? String(N8N_CONCURRENCY_PER_VCPU) : '0',
    WATCHDOG: pool === 'n8n' ? '1' : '0',
    WATCHDOG_GRACE: String(WORKER_WATCHDOG.graceSeconds),
    WATCHDOG_INTERVAL: String(WORKER_WATCHDOG.intervalSeconds),
    WATCHDOG_FAILURES: String(WORKER_WATCHDOG.failures),
    HEALTH_URL: HEALTH_URL[pool],
    RDS_CA: pool === 'n8n' && usesRds(input.scale) ? '1' : '0',
    INSTALL: installPart(input),
    ...sharedParts(),
    WRITE_COMPOSE: writeComposePart(renderWorkerCompose(input, options)),
  });
}

/** UserData for a pool's launch template: the worker script, gzip-compressed, under EC2's 16 KiB like the main instance's. */
export function renderWorkerUserData(input: WorkerBootstrapInput, options: ComposeOptions = {}): RenderedUserData {
  const script = renderWorkerUserDataScript(input, options);
  const payload = gzipSync(Buffer.from(script, 'utf8'), { level: 9 });
  if (payload.length > USERDATA_LIMIT_BYTES) {
    // Nothing in a worker's script grows with the config (no model list), so only GeuseMaker can make it too large.
    throw new GeuseError({
      code: 'USERDATA_TOO_LARGE', kind: 'invalid-input',
      message: `The ${input.pool} workers' UserData for stack ${input.config.name} would be ${payload.length} bytes gzip-compressed, over EC2's limit of ${USERDATA_LIMIT_BYTES} bytes (before base64), so nothing was created.`,
      nextStep: 'This is a bug in GeuseMaker; please report it with your configuration.',
    });
  }
  return { script, payload, compressed: true };
}
