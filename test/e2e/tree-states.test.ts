import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { openView, screenshot, treeItem } from '../harness/vscode-e2e';
import { useVsCode } from '../harness/vscode-session';
import { screenshotDir } from '../harness/screenshots';

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function expand(page: Page, label: string): Promise<void> {
  const row = treeItem(page, label).first();
  await row.waitFor({ timeout: 60_000 });
  await waitUntil(async () => {
    if ((await row.getAttribute('aria-expanded')) === 'true') return true;
    await row.click().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return (await row.getAttribute('aria-expanded')) === 'true';
  }, `tree row ${label} to expand`);
}

/** Right-clicks a tree row and returns the context menu's entries (the menu stays open for a screenshot). */
async function contextMenu(page: Page, label: string | RegExp): Promise<string[]> {
  const row = typeof label === 'string' ? treeItem(page, label).first() : page.locator('.part.sidebar .monaco-list-row', { hasText: label }).first();
  await row.click({ button: 'right' });
  const items = page.locator('.context-view .monaco-menu .action-item:not(.disabled) .action-label');
  await items.first().waitFor({ timeout: 10_000 });
  return (await items.allTextContents()).map((text) => text.trim()).filter(Boolean);
}

async function closeMenu(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator('.context-view .monaco-menu').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
}

const statusItem = (page: Page) => page.locator('.part.statusbar [aria-label^="GeuseMaker"]').first();

/**
 * A running stack with a public address ("my IP" access) and a paused one, in one state folder, with a machine
 * index of their own (the editor starts with it), so other tests' stacks do not show as "Other workspaces".
 */
async function runningAndPaused(): Promise<string> {
  process.env.GEUSEMAKER_HOME = tempDir('gm-e2e-home-');
  const stateDir = tempDir('gm-e2e-state-');
  const engine = testEngine({ stateDir });
  try {
    await engine.deploy(devConfig({ access: { mode: 'cidr', cidr: '203.0.113.7/32' } }));
    await engine.deploy(devConfig({ name: 'quiet' }));
    await engine.pause('quiet');
  } finally {
    engine.dispose();
  }
  return stateDir;
}

const CLOSED_PORT = 'http://127.0.0.1:9';
const save = async (page: Page, name: string) => copyFileSync(await screenshot(page, name), join(screenshotDir(), `${name}.png`));

