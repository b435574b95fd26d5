import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { PROJECT_ROOT } from './emulator';

/**
 * A real VS Code for end-to-end tests: code-server (installed by scripts/ensure-code-server.mjs into
 * .cache/vscode-e2e/) with the packaged extension, driven through Debian's Chromium by playwright-core.
 */
export const E2E_CACHE = join(PROJECT_ROOT, '.cache', 'vscode-e2e');
export const SCREENSHOTS = join(E2E_CACHE, 'screenshots');
/** The stand-in session-manager-plugin; put this folder first on the extension's PATH. */
export const FAKE_PLUGIN_DIR = join(PROJECT_ROOT, 'test', 'e2e', 'fixtures');
export const EXTENSION_ID = 'geusemaker.geusemaker';

export interface CodeServerPaths {
  cacheDir: string;
  node: string;
  codeServerDir: string;
  codeServer: string;
  chromium: string;
  log: string;
  nodeVersion?: string;
}

const log = (line: string): void => {
  process.stderr.write(`      [vscode-e2e] ${line}\n`);
};

function runProcess(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stderr?: 'inherit' | 'pipe' } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? PROJECT_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', options.stderr ?? 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stdout}${stderr}`.slice(0, 8000)));
    });
  });
}

let codeServerPromise: Promise<CodeServerPaths> | undefined;

/** Installs code-server on first use (~10 min, progress on stderr); fast afterwards. Give the calling hook a long timeout. */
export function ensureCodeServer(): Promise<CodeServerPaths> {
  codeServerPromise ??= runProcess(process.execPath, [join(PROJECT_ROOT, 'scripts', 'ensure-code-server.mjs'), '--json'], { stderr: 'inherit' }).then(
    ({ stdout }) => JSON.parse(stdout) as CodeServerPaths,
  );
  return codeServerPromise;
}

let vsixPromise: Promise<{ path: string; bytes: number }> | undefined;

