import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** templates/ sits at the package root: two levels above dist/cli.js, three above this source file. */
function templatesRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'versions.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`GeuseMaker's templates folder was not found above ${__dirname}; the installation is incomplete.`);
}

export function readTemplate(relativePath: string): string {
  return readFileSync(join(templatesRoot(), relativePath), 'utf8');
}

/** Replaces {{NAME}} placeholders; a placeholder without a value is a bug, never silently left in. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`Template placeholder {{${name}}} has no value`);
    return value;
  });
}
