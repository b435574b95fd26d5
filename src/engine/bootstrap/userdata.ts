import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { GeuseError } from '../errors';
import { names } from '../stack/naming';
import { REDIS_SECRET, type SECRETS } from '../resources/secret-specs';
import { QUEUE_METRIC, scaleNames } from '../scale/names';
import type { BootstrapInput } from './input';
import { COMPOSE_ENV_FILE, composeServices, needsProxy, renderCompose, type COMPOSE_SECRET_VARS, type ComposeOptions, type ComposeServiceName } from './compose';
import { renderNginx } from './nginx';
import { RDS_CA_PATH, RDS_CA_URL, REDIS_SECRET_VAR, usesRds, workersNeedMain } from './queue-env';
import { bootstrapStatusParameter } from './status';
import { fill, readTemplate } from './templates';

/** EC2's limit on UserData, counted before base64. */
export const USERDATA_LIMIT_BYTES = 16_384;
/** What a rendered variant may use: a quarter of the limit stays free for growth. */
export const USERDATA_BUDGET_BYTES = USERDATA_LIMIT_BYTES * 0.75;

export interface RenderedUserData {
  /** The shell script as cloud-init runs it. */
  script: string;
  /** The bytes sent as UserData (base64-encode them for RunInstances). */
  payload: Buffer;
  /** Whether payload is gzip: cloud-init detects and unpacks gzip user data itself, no MIME wrapper needed. */
  compressed: boolean;
}

/** A stack secret's parameter name; the queue's token (ElastiCache's AuthToken, or the instance's Valkey password) only on scaled stacks. */
export type SecretName = (typeof SECRETS)[number]['name'] | typeof REDIS_SECRET.name;

/**
 * Parameter behind each variable the compose file requires, and the services that need it: only those of running
 * services are fetched. The queue's token only in queue mode (a scaled stack), where n8n needs it too.
 */
const ENV_SECRETS: Record<(typeof COMPOSE_SECRET_VARS)[number], { parameter: SecretName; usedBy: ComposeServiceName[]; scaled?: true }> = {
  POSTGRES_PASSWORD: { parameter: 'postgres-password', usedBy: ['postgres', 'n8n'] },
  N8N_ENCRYPTION_KEY: { parameter: 'n8n-encryption-key', usedBy: ['n8n'] },
  QDRANT_API_KEY: { parameter: 'qdrant-api-key', usedBy: ['qdrant'] },
  CRAWL4AI_API_TOKEN: { parameter: 'crawl4ai-api-token', usedBy: ['crawl4ai'] },
  [REDIS_SECRET_VAR]: { parameter: REDIS_SECRET.name, usedBy: ['n8n', 'redis'], scaled: true },
};

/** The env file's variables and the parameter each is read from, for the services that are on (in queue mode or not). */
export function secretEnvOf(services: readonly ComposeServiceName[], scaled: boolean): [string, SecretName][] {
  return Object.entries(ENV_SECRETS)
    .filter(([, secret]) => (scaled || !secret.scaled) && secret.usedBy.some((name) => services.includes(name)))
    .map(([env, secret]) => [env, secret.parameter]);
}

/** The env file as the instance writes it, each value replaced by the parameter it is read from at boot. */
export function previewEnvFile(input: BootstrapInput): string {
  const path = names.parameterPath(input.config.name);
  return secretEnvOf(composeServices(input), input.scale !== undefined).map(([env, parameter]) => `${env}=<SecureString ${path}${parameter}>\n`).join('');
}

/** nginx's basic-auth login, for the services without one of their own (Ollama, ComfyUI). */
export const PROXY_USER = 'admin';
const PROXY_SECRET: SecretName = 'proxy-password';

/** Data directories on EFS, owned by the uid each image runs as. Crawl4AI is stateless and nginx reads /etc only. */
export const SERVICE_DIRS: Partial<Record<ComposeServiceName, { dirs: string[]; uid: number }>> = {
  n8n: { dirs: ['n8n'], uid: 1000 },
  postgres: { dirs: ['postgres'], uid: 999 },
  redis: { dirs: ['redis'], uid: 999 },
  ollama: { dirs: ['ollama'], uid: 0 },
  qdrant: { dirs: ['qdrant'], uid: 0 },
  comfyui: { dirs: ['comfyui', 'comfyui/models', 'comfyui/input', 'comfyui/output', 'comfyui/custom_nodes'], uid: 0 },
};

/** Local HTTP health endpoints; PostgreSQL is checked with pg_isready. */
export const HEALTH_URLS: Partial<Record<ComposeServiceName, string>> = {
  n8n: 'http://127.0.0.1:5678/healthz',
  ollama: 'http://127.0.0.1:11434/api/version',
  qdrant: 'http://127.0.0.1:6333/healthz',
  crawl4ai: 'http://127.0.0.1:11235/health',
  comfyui: 'http://127.0.0.1:8188/system_stats',
  nginx: 'http://127.0.0.1:80/healthz',
};

