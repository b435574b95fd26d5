import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { devConfig, sweep, tempDir, testEngine } from '../harness/engine';
import { testEmulator } from '../harness/root-hooks';
import { openView, readFakePluginLog, runCommand, screenshot, treeItem, waitForFakePlugin, waitForNotification } from '../harness/vscode-e2e';
import { pick, useVsCode } from '../harness/vscode-session';
import { screenshotDir } from '../harness/screenshots';

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function expand(page: Page, label: string): Promise<void> {
  const row = treeItem(page, label).first();
  await row.waitFor({ timeout: 30_000 });
  // The tree re-renders as health lands; a click on a row being replaced is lost, so click until it is open.
  await waitUntil(async () => {
    if ((await row.getAttribute('aria-expanded')) === 'true') return true;
    await row.click().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return (await row.getAttribute('aria-expanded')) === 'true';
  }, `tree row ${label} to expand`);
}

describe('VS Code e2e: the Stacks view and its commands (against moto; StartSession from a recorded-shape response)', function () {
  const session = useVsCode();
  const start = (stateDir: string, settings: Record<string, unknown> = {}) => session.start(stateDir, settings);

  it('shows a deployed stack with services and resources, refreshes, follows logs, opens an SSM terminal, and destroys after confirmation', async function () {
    this.timeout(300_000);
    const stateDir = tempDir('gm-e2e-state-');
    const engine = testEngine({ stateDir });
    const deployed = await engine.deploy(devConfig());
    const { page } = await start(stateDir);

    await openView(page, 'GeuseMaker');
    await expand(page, 'demo');
    for (const section of ['Services', 'Resources', 'Endpoints']) await treeItem(page, section).first().waitFor();
    for (const service of ['n8n', 'Ollama', 'Qdrant', 'Crawl4AI', 'PostgreSQL']) await treeItem(page, service).first().waitFor();
    await expand(page, 'Resources');
    await expand(page, 'Network');
    const vpcId = deployed.state.resources.vpc?.id ?? '';
    await page.locator('.part.sidebar .monaco-list-row', { hasText: vpcId }).first().waitFor();
    const shot = await screenshot(page, 'stacks-tree');
    copyFileSync(shot, join(screenshotDir(), 'stacks-tree.png'));

    // Refresh picks up a stack deployed after the view opened.
    await engine.deploy(devConfig({ name: 'second' }));
    await runCommand(page, 'GeuseMaker: Refresh');
    await treeItem(page, 'second').first().waitFor({ timeout: 30_000 });

    // Show Logs from the palette: stack, then service, then the stack's log channel opens.
    await runCommand(page, 'GeuseMaker: Show Logs');
    await pick(page, 'demo');
    await pick(page, 'n8n');
    // The Output view's channel picker is a <select>; its value is the channel shown.
    const picker = page.locator('.part.panel select').filter({ has: page.locator('option', { hasText: 'GeuseMaker: demo logs' }) }).first();
    await picker.waitFor({ state: 'attached', timeout: 30_000 });
    await waitUntil(async () => (await picker.inputValue()) === 'GeuseMaker: demo logs', 'the demo log channel to be shown');
    await page.locator('.part.panel .view-lines', { hasText: '[n8n] following' }).first().waitFor({ timeout: 30_000 });

    // Open Terminal: the plugin gets its seven argv entries; the session token only in the environment.
    await runCommand(page, 'GeuseMaker: Open Terminal');
    await pick(page, 'demo');
    const pluginLog = join(stateDir, 'fake-plugin.jsonl');
    const [started] = await waitForFakePlugin(pluginLog);
    const argv = started?.argv ?? [];
    assert.equal(argv.length + 1, 7, `program + 6 arguments: ${JSON.stringify(argv)}`);
    const [envName, region, operation, profile, request, endpoint] = argv;
    assert.match(envName ?? '', /^AWS_SSM_START_SESSION_RESPONSE/);
    assert.equal(region, 'us-east-1');
    assert.equal(operation, 'StartSession');
    assert.equal(profile, '');
    assert.deepEqual(JSON.parse(request ?? '{}'), { Target: deployed.state.resources.instance?.id });
    assert.equal(endpoint, testEmulator().endpoint);
    const token = 'AAEAAXVwb2hT8b0J7Xq9e2dGRlc3QtdG9rZW4tdmFsdWUtZm9yLWdldXNlbWFrZXItdGVzdHM=';
    assert.ok(!argv.some((arg) => arg.includes(token)), 'no token in argv');
    assert.match(started?.env?.[envName ?? ''] ?? '', new RegExp(token.replace(/[+/=]/g, '\\$&')), 'the token travels in the named env var');

    // Closing the terminal ends the plugin and the SSM session.
    await runCommand(page, 'Terminal: Kill the Active Terminal Instance');
    await waitUntil(async () => readFakePluginLog(pluginLog).some((r) => r.event === 'stopped'), 'the plugin to stop');
    await runCommand(page, 'Output: Show Output Channels...');
    await page.locator('.quick-input-widget input').fill('GeuseMaker');
    await page.locator('.quick-input-widget .monaco-list-row', { has: page.locator('.label-name', { hasText: /^GeuseMaker$/ }) }).first().click();
    await page.locator('.part.panel .view-lines', { hasText: 'Ended SSM session gm-user-0a1b2c3d4e5f67890 of stack demo' }).first().waitFor({ timeout: 30_000 });

    // Destroy asks first (and again before deleting data); the stack leaves the tree.
    await runCommand(page, 'GeuseMaker: Destroy Stack');
    await pick(page, 'second');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    assert.match((await dialog.textContent()) ?? '', /Destroy stack second\?[\s\S]*(Will delete|Deletes)/);
    await dialog.getByRole('button', { name: 'Destroy Everything' }).click();
    // Deleting the data asks for the stack's name.
    await page.locator('.quick-input-widget input').fill('second');
    await page.keyboard.press('Enter');
    await waitForNotification(page, /Stack second is destroyed/, 120_000);
    await treeItem(page, 'second').first().waitFor({ state: 'detached', timeout: 30_000 });
    assert.deepEqual(await sweep('second'), [], 'nothing of the stack is left in AWS');
    assert.ok((await sweep('demo')).length > 0, 'the other stack is untouched');
    engine.dispose();
  });

  it('a broken endpoint setting shows the error node with its message', async function () {
    this.timeout(180_000);
    const stateDir = tempDir('gm-e2e-state-');
    const { page } = await start(stateDir, { 'geusemaker.endpoint': 'localhost:4566' });
    await openView(page, 'GeuseMaker');
    const row = page.locator('.part.sidebar .monaco-list-row', { hasText: /must be an http\(s\) URL/ }).first();
    await row.waitFor({ timeout: 30_000 });
    assert.match((await row.textContent()) ?? '', /click to retry/);
  });

  it('an endpoint that does not answer shows the stack with a retry node carrying the classified message', async function () {
    this.timeout(180_000);
    const stateDir = tempDir('gm-e2e-state-');
    const engine = testEngine({ stateDir });
    await engine.deploy(devConfig());
    engine.dispose();
    const { page } = await start(stateDir, { 'geusemaker.endpoint': 'http://127.0.0.1:9' });
    await openView(page, 'GeuseMaker');
    await expand(page, 'demo');
    const row = page.locator('.part.sidebar .monaco-list-row', { hasText: /did not answer|could not be reached/ }).first();
    await row.waitFor({ timeout: 120_000 });
    assert.match((await row.textContent()) ?? '', /127\.0\.0\.1:9|network/i);
  });
});
