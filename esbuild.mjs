// Bundles the extension host, the CLI, and one browser bundle per webview panel.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

/** Panels: `dist/webview/<name>.js` plus the `<name>.css` esbuild splits out of the CSS the entry imports. */
const PANELS = { health: 'webview/health/main.ts', wizard: 'webview/wizard/main.ts', cost: 'webview/cost/main.ts' };

// Stale bundles of renamed panels must not ship (the .vsix takes dist/webview/ whole).
rmSync('dist/webview', { recursive: true, force: true });

await Promise.all([
  // Minified: it ships in the .vsix and loads at every activation; the source map stays out of the package.
  build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], minify: true }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // Webviews run in the editor's Chromium: no Node, no eval, one classic script each (the CSP allows nothing else).
  build({
    entryPoints: PANELS, outdir: 'dist/webview', bundle: true, platform: 'browser', target: 'chrome120', format: 'iife',
    minify: true, sourcemap: false, logLevel: 'warning', legalComments: 'none',
  }),
]);
chmodSync('dist/cli.js', 0o755);