const composePluginSchema = z.object({ version: z.string().regex(/^v\d+\.\d+\.\d+$/), sha256: z.object({ x86_64: z.string().regex(/^[0-9a-f]{64}$/), aarch64: z.string().regex(/^[0-9a-f]{64}$/) }) });
const commitSchema = z.string().regex(/^[0-9a-f]{40}$/, { error: 'must be a full 40-character commit id' });
const efsUtilsSchema = z.object({ tag: z.string().regex(/^v\d+\.\d+\.\d+$/), version: z.string().regex(/^\d+\.\d+\.\d+(-\d+)?$/), commit: commitSchema });
const comfyNodesSchema = z.object({
  nodes: z.array(z.object({ dir: z.string().regex(/^[A-Za-z0-9._-]+$/), url: z.string().regex(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/), commit: commitSchema })),
});

/** The pinned efs-utils release Ubuntu builds at boot (Amazon Linux installs it from its own repository). */
export function efsUtilsPin(): z.infer<typeof efsUtilsSchema> {
  return efsUtilsSchema.parse(JSON.parse(readTemplate('userdata/efs-utils.json')));
}

/** The ComfyUI custom nodes a GPU stack installs at first boot, each at an exact commit. */
export function comfyNodePins(): z.infer<typeof comfyNodesSchema>['nodes'] {
  return comfyNodesSchema.parse(JSON.parse(readTemplate('userdata/comfyui-nodes.json'))).nodes;
}

/** Embedded files are quoted heredocs: their text is written verbatim, so only the delimiter line is forbidden. */
export function heredocBody(text: string, delimiter: string): string {
  const body = text.trimEnd();
  if (body.split('\n').includes(delimiter)) throw new Error(`An embedded file contains the line ${delimiter}`);
  return body;
}

/** Values land in single quotes or bare array words, so anything outside this set is refused rather than escaped. */
export function safe(value: string, what: string): string {
  if (!/^[A-Za-z0-9._:/@=-]+$/.test(value)) throw new Error(`${what} "${value}" cannot be placed in the bootstrap script`);
  return value;
}

export function words(values: string[], what: string): string {
  return values.map((value) => `'${safe(value, what)}'`).join(' ');
}

export function installPart(input: Pick<BootstrapInput, 'os' | 'architecture'>): string {
  if (input.os !== 'al2023') {
    const efs = efsUtilsPin();
    return fill(readTemplate('userdata/install-ubuntu.sh'), { EFS_UTILS_TAG: efs.tag, EFS_UTILS_VERSION: efs.version, EFS_UTILS_COMMIT: efs.commit }).trimEnd();
  }
  const plugin = composePluginSchema.parse(JSON.parse(readTemplate('userdata/compose-plugin.json')));
  const arch = input.architecture === 'arm64' ? 'aarch64' : 'x86_64';
  return fill(readTemplate('userdata/install-al2023.sh'), {
    COMPOSE_VERSION: plugin.version, COMPOSE_ARCH: arch, COMPOSE_SHA256: plugin.sha256[arch],
  }).trimEnd();
}

/** Mounting EFS at /mnt/efs with bounded retries: the same lines on the main instance and on workers. */
export function mountPart(): string {
  return readTemplate('userdata/mount-efs.sh').trimEnd();
}

/** Writing the compose file (a quoted heredoc, verbatim) and fetching RDS's CA bundle when n8n uses RDS. */
export function writeComposePart(compose: string): string {
  return fill(readTemplate('userdata/write-compose.sh'), { COMPOSE: heredocBody(compose, 'GM_COMPOSE_EOF'), RDS_CA_PATH, RDS_CA_URL }).trimEnd();
}

/** The pieces the main instance's bootstrap and the workers' render the same (templates/userdata/*.sh). */
export function sharedParts(): Record<string, string> {
  return {
    HOST_SETUP: hostSetupPart(),
    READ_SECRETS: readTemplate('userdata/read-secrets.sh').trimEnd(),
    COMMON_PATHS: readTemplate('userdata/common-paths.sh').trimEnd(),
    COMMON_LOGGING: readTemplate('userdata/common-logging.sh').trimEnd(),
  };
}

/** The GPU check, Docker, the EFS mount and the service directories: the same on the main instance and on workers. */
export function hostSetupPart(): string {
  return fill(readTemplate('userdata/host-setup.sh'), { MOUNT_EFS: mountPart() }).trimEnd();
}

/**
 * The bootstrap script for one stack and OS variant. It names where secrets live, never their values. `images`
 * are the stack's pinned images (default: the release's tested set).
 */
