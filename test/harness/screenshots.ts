import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './emulator';

/**
 * Where the tests save the screenshots the README shows. They change on every run (times, random ids), so
 * a normal run writes them to .cache/screenshots; `GM_UPDATE_SCREENSHOTS=1 npm test` refreshes docs/images.
 */
export function screenshotDir(): string {
  const dir = process.env.GM_UPDATE_SCREENSHOTS === '1' ? join(PROJECT_ROOT, 'docs', 'images') : join(PROJECT_ROOT, '.cache', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
