import { gunzipSync } from 'node:zlib';
import { familyOf, isAcceleratedFamily } from '../plan/gpu-families';
import type { StackConfig } from '../stack/config';
import { workerPools } from '../stack/scale-config';
import type { BootstrapInput, ScaleWiring } from './input';
import { needsProxy, renderCompose } from './compose';
import { renderNginx } from './nginx';
import { previewEnvFile, renderUserData } from './userdata';
import { renderWorkerCompose, renderWorkerUserData } from './worker-userdata';

export interface InstanceFile {
  name: string;
  content: string | Buffer;
  description: string;
}

/** What a preview is rendered from: the OS, unless given (`render --os`), is the config's, as deploy boots it. */
export type PreviewInput = Omit<BootstrapInput, 'os'> & { os?: BootstrapInput['os']; images?: Readonly<Partial<Record<string, string>>> };

/** The OS a preview renders for: the one asked for, else the config's (deploy's AMI follows it), else al2023. */
export function previewOs(input: Pick<PreviewInput, 'os' | 'config'>): BootstrapInput['os'] {
  return input.os ?? input.config.os ?? 'al2023';
}

/**
 * Where a scaled stack's services would be, before they exist: placeholders shaped like AWS's endpoints (xxxx where
 * AWS picks the characters), a database already switched to RDS as on a new stack.
 */
export function previewScaleWiring(config: StackConfig): ScaleWiring | undefined {
  const scale = config.scale;
  if (!scale) return undefined;
  return {
    database: scale.database === 'rds' ? { host: `gm-${config.name}-db.xxxxxxxxxxxx.${config.region}.rds.amazonaws.com`, port: 5432 } : 'instance',
    queue: scale.queue === 'elasticache' ? { host: `master.gm-${config.name}-queue.xxxxxx.${config.region}.cache.amazonaws.com`, port: 6379, tls: true } : 'instance',
    ...(scale.ollamaWorkers ? { ollamaUrl: `http://internal-gm-${config.name}-int-xxxxxxxxxx.${config.region}.elb.amazonaws.com:11434` } : {}),
    databaseSwitched: true,
  };
}

/** Exactly what would run on the instance (and on each pool's workers), for review before deploying; secrets appear only as parameter names. */
export function instanceFiles(preview: PreviewInput): InstanceFile[] {
  const { images, ...rest } = preview;
  const scale = rest.scale ?? previewScaleWiring(rest.config);
  const input: BootstrapInput = { ...rest, os: previewOs(rest), ...(scale ? { scale } : {}) };
  const options = images ? { images } : {};
  const userData = renderUserData(input, options);
  const files: InstanceFile[] = [
    { name: 'userdata.bin', content: userData.payload, description: `UserData as sent to EC2 (${userData.payload.length} bytes${userData.compressed ? ', gzip' : ''}; limit 16384)` },
    { name: 'userdata.sh', content: userData.compressed ? gunzipSync(userData.payload).toString('utf8') : userData.script, description: 'the bootstrap script, decompressed' },
    { name: 'docker-compose.yml', content: renderCompose(input, options), description: 'containers, written to /etc/geusemaker/docker-compose.yml' },
    { name: 'stack.env', content: previewEnvFile(input), description: 'the env file (mode 600 on the instance), secret values shown as the parameters they are read from' },
  ];
  if (needsProxy(input)) files.push({ name: 'nginx-site.conf', content: renderNginx(input), description: 'the reverse proxy on port 80' });
  for (const { pool, settings } of scale ? workerPools(input.config.scale) : []) {
    if (!scale) break;
    // A pool's instances boot the main instance's OS; GPU by the family of its first type, as its launch template does.
    const first = settings.instanceTypes[0] ?? '';
    const worker = { ...input, pool, scale, gpu: pool === 'ollama' && isAcceleratedFamily(familyOf(first)) };
    const rendered = renderWorkerUserData(worker, options);
    files.push(
      { name: `worker-${pool}-userdata.sh`, content: rendered.script, description: `the ${pool} workers' bootstrap script (${rendered.payload.length} bytes gzip as UserData)` },
      { name: `worker-${pool}-docker-compose.yml`, content: renderWorkerCompose(worker, options), description: `the ${pool} workers' container` },
    );
  }
  return files;
}
