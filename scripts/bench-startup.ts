/**
 * Start-up figures for `npm run bench`: CPU of `geusemaker --version` and `geusemaker list` against `node -e 0`,
 * the extension's activate() time with a stub `vscode` module, and the size of each shipped bundle.
 * Targets (issue 13): list ≤ 3× node -e 0 CPU; activate() ≤ 50 ms; the bundle activation evaluates ≤ 1.5 MB.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');

/** User + system CPU seconds of one command, best of `runs` (bash's `time` reads the child's rusage). */
function cpuSeconds(command: string, env: NodeJS.ProcessEnv, runs = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const out = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; { time (${command} >/dev/null 2>&1) ; } 2>&1`], { env, encoding: 'utf8' });
    const [user, system] = out.stdout.trim().split(/\s+/).slice(-2).map(Number);
    if (user !== undefined && system !== undefined && Number.isFinite(user + system)) best = Math.min(best, user + system);
  }
  return best;
}

/**
 * A `vscode` stand-in on which every property, call and `new` works and does nothing: enough to time activate().
 * The bundle copies the module's own properties (esbuild's ESM interop), so every top-level name of the API
 * (read from @types/vscode) is an own property.
 */
function stubVsCode(): Record<string, unknown> {
  const handler: ProxyHandler<() => void> = {
    get: (_target, key) => (key === Symbol.toPrimitive ? () => 0 : key === 'then' ? undefined : stub),
    set: () => true,
    apply: () => stub,
    construct: () => stub as object,
  };
  const stub: unknown = new Proxy(function stubbed() { /* nothing */ }, handler);
  const typings = readFileSync(join(ROOT, 'node_modules', '@types', 'vscode', 'index.d.ts'), 'utf8');
  const names = [...typings.matchAll(/^\s*export (?:namespace|class|enum|const|function) (\w+)/gm)].map((match) => match[1]!);
  return Object.fromEntries(names.map((name) => [name, stub]));
}

function activateMs(): number {
  const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = loader._load;
  const vscode = stubVsCode();
  loader._load = (request, parent, isMain) => (request === 'vscode' ? vscode : original(request, parent, isMain));
  try {
    const started = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- through Module._load, where the stub answers 'vscode'
    const extension = require(join(DIST, 'extension.js')) as { activate(context: unknown): unknown };
    const storage = mkdtempSync(join(tmpdir(), 'gm-bench-ext-'));
    extension.activate({ subscriptions: [], globalStorageUri: { fsPath: storage }, globalState: vscode, workspaceState: vscode, extensionUri: vscode, extensionPath: ROOT, environmentVariableCollection: vscode, secrets: vscode });
    return performance.now() - started;
  } finally {
    loader._load = original;
  }
}

function bundles(): { name: string; bytes: number }[] {
  const files = [join(DIST, 'cli.js'), join(DIST, 'extension.js'), ...readdirSync(join(DIST, 'webview')).filter((f) => f.endsWith('.js')).map((f) => join(DIST, 'webview', f))];
  return files.map((file) => ({ name: file.slice(ROOT.length + 1), bytes: statSync(file).size }));
}

export function benchStartup(): string[] {
  const env = { ...process.env, GEUSEMAKER_HOME: mkdtempSync(join(tmpdir(), 'gm-bench-home-')), GEUSEMAKER_STATE_DIR: mkdtempSync(join(tmpdir(), 'gm-bench-state-')) };
  const node = cpuSeconds(`${process.execPath} -e 0`, env);
  const cli = join(DIST, 'cli.js');
  const version = cpuSeconds(`${process.execPath} ${cli} --version`, env);
  const list = cpuSeconds(`${process.execPath} ${cli} list`, env);
  const ratio = (seconds: number) => `${(seconds / node).toFixed(1)}×`;
  let activate: string;
  try {
    activate = `${activateMs().toFixed(0)} ms`;
  } catch (error) {
    activate = `not measured (${error instanceof Error ? error.message : String(error)})`;
  }
  return [
    'Start-up (best of 5; CPU = user + system):',
    `  node -e 0               ${node.toFixed(3)} s`,
    `  geusemaker --version    ${version.toFixed(3)} s  ${ratio(version)}`,
    `  geusemaker list         ${list.toFixed(3)} s  ${ratio(list)}   (target ≤ 3×)`,
    `  extension activate()    ${activate}   (target ≤ 50 ms, stub vscode module, bundle load included)`,
    'Bundles:',
    ...bundles().map((b) => `  ${b.name.padEnd(28)} ${(b.bytes / 1024 / 1024).toFixed(2)} MB${b.name === 'dist/extension.js' ? '   (evaluated at activation; target ≤ 1.5 MB)' : ''}`),
  ];
}

if (require.main === module) {
  for (const line of benchStartup()) console.log(line);
}
