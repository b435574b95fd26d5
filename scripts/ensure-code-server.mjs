#!/usr/bin/env node
// Installs a real VS Code for the e2e tests: code-server (from npm) run by its own Node 24, plus Debian's Chromium,
// into the git-ignored .cache/vscode-e2e/. Idempotent: a marker file records what is installed, so later runs
// take milliseconds. The first run takes a few minutes (3 min here: downloads, and VS Code's native modules are
// built against Node 24's headers).
//
//   node scripts/ensure-code-server.mjs          progress on stderr
//   node scripts/ensure-code-server.mjs --json   also prints the paths as one JSON document on stdout
//   import { ensureCodeServer } from './ensure-code-server.mjs'
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_MAJOR = 24;
/** Bump when the install steps change, so caches made by older steps are redone. */
const LAYOUT = 1;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE_DIR = join(ROOT, '.cache', 'vscode-e2e');
const MARKER = join(CACHE_DIR, 'installed.json');
const LOG = join(CACHE_DIR, 'install.log');
const NODE_DIR = join(CACHE_DIR, 'node24');
const HEADERS_DIR = join(CACHE_DIR, 'node24-headers');
const CS_PREFIX = join(CACHE_DIR, 'code-server');
/** VS Code's native modules that must load in Node 24 (terminals, file watching, logging, storage, auth). */
const NATIVE_MODULES = ['node-pty', '@parcel/watcher', '@vscode/spdlog', '@vscode/sqlite3', '@vscode/native-watchdog', '@vscode/deviceid', 'kerberos'];
const SYSTEM_PACKAGES = [
  // Kerberos headers: one of VS Code's native modules (kerberos) builds against them.
  { pkg: 'libkrb5-dev', present: () => existsSync('/usr/include/krb5.h') || dpkgInstalled('libkrb5-dev') },
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
];

/** Where everything is once installed. */
export function codeServerPaths() {
  const codeServerDir = join(CS_PREFIX, 'node_modules', 'code-server');
  return {
    cacheDir: CACHE_DIR,
    node: join(NODE_DIR, 'node_modules', 'node', 'bin', 'node'),
    codeServerDir,
    codeServer: join(codeServerDir, 'out', 'node', 'entry.js'),
    chromium: '/usr/bin/chromium',
    log: LOG,
  };
}

