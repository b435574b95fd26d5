import { parse } from 'yaml';
import { z } from 'zod';
import { SERVICE_NAMES, type StackConfig } from '../stack/config';
import { names } from '../stack/naming';
import { fill, readTemplate } from './templates';

const versionsSchema = z.object(Object.fromEntries(SERVICE_NAMES.map((name) => [name, z.string().regex(/:[^:]+$/).refine((image) => !image.endsWith(':latest'))])) as Record<(typeof SERVICE_NAMES)[number], z.ZodString>);
const blocksSchema = z.record(z.string(), z.string());

export interface UserDataInput {
  config: StackConfig;
  region: string;
  fileSystemId: string;
}

export function renderCompose(config: StackConfig): string {
  const versions = versionsSchema.parse(JSON.parse(readTemplate('versions.json')));
  const blocks = blocksSchema.parse(parse(readTemplate('compose/services.yml')));
  const bind = config.access.mode === 'cidr' ? '0.0.0.0' : '127.0.0.1';
  const services = SERVICE_NAMES.filter((name) => config.services[name]).map((name) => {
    const block = blocks[name];
    if (!block) throw new Error(`templates/compose/services.yml has no block for ${name}`);
    // The database is never published, whatever the access mode.
    return fill(block, { IMAGE: versions[name], BIND: name === 'postgres' ? '127.0.0.1' : bind }).trimEnd();
  });
  return `services:\n${services.join('\n')}\n`;
}

/** UserData for Amazon Linux 2023. It names where secrets live, never their values. */
export function renderUserData(input: UserDataInput): string {
  const { config } = input;
  return fill(readTemplate('userdata/al2023.sh'), {
    STACK: config.name,
    REGION: input.region,
    EFS_ID: input.fileSystemId,
    PARAM_PATH: names.parameterPath(config.name),
    COMPOSE_B64: Buffer.from(renderCompose(config)).toString('base64'),
    SERVICE_DIRS: SERVICE_NAMES.filter((name) => config.services[name]).join(' '),
  });
}
