import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { testEmulator } from '../harness/root-hooks';
import { captureFailure, ensureCodeServer, FAKE_PLUGIN_DIR, openView, packageExtension, pathWithFakePlugin, runCommand, screenshot, startVsCode, treeItem, type VsCode } from '../harness/vscode-e2e';

/** The document inside a webview panel: VS Code nests it in a frame inside the webview's frame. */
function panelFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
}

describe('VS Code e2e: the health panel (against moto, which runs no commands: every service is unknown)', function () {
  let vscode: VsCode | undefined;

  before(async function () {
    this.timeout(20 * 60_000);
    await ensureCodeServer();
    await packageExtension();
  });

  afterEach(async function () {
    await captureFailure(this.currentTest, vscode);
    await vscode?.stop();
    vscode = undefined;
  });

  it('opens from the palette for a deployed stack and shows each service as unknown with the reason', async function () {
    this.timeout(300_000);
    const stateDir = tempDir('gm-e2e-state-');
    const engine = testEngine({ stateDir });
    await engine.deploy(devConfig());
    engine.dispose();
    vscode = await startVsCode({
      settings: { 'geusemaker.endpoint': testEmulator().endpoint, 'geusemaker.stateDirectory': stateDir, 'geusemaker.refreshIntervalSeconds': 3600 },
      env: { PATH: pathWithFakePlugin(), GEUSEMAKER_HOME: process.env.GEUSEMAKER_HOME, GEUSEMAKER_SSM_REPLAY: join(FAKE_PLUGIN_DIR, 'ssm-replay.json') },
    });
    const { page } = vscode;
    await openView(page, 'GeuseMaker');
    await treeItem(page, 'demo').first().waitFor({ timeout: 30_000 });

    await runCommand(page, 'GeuseMaker: Show Health Panel');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('demo');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'demo' }).first().waitFor();
    await page.keyboard.press('Enter');

    await page.locator('.tab', { hasText: 'Health: demo' }).first().waitFor({ timeout: 30_000 });
    const panel = panelFrame(page);
    await panel.locator('section.service').nth(4).waitFor({ timeout: 60_000 });
    assert.equal(await panel.locator('h1').textContent(), 'Health of demo');
    assert.equal(await panel.locator('.summary').textContent(), '0 of 5 services healthy');
    assert.deepEqual(new Set(await panel.locator('section.service .status').allTextContents()), new Set(['Unknown']));
    assert.match((await panel.locator('.banner.note').textContent()) ?? '', /SSM agent not online/);
    assert.match((await panel.locator('section.service .error-text').first().textContent()) ?? '', /SSM agent not online/);
    await screenshot(page, 'health-panel-code-server');
    assert.doesNotMatch(vscode.logs(), /Refused to (load|execute|apply)|Content Security Policy/i, 'no CSP violations in the browser console');
  });
});
