// Bundles the extension host, the CLI, and one browser bundle per webview panel.
//
// A fast start (issue 13). dist/cli.js and dist/extension.js hold only what every start needs. Each package
// below stays out of them: the main bundle sees it as a tiny stub (stubSource) whose first property read
// `require()`s the package's own bundle beside it, so a command loads only what it uses, when it first uses
// it, and `--version`, `list` and activate() load no AWS SDK at all. Lazily loaded, all minified, all needed
// next to cli.js and extension.js (.vscodeignore ships dist/aws/*.js and dist/lib/*.js):
//   dist/aws/client-<service>.js   one per `@aws-sdk/client-*` dependency: that package's own code only;
//   dist/aws/core.js               everything the clients share (@smithy/core, @aws-sdk/core, credential
//                                  providers, nested clients…), once, so classes, middleware and caches are
//                                  the same objects for every client; `require('./core.js')(specifier)`
//                                  returns one package, evaluated at that first call (esbuild wraps every
//                                  CommonJS module in a lazy initialiser);
//   dist/lib/yaml.js               `yaml`, read only when a geusemaker.yaml is;
//   dist/lib/zod-locales.js        zod's 40-odd error-message locales behind `z.locales` (English, the
//                                  default, stays in the main bundle): 260 KB nobody reads at start.
// Why a stub works: esbuild's CJS interop reads imports as live properties (`new import_client_ec2.
// DescribeInstancesCommand()`), and what remains evaluated at start is mostly zod schemas built at module top.
// `node esbuild.mjs --analyze` lists each bundle's biggest inputs (esbuild's metafile).
/* global console, process */
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(fileURLToPath(import.meta.url));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // Node has no browser to sniff for. zod's JIT probe reads `typeof navigator`, and VS Code's extension host
  // reports every read of that global as a PendingMigrationError (Node ≥ 21 has one): compile the read away.
  define: { navigator: 'undefined' },
};

/** Panels: `dist/webview/<name>.js` plus the `<name>.css` esbuild splits out of the CSS the entry imports. */
const PANELS = { health: 'webview/health/main.ts', wizard: 'webview/wizard/main.ts', cost: 'webview/cost/main.ts' };

/** The SDK's packages: what the stubs stand for in the main bundles. */
const SDK = /^@(aws-sdk|smithy)\//;
/** Service clients: one lazily loaded bundle each (dist/aws/client-<service>.js). */
const CLIENTS = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies).filter((name) => name.startsWith('@aws-sdk/client-'));
const clientFile = (name) => `${name.slice('@aws-sdk/'.length)}.js`;
/** zod's locale index, reached only by `export * as locales` in zod's own classic API. */
const ZOD_LOCALES = /[\\/]node_modules[\\/]zod[\\/].*[\\/]locales[\\/]index\.c?js$/;

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Filled by the main and client builds, read by the builds of dist/aws/core.js and dist/lib/zod-locales.js. */
const coreSpecifiers = new Set();
const zodLocales = new Set();

/**
 * The CommonJS stub standing in for one lazily loaded package in a main bundle. esbuild's `__toESM` builds each
 * importer's namespace object on the module's prototype (`Object.create(Object.getPrototypeOf(module.exports))`)
 * and copies its own properties as getters; this module has none, so every `import_x.Name` read falls through
 * to the Proxy, which loads the real bundle on the first read. No export list: @aws-sdk/client-ec2 alone has
 * ~5,000 exports, and a getter per name per importing file would cost more at start than it saves.
 * `__esModule` is answered without loading because `__toESM` reads it at import time. `checkStub()` below
 * proves the mechanism at every build.
 */
function stubSource(loadExpression) {
  return `let loaded;
const load = () => (loaded ??= ${loadExpression});
module.exports = Object.create(new Proxy(Object.create(null), {
  get: (_target, key) => (key === '__esModule' ? undefined : load()[key]),
  has: (_target, key) => key in load(),
}));
`;
}