describe('VS Code e2e: the Stacks tree follows each stack\'s state (menus, stale state, status bar, badge)', function () {
  // useVsCode gives each test its own GEUSEMAKER_HOME and restores the run's afterwards.
  const session = useVsCode();

  it('light: menus follow state, resources and services read as people name them, the status bar names the account, the badge counts billing stacks', async function () {
    this.timeout(420_000);
    const stateDir = await runningAndPaused();
    const vscode = await session.start(stateDir, { 'workbench.colorTheme': 'Default Light Modern' });
    const { page } = vscode;
    await openView(page, 'GeuseMaker');

    // The status bar names the account the credentials act as, and reads as words to a screen reader.
    const status = statusItem(page);
    await waitUntil(async () => /1 stack running/.test((await status.getAttribute('aria-label')) ?? ''), 'the status bar to count the running stack');
    assert.doesNotMatch((await status.getAttribute('aria-label')) ?? '', /\$\(|\*\*/, 'no codicon names or markdown in its accessible name');
    // The account arrives from sts:GetCallerIdentity a moment after the count: hover again until the tooltip has it.
    const accountHover = page.locator('.monaco-hover, .workbench-hover', { hasText: 'Account: 123456789012' }).first();
    await waitUntil(async () => {
      await page.mouse.move(700, 450);
      await status.hover();
      return accountHover.waitFor({ timeout: 3_000 }).then(() => true, () => false);
    }, 'the status bar tooltip to name the account');
    await page.mouse.move(700, 450);

    // The view's badge counts the stack that bills by the hour (the paused one does not).
    const badge = page.locator('.part.activitybar .action-item:has([aria-label^="GeuseMaker"]) .badge-content').first();
    await waitUntil(async () => ((await badge.textContent()) ?? '').trim() === '1', 'the view badge to show 1');

    // A paused stack offers what applies to it, and nothing that needs a running instance.
    const paused = await contextMenu(page, 'quiet');
    for (const wanted of ['Resume Stack', 'Show Stack Details', 'Show Cost', 'Deploy Stack', 'Destroy Stack']) assert.ok(paused.includes(wanted), `paused menu has ${wanted}: ${paused.join(', ')}`);
    for (const unwanted of ['Open Terminal', 'Open Service', 'Show Logs', 'Show Health Panel', 'Copy n8n Owner Password', 'Pause Stack']) assert.ok(!paused.includes(unwanted), `paused menu lacks ${unwanted}: ${paused.join(', ')}`);
    await save(page, 'tree-paused-light');
    await closeMenu(page);
    const running = await contextMenu(page, 'demo');
    for (const wanted of ['Open Terminal', 'Show Logs', 'Show Health Panel', 'Pause Stack', 'Open in AWS Console']) assert.ok(running.includes(wanted), `running menu has ${wanted}: ${running.join(', ')}`);
    assert.ok(!running.includes('Resume Stack'));
    await closeMenu(page);

    // Services by the names the panels use; resources grouped by kind, without internal keys.
    await expand(page, 'demo');
    for (const service of ['Ollama', 'Qdrant', 'Crawl4AI', 'PostgreSQL']) await treeItem(page, service).first().waitFor();
    await expand(page, 'Resources');
    for (const group of ['Compute', 'Data', 'Secrets', 'Network']) await treeItem(page, group).first().waitFor();
    await expand(page, 'Secrets');
    await treeItem(page, 'n8n owner password').first().waitFor();
    assert.equal(await treeItem(page, 'secret-n8n-owner-password').count(), 0);
    await expand(page, 'Endpoints');
    const endpoint = await contextMenu(page, /Ollama\s*http:\/\//);
    assert.ok(endpoint.includes('Copy URL') && endpoint.includes('Open Service'), endpoint.join(', '));
    await closeMenu(page);
  });

  it('light: AWS not answering shows the stack as last seen, the error node instead of its children, progress while refreshing, and the status bar warning', async function () {
    this.timeout(300_000);
    const stateDir = await runningAndPaused();
    const vscode = await session.start(stateDir, { 'workbench.colorTheme': 'Default Light Modern', 'geusemaker.endpoint': CLOSED_PORT });
    const { page } = vscode;
    await openView(page, 'GeuseMaker');
    const demo = treeItem(page, 'demo').first();
    await waitUntil(async () => /last seen running \d+ min ago|last seen running just now/.test((await demo.textContent()) ?? ''), 'the stack to show as last seen', 120_000);
    await expand(page, 'demo');
    const retry = page.locator('.part.sidebar .monaco-list-row', { hasText: /did not answer|could not be reached/ }).first();
    await retry.waitFor({ timeout: 30_000 });
    assert.doesNotMatch((await retry.textContent()) ?? '', /ECONNREFUSED|AWS_UNREACHABLE/, 'plain words, no codes');
    assert.equal(await treeItem(page, 'Services').count(), 0, 'no stale children: the error node stands instead');
    const status = statusItem(page);
    await waitUntil(async () => /warning: AWS unreachable.*last seen running/.test((await status.getAttribute('aria-label')) ?? ''), 'the status bar warning', 120_000);
    assert.match((await status.textContent()) ?? '', /AWS unreachable/);
    assert.doesNotMatch((await status.textContent()) ?? '', /\$\d/, 'no live price while AWS does not answer');

    // Retry: the view shows progress while the refresh waits for AWS.
    const progress = page.locator('.part.sidebar .monaco-progress-container.active').first();
    await retry.click();
    await progress.waitFor({ state: 'visible', timeout: 30_000 });
    await progress.waitFor({ state: 'hidden', timeout: 120_000 });
    await retry.waitFor({ timeout: 30_000 });
    await save(page, 'tree-error-light');
    assert.doesNotMatch(vscode.extensionHostLog(), /No tree item with id/);
  });

  it('dark: the paused stack\'s menu and the error state, for the docs', async function () {
    this.timeout(300_000);
    const stateDir = await runningAndPaused();
    const vscode = await session.start(stateDir, { 'workbench.colorTheme': 'Default Dark Modern', 'geusemaker.endpoint': CLOSED_PORT });
    const { page } = vscode;
    await openView(page, 'GeuseMaker');
    await treeItem(page, 'quiet').first().waitFor({ timeout: 60_000 });
    const paused = await contextMenu(page, 'quiet');
    assert.ok(paused.includes('Resume Stack') && !paused.includes('Open Terminal'), paused.join(', '));
    await save(page, 'tree-paused-dark');
    await closeMenu(page);

    const demo = treeItem(page, 'demo').first();
    await waitUntil(async () => /last seen running/.test((await demo.textContent()) ?? ''), 'the stack to show as last seen', 120_000);
    await expand(page, 'demo');
    await page.locator('.part.sidebar .monaco-list-row', { hasText: /did not answer|could not be reached/ }).first().waitFor({ timeout: 30_000 });
    await page.locator('.part.sidebar .monaco-progress-container.active').first().waitFor({ state: 'hidden', timeout: 120_000 });
    await save(page, 'tree-error-dark');
  });
});
