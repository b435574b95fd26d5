import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { UpdateSsm } from '../harness/update-ssm';
import { notifications, openView, runCommand, screenshot, treeItem } from '../harness/vscode-e2e';
import { pick, useVsCode } from '../harness/vscode-session';
import { screenshotDir } from '../harness/screenshots';

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The rows of the open quick pick, as their text (label, description and detail run together). */
async function quickPickRows(page: Page): Promise<string[]> {
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  await rows.first().waitFor({ timeout: 30_000 });
  return (await rows.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
}

async function closeQuickPick(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

const historyTitle = (page: Page): Locator => page.locator('.quick-input-widget .quick-input-title', { hasText: 'History of stack demo' });

/**
 * Runs a tree row's context-menu entry and waits for what it opens. The row re-renders when the tree refreshes
 * (a config file saved triggers one), which can close a menu just opened: then right-click again.
 */
async function fromMenu(page: Page, row: string, entry: string, opened: Locator): Promise<void> {
  await page.locator('.part.sidebar .monaco-progress-container.active').first().waitFor({ state: 'hidden', timeout: 30_000 }).catch(() => undefined);
  const menu = page.locator('.context-view .monaco-menu');
  await waitUntil(async () => {
    if (await menu.first().isVisible()) {
      await page.keyboard.press('Escape');
      await menu.first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
    }
    await treeItem(page, row).first().click({ button: 'right' });
    const item = menu.locator('.action-item', { hasText: entry }).first();
    if (!(await item.waitFor({ timeout: 5_000 }).then(() => true, () => false))) return false;
    // A menu ignores clicks for a moment after it opens (so the right-click's release picks nothing).
    await item.hover();
    await page.waitForTimeout(500);
    await item.click({ timeout: 5_000 }).catch(() => undefined);
    return opened.waitFor({ timeout: 10_000 }).then(() => true, () => false);
  }, `${entry} from the menu of ${row}`, 90_000);
}

const save = async (page: Page, name: string) => copyFileSync(await screenshot(page, name), join(screenshotDir(), `${name}.png`));

/**
 * Stack demo applied twice (version 1: everything; version 2: crawl4ai off), the change pushed over a faked SSM
 * Run Command (moto runs no commands). The editor then reads the same state folder.
 */
async function twoVersions(): Promise<string> {
  const stateDir = tempDir('gm-e2e-state-');
  const engine = testEngine({ stateDir, ssm: new UpdateSsm().factory });
  try {
    await engine.deploy(devConfig());
    await engine.deploy(devConfig({ services: { n8n: true, ollama: true, qdrant: true, crawl4ai: false, postgres: true } }));
  } finally {
    engine.dispose();
  }
  return stateDir;
}

describe('VS Code e2e: a stack\'s history (Show History) and the "changes not applied" marker', function () {
  const session = useVsCode();

  it('lists both applied versions with the applied one marked, from the palette and the stack\'s menu; Roll Back shows the plan first; the tree marks a geusemaker.yaml that differs', async function () {
    this.timeout(420_000);
    const stateDir = await twoVersions();
    const vscode = await session.start(stateDir);
    const { page } = vscode;
    await openView(page, 'GeuseMaker');
    const demo = treeItem(page, 'demo').first();
    await demo.waitFor({ timeout: 60_000 });
    assert.doesNotMatch((await demo.textContent()) ?? '', /changes not applied/, 'no config file in the workspace yet');

    // The palette: the stack, then its versions, newest first, the applied one marked.
    await runCommand(page, 'GeuseMaker: Show History');
    await pick(page, 'demo');
    await historyTitle(page).waitFor({ timeout: 30_000 });
    const rows = await quickPickRows(page);
    assert.equal(rows.length, 2, rows.join(' | '));
    // Label, description and detail run together in the row's text.
    assert.match(rows[0] ?? '', /^Version 2\s*applied now · .+ · .+services\.crawl4ai true → false$/);
    assert.match(rows[1] ?? '', /^Version 1\s*\S.+first deploy$/);
    assert.doesNotMatch(rows[1] ?? '', /applied now/);
    await save(page, 'history-quick-pick');
    await closeQuickPick(page);

    // The workspace's geusemaker.yaml asks for crawl4ai again (version 1's settings): the tree marks the stack.
    writeFileSync(join(vscode.folder, 'geusemaker.yaml'), 'name: demo\nregion: us-east-1\ninstanceType: t3.xlarge\n');
    await waitUntil(async () => /changes not applied/.test((await demo.textContent()) ?? ''), 'the stack to read "changes not applied"');
    await save(page, 'tree-changes-not-applied');

    // The stack's menu: Show History, Version 1, Roll Back — the plan back to it is shown before anything changes.
    await fromMenu(page, 'demo', 'Show History', historyTitle(page));
    await pick(page, 'Version 1');
    await pick(page, 'Roll Back to This Version');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 120_000 });
    const text = (await dialog.textContent()) ?? '';
    assert.match(text, /Roll back stack demo to version 1\?/);
    assert.match(text, /services\.crawl4ai false → true/);
    await save(page, 'history-rollback-plan');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });

    // Answering no changes nothing and is no error; the stack still reads as its file not applied.
    await page.waitForTimeout(1_000);
    const shown = await notifications(page);
    assert.ok(!shown.some((message) => /not confirmed|went wrong|failed/i.test(message)), shown.join(' | '));
    const engine = testEngine({ stateDir });
    try {
      assert.deepEqual((await engine.history('demo')).history.map((v) => v.version), [1, 2]);
    } finally {
      engine.dispose();
    }
    assert.match((await demo.textContent()) ?? '', /changes not applied/);
  });
});
