import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { screenshotDir } from '../harness/screenshots';
import { openView, screenshot, treeItem, waitForNotification } from '../harness/vscode-e2e';
import { pick, useVsCode } from '../harness/vscode-session';

/** Run Command answers the extension replays (moto prints nothing): the model list before and after, the pull's polls. */
const MODELS_REPLAY = join(__dirname, '..', 'fixtures', 'ssm', 'models-replay.json');

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Expands a tree row; the tree re-renders as health lands, so a click on a row being replaced is tried again. */
async function expand(page: Page, label: string): Promise<void> {
  const row = treeItem(page, label).first();
  await row.waitFor({ timeout: 30_000 });
  await waitUntil(async () => {
    if ((await row.getAttribute('aria-expanded')) === 'true') return true;
    await row.click().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return (await row.getAttribute('aria-expanded')) === 'true';
  }, `tree row ${label} to expand`);
}

/** Runs a row's context-menu entry, right-clicking again when a re-render closed the menu. */
async function fromMenu(page: Page, row: string, entry: string, opened: Locator): Promise<void> {
  const menu = page.locator('.context-view .monaco-menu');
  await waitUntil(async () => {
    if (await menu.first().isVisible()) {
      await page.keyboard.press('Escape');
      await menu.first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
    }
    await treeItem(page, row).first().click({ button: 'right' });
    const item = menu.locator('.action-item', { hasText: entry }).first();
    if (!(await item.waitFor({ timeout: 5_000 }).then(() => true, () => false))) return false;
    // A menu ignores clicks for a moment after it opens.
    await item.hover();
    await page.waitForTimeout(500);
    await item.click({ timeout: 5_000 }).catch(() => undefined);
    return opened.waitFor({ timeout: 10_000 }).then(() => true, () => false);
  }, `${entry} from the menu of ${row}`, 90_000);
}

describe('VS Code e2e: the Models section of a stack (against moto; Run Command output replayed from recorded answers)', function () {
  const session = useVsCode();

  it('recorded: lists the models when Models is expanded, Pull Model… shows the pull\'s progress in a notification, and the new model appears', async function () {
    this.timeout(420_000);
    const stateDir = tempDir('gm-e2e-state-');
    const engine = testEngine({ stateDir });
    try {
      await engine.deploy(devConfig());
    } finally {
      engine.dispose();
    }
    const { page } = await session.start(stateDir, {}, { GEUSEMAKER_SSM_REPLAY: MODELS_REPLAY });
    await openView(page, 'GeuseMaker');
    await expand(page, 'demo');
    await treeItem(page, 'Models').first().waitFor({ timeout: 30_000 });
    assert.equal(await treeItem(page, 'llama3.2:3b').count(), 0, 'nothing is read before the section is expanded');

    await expand(page, 'Models');
    const llama = treeItem(page, 'llama3.2:3b').first();
    await llama.waitFor({ timeout: 60_000 });
    await treeItem(page, 'nomic-embed-text:latest').first().waitFor();
    assert.match(await llama.textContent() ?? '', /2\.0 GB/);
    assert.match(await treeItem(page, 'nomic-embed-text:latest').first().textContent() ?? '', /274 MB · not in config/);

    const quickPick = page.locator('.quick-input-widget .quick-input-title', { hasText: 'Pull a model on demo' });
    await fromMenu(page, 'Models', 'Pull Model…', quickPick);
    await pick(page, 'llama3.2:1b');

    const toast = await waitForNotification(page, /Pulling llama3\.2:1b on demo/);
    await toast.locator('.notification-list-item-message', { hasText: /downloading \d+% \(\d+ MB of 1321 MB\)/ }).waitFor({ timeout: 60_000 });
    assert.equal(await toast.locator('a.monaco-button, .monaco-button', { hasText: 'Cancel' }).count() > 0, true, 'the pull can be cancelled');
    copyFileSync(await screenshot(page, 'models-pull-progress'), join(screenshotDir(), 'models-pull-progress.png'));

    await waitForNotification(page, /Pulled llama3\.2:1b \(1\.3 GB\) on demo\./, 60_000);
    const pulled = treeItem(page, 'llama3.2:1b').first();
    await pulled.waitFor({ timeout: 30_000 });
    assert.match(await pulled.textContent() ?? '', /1\.3 GB · not in config/);
    copyFileSync(await screenshot(page, 'models-tree'), join(screenshotDir(), 'models-tree.png'));
  });
});
