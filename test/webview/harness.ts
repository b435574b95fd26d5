import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../harness/emulator';
import { panelHtml, panelNonce } from '../../src/vscode/webview/html';

/**
 * Stands in for the webview host: serves a panel's bundle in the very page the extension builds (same CSP,
 * fresh nonce), adds a theme's variables the way VS Code does, and records what the panel posts and saves.
 */
export type Theme = 'dark' | 'light' | 'high-contrast';

const BUNDLES = join(PROJECT_ROOT, 'dist', 'webview');
const THEMES = join(PROJECT_ROOT, 'test', 'webview', 'themes');
const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

export interface PanelPage {
  page: Page;
  /** Everything the panel passed to postMessage, in order. */
  posted(): Promise<unknown[]>;
  /** What the panel posted once it has posted `count` messages, or after 10 s (the caller's assertion then fails). */
  waitForPosted(count: number): Promise<unknown[]>;
  /** What the panel last passed to setState. */
  state(): Promise<unknown>;
  /** Posts a message to the panel as the extension would. */
  send(message: unknown): Promise<void>;
  /** Content Security Policy violations the page reported. */
  violations(): Promise<string[]>;
  /** Console warnings and errors, and uncaught errors. */
  console: string[];
}

export interface Harness {
  open(bundle: string, options: { theme: Theme; state?: unknown; viewport?: { width: number; height: number } }): Promise<PanelPage>;
  close(): Promise<void>;
}

function serve(): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const origin = `http://${request.headers.host ?? ''}`;
    const panel = /^\/panel\/([a-z-]+)$/.exec(url.pathname);
    const file = /^\/(bundles|themes)\/([a-z-]+\.(?:js|css))$/.exec(url.pathname);
    if (panel) {
      const theme = url.searchParams.get('theme') ?? 'dark';
      const nonce = panelNonce();
      const html = panelHtml({ title: 'harness', cspSource: origin, scriptUri: `${origin}/bundles/${panel[1]}.js`, styleUri: `${origin}/bundles/${panel[1]}.css`, nonce })
        // VS Code puts its theme variables in front of the panel's own styles.
        .replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/themes/${theme}.css" nonce="${nonce}">\n<link rel="stylesheet"`);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    if (file) {
      const path = join(file[1] === 'bundles' ? BUNDLES : THEMES, file[2] ?? '');
      const type = path.endsWith('.js') ? 'text/javascript' : 'text/css';
      try {
        response.writeHead(200, { 'content-type': type }).end(readFileSync(path));
      } catch {
        response.writeHead(404).end();
      }
      return;
    }
    // Chromium asks for a favicon; a webview never does.
    response.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve({ server, origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
  }));
}

/**
 * Runs in the page before any of its scripts: the acquireVsCodeApi stand-in and the CSP recorder. A string,
 * so the test runner's transpiler cannot add helpers the page does not have.
 */
const HOST_SCRIPT = `
  const recorded = { posted: [], state: window.__initialState === null ? undefined : window.__initialState, violations: [] };
  window.__host = recorded;
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => recorded.posted.push(structuredClone(message)),
    getState: () => recorded.state,
    setState: (state) => { recorded.state = structuredClone(state); },
  });
  document.addEventListener('securitypolicyviolation', (event) => recorded.violations.push(event.violatedDirective + ' ' + event.blockedURI));
`;

export async function startHarness(): Promise<Harness> {
  const { server, origin } = await serve();
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_ARGS, headless: true });
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    async open(bundle, options) {
      // Fixed locale and zone: screenshots show the same times everywhere.
      const page = await browser.newPage({ viewport: options.viewport ?? { width: 1000, height: 760 }, locale: 'en-US', timezoneId: 'UTC' });
      const consoleLines: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'warning' || message.type() === 'error') consoleLines.push(`${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
      await page.addInitScript({ content: `window.__initialState = ${JSON.stringify(options.state ?? null)};\n${HOST_SCRIPT}` });
      await page.goto(`${origin}/panel/${bundle}?theme=${options.theme}`);
      const posted = () => page.evaluate('window.__host.posted') as Promise<unknown[]>;
      return {
        page,
        console: consoleLines,
        posted,
        async waitForPosted(count) {
          const deadline = Date.now() + 10_000;
          for (;;) {
            const messages = await posted();
            if (messages.length >= count || Date.now() > deadline) return messages;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        },
        state: () => page.evaluate('window.__host.state'),
        violations: () => page.evaluate('window.__host.violations') as Promise<string[]>,
        // A function would be transpiled by the test runner; a string runs as written.
        send: (message) => page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`).then(() => undefined),
      };
    },
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** One browser for a suite: started before its tests, closed after them. Call inside a `describe`. */
export function useHarness(): Pick<Harness, 'open'> {
  let harness: Harness | undefined;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => harness?.close());
  return {
    open(bundle, options) {
      if (!harness) throw new Error('The harness did not start (see the before hook).');
      return harness.open(bundle, options);
    },
  };
}