/** Packages dist/ (built by `npm test` before mocha) into a .vsix once per run. */
export function packageExtension(): Promise<{ path: string; bytes: number }> {
  vsixPromise ??= (async () => {
    if (!existsSync(join(PROJECT_ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first.');
    mkdirSync(E2E_CACHE, { recursive: true });
    const path = join(E2E_CACHE, 'geusemaker.vsix');
    rmSync(path, { force: true });
    const vsce = join(PROJECT_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    // No repository in package.json: keep README links relative instead of failing on them.
    await runProcess(process.execPath, [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '--out', path]);
    const bytes = statSync(path).size;
    log(`packaged ${path} (${bytes} bytes)`);
    return { path, bytes };
  })();
  return vsixPromise;
}

export interface StartOptions {
  /** Merged over the defaults that keep the workbench free of popups. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so for the extension host (AWS creds, GEUSEMAKER_HOME, PATH…). */
  env?: NodeJS.ProcessEnv;
  /** The folder to open; a fresh empty one by default. */
  folder?: string;
  viewport?: { width: number; height: number };
}

export interface VsCode {
  page: Page;
  browser: Browser;
  url: string;
  folder: string;
  userDataDir: string;
  extensionsDir: string;
  /** code-server output plus browser console errors so far. */
  logs(): string;
  /** The extension host's log (activation, errors thrown by extensions); output channels live in the browser. */
  extensionHostLog(): string;
  /** What `code-server --list-extensions --show-versions` prints for this instance. */
  listExtensions(): Promise<string[]>;
  stop(): Promise<void>;
}

const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'extensions.ignoreRecommendations': true,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'terminal.integrated.enablePersistentSessions': false,
  // The DOM renderer keeps terminal text in the page (.xterm-rows), so tests can read it.
  'terminal.integrated.gpuAcceleration': 'off',
  'files.hotExit': 'off',
  'git.openRepositoryInParentFolders': 'never',
};

const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

/** Processes still running (code-server pid → instance tag), killed on process exit even when a test forgot to stop them. */
const live = new Map<number, string>();
/** Set in code-server's environment, so everything it starts (extension host, plugins, shells) can be found again. */
const INSTANCE_TAG = 'GM_E2E_INSTANCE';
let exitHookInstalled = false;

function childrenOf(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may contain spaces, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/** The process and all its descendants: terminals and plugins may start their own sessions, so a group kill is not enough. */
function processTree(pid: number): number[] {
  const children = childrenOf();
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** Processes whose environment carries this instance's tag: that also finds ones that double-forked away from the tree. */
function taggedProcesses(tag: string): number[] {
  const needle = `${INSTANCE_TAG}=${tag}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) found.push(Number(entry));
    } catch {
      // Ended, or not ours to read.
    }
  }
  return found;
}

function signalTree(pid: number, signal: NodeJS.Signals, tag?: string): void {
  const tree = [...processTree(pid), ...(tag ? taggedProcesses(tag) : [])];
  try {
    process.kill(-pid, signal);
  } catch {
    // Group already gone.
  }
  for (const p of tree) {
    try {
      process.kill(p, signal);
    } catch {
      // Already gone.
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [pid, tag] of live) {
      signalTree(pid, 'SIGKILL', tag);
      // The tag is the instance's throw-away folder.
      if (!process.env.GM_E2E_KEEP) rmSync(tag, { recursive: true, force: true });
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The environment code-server runs in: ours, minus anything that would make it think it runs inside another VS Code. */
function codeServerEnv(extra: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // PORT and PASSWORD would override code-server's flags.
    if (key.startsWith('VSCODE_') || key.startsWith('npm_') || ['ELECTRON_RUN_AS_NODE', 'PORT', 'PASSWORD', 'HASHED_PASSWORD'].includes(key)) continue;
    env[key] = value;
  }
  // code-server keeps its config and IPC socket under XDG folders; keep them in the throw-away folder.
  // VSCODE_CLI=1 stops the server from replacing this environment with a login shell's (whose profile resets PATH),
  // so the extension host sees exactly what the test passed (code-server rejects --force-disable-user-env).
  // An empty gallery keeps VS Code from querying open-vsx.org: tests run offline and their logs stay readable.
  return { ...env, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data'), VSCODE_CLI: '1', EXTENSIONS_GALLERY: '{}', ...extra };
}

/** Starts code-server with the packaged extension in fresh folders and opens it in Chromium. Always call stop(). */
export async function startVsCode(options: StartOptions = {}): Promise<VsCode> {
  const [paths, vsix] = await Promise.all([ensureCodeServer(), packageExtension()]);
  installExitHook();
  const root = mkdtempSync(join(tmpdir(), 'gm-vscode-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  const folder = options.folder ?? join(root, 'workspace');
  for (const dir of [join(userDataDir, 'User'), extensionsDir, folder]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), `${JSON.stringify({ ...DEFAULT_SETTINGS, ...options.settings }, null, 2)}\n`);
  const tag = root; // unique per instance, and lets the exit hook remove the folder
  const env = { ...codeServerEnv(options.env ?? {}, root), [INSTANCE_TAG]: tag };
  const base = [paths.codeServer, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--config', join(root, 'config.yaml')];
  writeFileSync(join(root, 'config.yaml'), 'auth: none\ncert: false\n');

  try {
    await runProcess(paths.node, [...base, '--install-extension', vsix.path], { env });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const listExtensions = async (): Promise<string[]> => {
    const { stdout } = await runProcess(paths.node, [...base, '--list-extensions', '--show-versions'], { env });
    return stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  };

  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    paths.node,
    [...base, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--ignore-last-opened', folder],
    { env, cwd: folder, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('code-server did not start.');
  live.set(pid, tag);
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    // Stays in `live` until stop(): what it started may still be running.
    exited = signal ?? `exit ${code}`;
  });

  let browser: Browser | undefined;
  const stop = async (): Promise<void> => {
    await Promise.race([browser?.close().catch(() => undefined), sleep(10_000)]);
    if (exited === undefined) {
      signalTree(pid, 'SIGTERM', tag);
      for (let i = 0; i < 50 && exited === undefined; i++) await sleep(100);
    }
    // Descendants that outlived code-server (plugins, shells) are re-parented, so kill what is left of the group too.
    signalTree(pid, 'SIGKILL', tag);
    live.delete(pid);
    if (!process.env.GM_E2E_KEEP) rmSync(root, { recursive: true, force: true });
  };

  try {
    const url = `http://localhost:${port}/?folder=${encodeURIComponent(folder)}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited !== undefined) throw new Error(`code-server exited (${exited}) before it was ready.`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('code-server was not ready within 60 s.');
      await sleep(200);
    }
    // Chromium writes crash reports under XDG_CONFIG_HOME; keep them in the throw-away folder too.
    const browserEnv = { ...process.env, XDG_CONFIG_HOME: join(root, 'browser-config'), XDG_CACHE_HOME: join(root, 'browser-cache') };
    browser = await chromium.launch({ executablePath: paths.chromium, args: BROWSER_ARGS, headless: true, env: browserEnv });
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1440, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') output += `[browser console] ${message.text()}\n`;
    });
    page.on('pageerror', (error) => (output += `[browser pageerror] ${error.message}\n`));
    // localhost, not 127.0.0.1: webviews need a secure context for their service worker.
    await page.goto(url);
    await page.locator('div.monaco-workbench').waitFor({ timeout: 60_000 });
    const extensionHostLog = (): string => readExtensionHostLog(join(userDataDir, 'logs'));
    return { page, browser, url, folder, userDataDir, extensionsDir, logs: () => output, extensionHostLog, listExtensions, stop };
  } catch (error) {
    const logs = output;
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- code-server output ---\n${logs.slice(-6000)}`, { cause: error });
  }
}

function readExtensionHostLog(logsDir: string): string {
  if (!existsSync(logsDir)) return '';
  const texts: string[] = [];
  for (const session of readdirSync(logsDir).sort()) {
    const dir = join(logsDir, session);
    if (!statSync(dir).isDirectory()) continue;
    for (const host of readdirSync(dir).filter((name) => name.startsWith('exthost')).sort()) {
      const file = join(dir, host, 'remoteexthost.log');
      if (existsSync(file)) texts.push(readFileSync(file, 'utf8'));
    }
  }
  return texts.join('\n');
}

/** A CSS string literal, for attribute selectors built from labels. */
function cssString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The document inside the newest webview panel: VS Code nests it in a frame inside the webview's frame. */
export function panelFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
}

/** Runs a command from the Command Palette by its title (as shown there, e.g. "GeuseMaker: Deploy a Stack"). */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // A page that takes the focus as it finishes loading (a walkthrough, a settings editor) closes the palette
  // it just opened: open it again, a few times, rather than wait on a closed one.
  for (let attempt = 1; ; attempt++) {
    await page.locator('div.monaco-workbench').focus();
    await page.keyboard.press('F1');
    if (!(await input.isVisible())) await page.keyboard.press('Control+Shift+P');
    await input.waitFor({ state: 'visible' });
    const filled = await input.fill(`>${title}`, { timeout: 5_000 }).then(() => true, (error: unknown) => {
      if (attempt >= 4) throw error;
      return false;
    });
    if (filled) break;
    await page.keyboard.press('Escape');
  }
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  // Prefer the row whose label is exactly the title; fuzzy matches may list other commands first.
  const exact = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
  await rows.first().waitFor();
  if ((await exact.count()) > 0) await exact.first().click();
  else await rows.filter({ hasText: title }).first().click();
}

/** Shows a view container from the activity bar by its title; leaves it open if it already is. */
export async function openView(page: Page, title: string): Promise<Locator> {
  const sidebarTitle = page.locator('.part.sidebar .composite.title h2', { hasText: title });
  if (await sidebarTitle.isVisible()) return page.locator('.part.sidebar');
  await page.locator(`.part.activitybar [aria-label^=${cssString(title)}]`).first().click();
  await sidebarTitle.waitFor({ state: 'visible' });
  return page.locator('.part.sidebar');
}

/** A tree row (e.g. a stack in "Stacks") by the start of its accessible label. */
export function treeItem(page: Page, label: string): Locator {
  return page.locator(`.part.sidebar .monaco-list-row[aria-label^=${cssString(label)}]`);
}

/** The welcome content a view shows when it is empty (text and buttons). */
export function welcomeView(page: Page): Locator {
  return page.locator('.part.sidebar .welcome-view-content');
}

/** Texts of the notification toasts on screen. */
export async function notifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-list-item-message').allTextContents();
}

/** Waits for a notification toast whose text matches, and returns that toast (its buttons are inside). */
export async function waitForNotification(page: Page, text: string | RegExp, timeout = 30_000): Promise<Locator> {
  const toast = page.locator('.notifications-toasts .notification-list-item', { has: page.locator('.notification-list-item-message', { hasText: text }) }).first();
  await toast.waitFor({ state: 'visible', timeout });
  return toast;
}

/** The visible text of the active integrated terminal (rendered as DOM rows; see DEFAULT_SETTINGS). */
export async function terminalText(page: Page): Promise<string> {
  const rows = page.locator('.terminal-wrapper.active .xterm-rows');
  const all = await rows.allTextContents();
  return all.length > 0 ? all.join('\n') : (await page.locator('.xterm-rows').allTextContents()).join('\n');
}

/** Saves a screenshot to .cache/vscode-e2e/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path });
  return path;
}

/** For afterEach: keeps a screenshot and the tail of the logs of a failed test. */
export async function captureFailure(test: Mocha.Test | undefined, vscode: VsCode | undefined): Promise<void> {
  if (!test || test.state !== 'failed' || !vscode) return;
  const path = await screenshot(vscode.page, `failed-${test.fullTitle()}`).catch(() => undefined);
  log(`failed: screenshot ${path ?? '(none)'}\n--- code-server output (tail) ---\n${vscode.logs().slice(-4000)}\n--- extension host log (tail) ---\n${vscode.extensionHostLog().slice(-4000)}`);
}

/** PATH for the extension host with the stand-in session-manager-plugin first. */
export function pathWithFakePlugin(): string {
  return [FAKE_PLUGIN_DIR, process.env.PATH ?? ''].join(delimiter);
}

export interface FakePluginRecord {
  event: 'started' | 'stopped' | 'listen-error';
  pid: number;
  at: string;
  argv?: string[];
  env?: Record<string, string>;
  signal?: string;
  message?: string;
}

/** What the stand-in plugin wrote to $GM_FAKE_PLUGIN_LOG (one JSON line per event; empty if it never ran). */
export function readFakePluginLog(file: string): FakePluginRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as FakePluginRecord);
}

/** Waits until the stand-in plugin has been started `count` times; returns those start records. */
export async function waitForFakePlugin(file: string, count = 1, timeout = 30_000): Promise<FakePluginRecord[]> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const started = readFakePluginLog(file).filter((r) => r.event === 'started');
    if (started.length >= count) return started;
    if (Date.now() > deadline) throw new Error(`session-manager-plugin started ${started.length} time(s), expected ${count}, within ${timeout} ms.`);
    await sleep(200);
  }
}
