import { parse } from 'yaml';
import { z } from 'zod';
import { SERVICE_NAMES, type StackConfig } from '../stack/config';
import { fill, readTemplate } from './templates';

const versionsSchema = z.object(Object.fromEntries(SERVICE_NAMES.map((name) => [name, z.string().regex(/:[^:]+$/).refine((image) => !image.endsWith(':latest'))])) as Record<(typeof SERVICE_NAMES)[number], z.ZodString>);
const blocksSchema = z.record(z.string(), z.string());

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