function nativeModulesBroken(node, vscodeDir) {
  return NATIVE_MODULES.filter((name) => spawnSync(node, ['-e', `require(${JSON.stringify(name)})`], { cwd: vscodeDir, stdio: 'ignore' }).status !== 0);
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function say(message) {
  process.stderr.write(`[code-server e2e] ${message}\n`);
}

function log(text) {
  appendFileSync(LOG, text.endsWith('\n') ? text : `${text}\n`);
}

function tail(lines = 40) {
  if (!existsSync(LOG)) return '';
  return readFileSync(LOG, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs a command with its output going to the log only; a heartbeat keeps long steps from looking stuck. */
function run(command, args, options = {}) {
  log(`\n$ ${command} ${args.join(' ')}${options.cwd ? `   (in ${options.cwd})` : ''}`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => appendFileSync(LOG, chunk));
    child.stderr.on('data', (chunk) => appendFileSync(LOG, chunk));
    const started = Date.now();
    const heartbeat = setInterval(() => say(`  …still ${options.what ?? command} (${Math.round((Date.now() - started) / 1000)} s)`), 60_000);
    child.on('error', (error) => {
      clearInterval(heartbeat);
      reject(new Error(`${command} could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(heartbeat);
      if (code === 0) resolvePromise();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}).\n--- last lines of ${LOG} ---\n${tail()}`));
    });
  });
}

function readMarker() {
  try {
    return JSON.parse(readFileSync(MARKER, 'utf8'));
  } catch {
    return undefined;
  }
}

function systemPackagesMissing() {
  return SYSTEM_PACKAGES.filter((p) => !p.present()).map((p) => p.pkg);
}

async function ensureSystemPackages() {
  const missing = systemPackagesMissing();
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`The VS Code e2e tests need: ${missing.join(', ')}. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing.join(' ')}) and run again.`);
  }
  say(`Installing Debian packages: ${missing.join(', ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], { env, what: 'updating apt' });
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, what: 'installing Debian packages' });
  const still = systemPackagesMissing();
  if (still.length > 0) throw new Error(`apt-get did not install ${still.join(', ')}.\n${tail()}`);
}

/** A tiny package.json so npm installs here instead of walking up into the project's own package.json. */
function npmProject(dir, name) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'package.json');
  if (!existsSync(file)) writeFileSync(file, `${JSON.stringify({ name, private: true }, null, 2)}\n`);
}

/** The environment every npm step runs in: Node 24 first on PATH, its headers as nodedir. */
function node24Env(paths) {
  const env = {
    ...process.env,
    PATH: `${dirname(paths.node)}:${process.env.PATH ?? ''}`,
    // ~/.npmrc may pin nodedir to another Node's headers, which would build native modules for the wrong ABI.
    npm_config_nodedir: HEADERS_DIR,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  // An outer `npm run`/npx would otherwise leak its own user agent and prefix into these installs.
  for (const key of Object.keys(env)) if (key.startsWith('npm_') && !['npm_config_nodedir', 'npm_config_audit', 'npm_config_fund', 'npm_config_update_notifier', 'npm_config_cache', 'npm_config_registry'].includes(key)) delete env[key];
  return env;
}

async function install(paths) {
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(LOG, `code-server ${CODE_SERVER_VERSION} install, ${new Date().toISOString()}\n`);
  const t0 = Date.now();
  const step = (n, text) => say(`[${n}/5] ${text} (${Math.round((Date.now() - t0) / 1000)} s so far)`);

  step(1, 'Debian packages (libkrb5-dev, chromium)');
  await ensureSystemPackages();

  step(2, `Node ${NODE_MAJOR} from npm`);
  npmProject(NODE_DIR, 'vscode-e2e-node');
  if (!existsSync(paths.node)) await run('npm', ['install', `node@${NODE_MAJOR}`, '--no-audit', '--no-fund'], { cwd: NODE_DIR, what: `installing Node ${NODE_MAJOR}` });
  const nodeVersion = spawnSync(paths.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!nodeVersion.startsWith(`v${NODE_MAJOR}.`)) throw new Error(`Expected Node ${NODE_MAJOR} at ${paths.node}, got "${nodeVersion}".\n${tail()}`);

  step(3, `node-gyp headers for ${nodeVersion}`);
  const include = join(NODE_DIR, 'node_modules', 'node', 'node_modules', `node-linux-${process.arch}`, 'include');
  if (!existsSync(join(include, 'node', 'node.h'))) throw new Error(`No Node headers at ${include}.`);
  rmSync(HEADERS_DIR, { recursive: true, force: true });
  mkdirSync(HEADERS_DIR, { recursive: true });
  cpSync(include, join(HEADERS_DIR, 'include'), { recursive: true });
  // node-gyp looks for these at the root of nodedir.
  for (const file of ['common.gypi', 'config.gypi']) cpSync(join(include, 'node', file), join(HEADERS_DIR, file));

  const env = node24Env(paths);
  step(4, `npm install code-server@${CODE_SERVER_VERSION} (downloads, builds native modules)`);
  npmProject(CS_PREFIX, 'vscode-e2e-code-server');
  await run('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--no-audit', '--no-fund'], { cwd: CS_PREFIX, env, what: 'installing code-server' });

  step(5, 'VS Code dependencies (postinstall.sh)');
  // npm 11.19 still runs unreviewed install scripts (with a warning) but is moving to blocking them, so run the
  // package's postinstall ourselves (cheap when it already ran); it reads the Node major from the user agent.
  // Whether or not npm built the native modules, the check below proves they load in Node 24.
  const buildEnv = { ...env, npm_config_user_agent: `npm/11 node/${nodeVersion} linux x64` };
  await run('sh', ['./postinstall.sh'], { cwd: paths.codeServerDir, env: buildEnv, what: 'building native modules' });
  const vscodeDir = join(paths.codeServerDir, 'lib', 'vscode');
  let broken = nativeModulesBroken(paths.node, vscodeDir);
  if (broken.length > 0) {
    say(`  rebuilding ${broken.join(', ')} for Node ${nodeVersion}`);
    await run('npm', ['rebuild', ...broken], { cwd: vscodeDir, env: buildEnv, what: 'rebuilding native modules' });
    broken = nativeModulesBroken(paths.node, vscodeDir);
    if (broken.length > 0) throw new Error(`These native modules do not load in Node ${nodeVersion}: ${broken.join(', ')}.\n${tail()}`);
  }

  // code-server writes a config file on every start unless given one; keep it out of ~/.config.
  const version = spawnSync(paths.node, [paths.codeServer, '--version'], { encoding: 'utf8', env: { ...env, XDG_CONFIG_HOME: join(CACHE_DIR, 'xdg-config'), XDG_DATA_HOME: join(CACHE_DIR, 'xdg-data') } });
  log(`\n$ code-server --version\n${version.stdout}${version.stderr}`);
  if (version.status !== 0 || !version.stdout.includes(`${CODE_SERVER_VERSION} `)) throw new Error(`code-server does not run after installing:\n${version.stdout}${version.stderr}`);
  writeFileSync(MARKER, `${JSON.stringify({ layout: LAYOUT, codeServer: CODE_SERVER_VERSION, node: nodeVersion, installedAt: new Date().toISOString() }, null, 2)}\n`);
  say(`Installed code-server ${CODE_SERVER_VERSION} with Node ${nodeVersion} in ${Math.round((Date.now() - t0) / 1000)} s (log: ${LOG}).`);
}

/** Installs whatever is missing and returns the paths. Fast when the marker says it is all there. */
export async function ensureCodeServer() {
  const paths = codeServerPaths();
  const marker = readMarker();
  const done = marker?.layout === LAYOUT && marker?.codeServer === CODE_SERVER_VERSION && existsSync(paths.node) && existsSync(paths.codeServer);
  if (done && systemPackagesMissing().length === 0) return { ...paths, nodeVersion: marker.node };
  if (done) {
    await ensureSystemPackages();
    return { ...paths, nodeVersion: marker.node };
  }
  say(`Installing code-server ${CODE_SERVER_VERSION} into ${CACHE_DIR} (first run only: a few minutes)…`);
  rmSync(MARKER, { force: true });
  await install(paths);
  return { ...paths, nodeVersion: readMarker()?.node };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const paths = await ensureCodeServer();
    if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(paths)}\n`);
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
