import { gunzipSync } from 'node:zlib';
import type { BootstrapInput } from './input';
import { needsProxy, renderCompose } from './compose';
import { renderNginx } from './nginx';
import { previewEnvFile, renderUserData } from './userdata';

export interface InstanceFile {
  name: string;
  content: string | Buffer;
  description: string;
}

/** What a preview is rendered from: the OS, unless given (`render --os`), is the config's, as deploy boots it. */
export type PreviewInput = Omit<BootstrapInput, 'os'> & { os?: BootstrapInput['os'] };

/** The OS a preview renders for: the one asked for, else the config's (deploy's AMI follows it), else al2023. */
export function previewOs(input: Pick<PreviewInput, 'os' | 'config'>): BootstrapInput['os'] {
  return input.os ?? input.config.os ?? 'al2023';
}

/** Exactly what would run on the instance, for review before deploying; secrets appear only as parameter names. */
export function instanceFiles(preview: PreviewInput): InstanceFile[] {
  const input: BootstrapInput = { ...preview, os: previewOs(preview) };
  const userData = renderUserData(input);
  const files: InstanceFile[] = [
    { name: 'userdata.bin', content: userData.payload, description: `UserData as sent to EC2 (${userData.payload.length} bytes${userData.compressed ? ', gzip' : ''}; limit 16384)` },
    { name: 'userdata.sh', content: userData.compressed ? gunzipSync(userData.payload).toString('utf8') : userData.script, description: 'the bootstrap script, decompressed' },
    { name: 'docker-compose.yml', content: renderCompose(input), description: 'containers, written to /etc/geusemaker/docker-compose.yml' },
    { name: 'stack.env', content: previewEnvFile(input), description: 'the env file (mode 600 on the instance), secret values shown as the parameters they are read from' },
  ];
  if (needsProxy(input)) files.push({ name: 'nginx-site.conf', content: renderNginx(input), description: 'the reverse proxy on port 80' });
  return files;
}
