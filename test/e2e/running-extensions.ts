import type { Page } from 'playwright-core';
import { runCommand } from '../harness/vscode-e2e';

/** What "Developer: Show Running Extensions" says about one extension: VS Code's own activation figure. */
export interface ActivationReport {
  /** The row's text as shown, e.g. "Activation: 41ms" (or "Startup Activation: …"). */
  text: string;
  /** Code loading plus the activate() call, as VS Code measured it. */
  ms: number;
}

/**
 * Opens the Running Extensions editor and reads the activation time of the extension shown as `displayName`
 * (VS Code renders it as "Activation: N ms" = code loading + activate call). Waits for the extension to have
 * activated: the row says "Activating..." until then.
 */
export async function readActivation(page: Page, displayName: string, timeout = 60_000): Promise<ActivationReport> {
  await runCommand(page, 'Developer: Show Running Extensions');
  const editor = page.locator('.runtime-extensions-editor');
  const row = editor.locator('.monaco-list-row', { has: page.locator('.name', { hasText: new RegExp(`^${displayName}$`) }) }).first();
  const time = row.locator('.activation-time').filter({ hasText: /Activation: \d+ms/ });
  let text: string;
  try {
    await editor.locator('.monaco-list-row').first().waitFor({ timeout });
    // The list is sorted slowest first and renders only the rows in view: a fast extension on a machine with
    // many slow ones sits below the fold until the list is scrolled to it.
    const deadline = Date.now() + timeout;
    for (let step = 0; !(await time.isVisible()); step++) {
      if (Date.now() > deadline) throw new Error(`no activation time for ${displayName} in Running Extensions within ${timeout} ms`);
      await editor.locator('.monaco-list').first().hover();
      await page.mouse.wheel(0, step % 12 === 11 ? -10_000 : 400);
      await page.waitForTimeout(250);
    }
    text = ((await time.textContent()) ?? '').trim();
  } finally {
    // The editor opens over the workbench as a modal: close it so the palette and views answer again.
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  }
  const match = /Activation: (\d+)ms/.exec(text);
  if (!match) throw new Error(`no activation time for ${displayName}: "${text}"`);
  return { text, ms: Number(match[1]) };
}

/** zod's JIT probe read `navigator`, which VS Code's extension host reports under Node ≥ 21 (see esbuild.mjs). */
export const NAVIGATOR_WARNING = /PendingMigrationError|navigator is now a global/;