export function renderUserDataScript(input: BootstrapInput, options: ComposeOptions = {}): string {
  const { config } = input;
  if (!/^fs-[0-9a-f]+$/.test(input.fileSystemId)) throw new Error(`"${input.fileSystemId}" is not an EFS file system id`);
  if (COMPOSE_ENV_FILE !== '/etc/geusemaker/stack.env') throw new Error('compose.ts and the bootstrap disagree on the env file path');
  const services = composeServices(input);
  const on = (name: ComposeServiceName) => services.includes(name);
  const proxy = needsProxy(input);
  const dirs = services.flatMap((name) => {
    const spec = SERVICE_DIRS[name];
    return spec ? spec.dirs.map((dir) => `${dir}:${spec.uid}:700`) : [];
  });
  const health = services.flatMap((name) => HEALTH_URLS[name] ?? []);
  const { scale } = input;
  const secretEnv = secretEnvOf(services, scale !== undefined).map(([env, parameter]) => `${env}=${parameter}`);
  return fill(readTemplate('userdata/bootstrap.sh'), {
    STACK: safe(config.name, 'stack name'),
    REGION: safe(input.region, 'region'),
    EFS_ID: input.fileSystemId,
    PARAM_PATH: safe(names.parameterPath(config.name), 'parameter path'),
    STATUS_PARAM: safe(bootstrapStatusParameter(config.name), 'status parameter'),
    VARIANT: `${input.os} ${input.architecture}${input.gpu ? ' gpu' : ''}`,
    GPU: input.gpu ? '1' : '0',
    POSTGRES: on('postgres') ? '1' : '0',
    N8N: on('n8n') ? '1' : '0',
    PROXY: proxy ? '1' : '0',
    PROXY_USER,
    PROXY_SECRET,
    SERVICE_DIRS: words(dirs, 'directory'),
    SECRET_ENV: words(secretEnv, 'secret'),
    HEALTH_URLS: words(health, 'health URL'),
    OLLAMA_MODELS: on('ollama') ? words(config.ollamaModels, 'Ollama model') : '',
    COMFY_NODES: on('comfyui') ? words(comfyNodePins().map((node) => `${node.dir}=${node.commit}=${node.url}`), 'ComfyUI node') : '',
    COMFY_UID: String(SERVICE_DIRS.comfyui?.uid ?? 0),
    MAIN_ADDRESS_PARAM: scale && workersNeedMain(scale) ? safe(scaleNames.mainAddressParameter(config.name), 'main address parameter') : '',
    QUEUE_METRIC: scale && config.scale?.n8nWorkers.scaleOn === 'queue' ? '1' : '0',
    METRIC_NAMESPACE: QUEUE_METRIC.namespace,
    METRIC_NAME: QUEUE_METRIC.name,
    METRIC_DIMENSION: QUEUE_METRIC.dimension,
    RDS_CA: scale && usesRds(scale) ? '1' : '0',
    INSTALL: installPart(input),
    ...sharedParts(),
    WRITE_COMPOSE: writeComposePart(renderCompose(input, options)),
    NGINX: proxy ? heredocBody(renderNginx(input), 'GM_NGINX_EOF') : '',
  });
}

/**
 * UserData for one stack: the script, gzip-compressed. Compression keeps every variant, compose file included,
 * far below EC2's 16 KiB limit without fetching files at boot; cloud-init unpacks gzip user data by itself.
 */
export function renderUserData(input: BootstrapInput, options: ComposeOptions = {}): RenderedUserData {
  const script = renderUserDataScript(input, options);
  const payload = compress(script);
  if (payload.length > USERDATA_LIMIT_BYTES) throw userDataTooLarge(input, payload.length, options);
  return { script, payload, compressed: true };
}

const compress = (script: string) => gzipSync(Buffer.from(script, 'utf8'), { level: 9 });

/** Over EC2's limit: names the field that makes it big (the model list is the one that grows without bound). */
function userDataTooLarge(input: BootstrapInput, bytes: number, options: ComposeOptions): GeuseError {
  const models = input.config.ollamaModels;
  const withoutModels = compress(renderUserDataScript({ ...input, config: { ...input.config, ollamaModels: [] } }, options)).length;
  const room = USERDATA_LIMIT_BYTES - withoutModels;
  const because = models.length > 0 && withoutModels <= USERDATA_LIMIT_BYTES
    ? `ollamaModels: its ${models.length} model names take ${bytes - withoutModels} of them, and the rest of the bootstrap ${withoutModels}, leaving ${room} bytes for models`
    : 'the bootstrap itself is that large';
  return new GeuseError({
    code: 'USERDATA_TOO_LARGE', kind: 'invalid-input',
    message: `The instance's UserData for stack ${input.config.name} would be ${bytes} bytes gzip-compressed, over EC2's limit of ${USERDATA_LIMIT_BYTES} bytes (before base64), so nothing was created: ${because}.`,
    nextStep: models.length > 0 && withoutModels <= USERDATA_LIMIT_BYTES
      ? 'List fewer models in ollamaModels (the few you need first; pull others later with `ollama pull` in a session on the instance), then run again.'
      : 'This is a bug in GeuseMaker; please report it with your configuration.',
  });
}
