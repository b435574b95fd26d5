import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { StackConfig } from '../../src/engine/stack/config';
import { tempDir, testEngine } from './engine';
import { testEmulator } from './root-hooks';
import { captureFailure, ensureCodeServer, FAKE_PLUGIN_DIR, openView, packageExtension, pathWithFakePlugin, startVsCode, treeItem, type VsCode } from './vscode-e2e';

export interface VsCodeSession {
  /** `env` goes over the defaults (e.g. GEUSEMAKER_SSM_REPLAY: another file of recorded answers). */
  start(stateDir: string, settings?: Record<string, unknown>, env?: NodeJS.ProcessEnv): Promise<VsCode>;
  /** Deploys `config` into a fresh state folder, then starts VS Code on it with the stack showing in the GeuseMaker view. */
  startDeployed(config: StackConfig): Promise<{ vscode: VsCode; stateDir: string }>;
}

/**
 * The set-up every e2e suite shares: code-server installed and the extension packaged once (first run on a
 * machine: minutes), one VS Code per test pointed at moto and a state folder, stopped after each test (with a
 * screenshot and log tail when it failed). Call inside a `describe`.
 */
export function useVsCode(): VsCodeSession {
  let current: VsCode | undefined;
  let runHome: string | undefined;
  before(async function () {
    this.timeout(20 * 60_000);
    await ensureCodeServer();
    await packageExtension();
  });
  // A machine index per test: stacks deployed by earlier tests (their state folders outlive them) must not show
  // up as "Other workspaces", where a row named like this test's stack would be found first.
  beforeEach(() => {
    runHome = process.env.GEUSEMAKER_HOME;
    process.env.GEUSEMAKER_HOME = tempDir('gm-e2e-home-');
  });
  afterEach(async function () {
    await captureFailure(this.currentTest, current);
    await current?.stop();
    current = undefined;
    if (runHome === undefined) delete process.env.GEUSEMAKER_HOME;
    else process.env.GEUSEMAKER_HOME = runHome;
  });
  const session: VsCodeSession = {
    async start(stateDir, settings = {}, env = {}) {
      current = await startVsCode({
        settings: { 'geusemaker.endpoint': testEmulator().endpoint, 'geusemaker.stateDirectory': stateDir, 'geusemaker.refreshIntervalSeconds': 3600, ...settings },
        env: {
          PATH: pathWithFakePlugin(),
          GEUSEMAKER_HOME: process.env.GEUSEMAKER_HOME,
          GM_FAKE_PLUGIN_LOG: join(stateDir, 'fake-plugin.jsonl'),
          // moto has no StartSession: the extension replays a recorded-shape answer (honoured on loopback only).
          GEUSEMAKER_SSM_REPLAY: join(FAKE_PLUGIN_DIR, 'ssm-replay.json'),
          ...env,
        },
      });
      return current;
    },
    async startDeployed(config) {
      const stateDir = tempDir('gm-e2e-state-');
      const engine = testEngine({ stateDir });
      try {
        await engine.deploy(config);
      } finally {
        engine.dispose();
      }
      const vscode = await session.start(stateDir);
      await openView(vscode.page, 'GeuseMaker');
      await treeItem(vscode.page, config.name).first().waitFor({ timeout: 30_000 });
      return { vscode, stateDir };
    },
  };
  return session;
}

/** Picks the quick-pick row whose label contains `label` (stack and service pickers). */
export async function pick(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(label);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first().waitFor();
  await page.keyboard.press('Enter');
}