/**
 * `export * from 'x'` copies x's own properties once, at start: a stub has none, so it would re-export nothing.
 * Refused at build time (name the exports instead).
 */
const sourceCache = new Map();
function refuseStarReexport(specifier, importer) {
  if (!importer.startsWith(join(ROOT, 'src') + sep)) return;
  if (!sourceCache.has(importer)) sourceCache.set(importer, readFileSync(importer, 'utf8'));
  const escaped = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  if (new RegExp(`export\\s*\\*\\s*from\\s*['"]${escaped}['"]`).test(sourceCache.get(importer))) {
    throw new Error(`${relative(ROOT, importer)}: \`export * from '${specifier}'\` cannot work with a lazily loaded package (esbuild.mjs); export the names it needs`);
  }
}

/** Main bundles: the SDK, yaml and zod's locales become stubs; their code stays out. */
const lazyPackages = {
  name: 'lazy-packages',
  setup(b) {
    const stub = (path, load) => ({ path, namespace: 'lazy', pluginData: { load } });
    b.onResolve({ filter: SDK }, (args) => {
      refuseStarReexport(args.path, args.importer);
      if (CLIENTS.includes(args.path)) return stub(args.path, `require('./aws/${clientFile(args.path)}')`);
      if (CLIENTS.includes(packageOf(args.path))) throw new Error(`${args.path}: import the client package itself, not a path inside it`);
      coreSpecifiers.add(args.path);
      return stub(args.path, `require('./aws/core.js')(${JSON.stringify(args.path)})`);
    });
    b.onResolve({ filter: /^yaml$/ }, (args) => {
      refuseStarReexport(args.path, args.importer);
      return stub(args.path, "require('./lib/yaml.js')");
    });
    b.onResolve({ filter: /locales\/index\.c?js$/ }, async (args) => {
      if (args.pluginData?.resolving || !/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { resolving: true } });
      if (resolved.errors.length > 0 || !ZOD_LOCALES.test(resolved.path)) return undefined;
      zodLocales.add(resolved.path);
      return stub(resolved.path, "require('./lib/zod-locales.js')");
    });
    b.onResolve({ filter: /^\.\/(aws|lib)\//, namespace: 'lazy' }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({ contents: stubSource(args.pluginData.load), loader: 'js', resolveDir: ROOT }));
  },
};

/**
 * One client's bundle: the client package's own files; every other package it requires is read from
 * dist/aws/core.js. The core resolves specifiers from the project root, so a client that resolved one
 * elsewhere (a nested, different version) would silently get the wrong copy: that fails the build instead.
 */
function clientOnly(client) {
  return {
    name: 'client-only',
    setup(b) {
      b.onResolve({ filter: /^\.\/core\.js$/, namespace: 'aws-core' }, () => ({ path: './core.js', external: true }));
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.resolving || isBuiltin(args.path) || packageOf(args.path) === client) return undefined;
        const here = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { resolving: true } });
        const fromRoot = await b.resolve(args.path, { kind: 'require-call', resolveDir: ROOT, pluginData: { resolving: true } });
        if (here.errors.length > 0 || fromRoot.errors.length > 0 || here.path !== fromRoot.path) {
          throw new Error(`${client} resolves ${args.path} to ${relative(ROOT, here.path)}, the shared core to ${relative(ROOT, fromRoot.path)}: teach esbuild.mjs about nested versions`);
        }
        coreSpecifiers.add(args.path);
        return { path: args.path, namespace: 'aws-core' };
      });
      b.onLoad({ filter: /.*/, namespace: 'aws-core' }, (args) => ({ contents: `module.exports = require('./core.js')(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}

/**
 * The stubs rest on how esbuild's CommonJS interop reads imports (see stubSource): bundle a two-line importer
 * with the plugin and run it against a fake `require`, so an esbuild upgrade that changes the interop fails the
 * build rather than every AWS call at run time.
 */
async function checkStub() {
  const probe = await build({
    ...common, sourcemap: false, write: false, logLevel: 'silent', plugins: [lazyPackages],
    stdin: { contents: "import { STSClient } from '@aws-sdk/client-sts';\nexport const read = () => new STSClient();", resolveDir: ROOT, loader: 'ts' },
  });
  const loads = [];
  class FakeClient {}
  const fakeRequire = (path) => { loads.push(path); return { STSClient: FakeClient }; };
  const module = { exports: {} };
  new Function('require', 'module', 'exports', probe.outputFiles[0].text)(fakeRequire, module, module.exports);
  const before = loads.length;
  const made = module.exports.read();
  if (before !== 0 || !(made instanceof FakeClient) || loads.join() !== './aws/client-sts.js') {
    throw new Error(`esbuild.mjs: the lazy package stub no longer works with this esbuild (loads at import: ${before}, after use: ${loads.join() || 'none'})`);
  }
}

/** A lazily loaded bundle: minified, whoever loads it (the CLI or the extension). */
const lazyBundle = (outfile, contents, extra = {}) => build({
  ...common, minify: true, legalComments: 'none', metafile: true, outfile, ...extra,
  stdin: { contents, resolveDir: ROOT, sourcefile: `${relative('dist', outfile)}.entry.js` },
});

// Stale bundles of renamed panels or dropped packages must not ship (the .vsix takes these folders' .js whole).
for (const dir of ['dist/webview', 'dist/aws', 'dist/lib']) rmSync(dir, { recursive: true, force: true });

const metafiles = await Promise.all([
  checkStub().then(() => ({})),
  // Minified: it ships in the .vsix and loads at every activation; the source map stays out of the package.
  // The shell activation evaluates (commands, view, serializers: no engine), and the core it loads on first use.
  build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', './extension-core.js'], minify: true, metafile: true }),
  build({ ...common, entryPoints: ['src/vscode/activate.ts'], outfile: 'dist/extension-core.js', external: ['vscode'], minify: true, plugins: [lazyPackages], metafile: true }),
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [lazyPackages], metafile: true }),
  ...CLIENTS.map((client) => lazyBundle(`dist/aws/${clientFile(client)}`, `module.exports = require(${JSON.stringify(client)});`, { plugins: [clientOnly(client)] })),
  lazyBundle('dist/lib/yaml.js', "module.exports = require('yaml');"),
  // Webviews run in the editor's Chromium: no Node, no eval, one classic script each (the CSP allows nothing else).
  build({
    entryPoints: PANELS, outdir: 'dist/webview', bundle: true, platform: 'browser', target: 'chrome120', format: 'iife',
    minify: true, sourcemap: false, logLevel: 'warning', legalComments: 'none',
  }),
]);
const core = [...coreSpecifiers].sort();
metafiles.push(await lazyBundle('dist/aws/core.js', `module.exports = (specifier) => {
  switch (specifier) {
${core.map((s) => `    case ${JSON.stringify(s)}: return require(${JSON.stringify(s)});`).join('\n')}
  }
  throw new Error('dist/aws/core.js has no ' + specifier);
};
`));
if (zodLocales.size !== 1) {
  // A zod that moved its locales: nothing breaks, the main bundles just carry them again.
  console.warn(`esbuild.mjs: expected one zod locales index, found ${zodLocales.size}; zod's locales stay in the main bundles`);
} else {
  metafiles.push(await lazyBundle('dist/lib/zod-locales.js', `module.exports = require(${JSON.stringify([...zodLocales][0])});`));
}
chmodSync('dist/cli.js', 0o755);

if (process.argv.includes('--analyze')) {
  for (const result of metafiles) {
    for (const [file, output] of Object.entries(result.metafile?.outputs ?? {})) {
      if (file.endsWith('.map')) continue;
      const byPackage = new Map();
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g);
        const key = match ? match.at(-1).slice('node_modules/'.length) : input.split('/').slice(0, 2).join('/');
        byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
      }
      const top = [...byPackage].filter(([, bytes]) => bytes >= 1024).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)} KB`);
      console.log(`${file} (${(output.bytes / 1024).toFixed(0)} KB): ${top.join(', ')}`);
    }
  }
}
