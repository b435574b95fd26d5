import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { devConfig } from '../harness/engine';
import { screenshotDir } from '../harness/screenshots';
import { panelFrame, runCommand, screenshot } from '../harness/vscode-e2e';
import { pick, useVsCode } from '../harness/vscode-session';

describe('VS Code e2e: the health panel (against moto, whose recorded agent status is "not registered": every service is unknown)', function () {
  const session = useVsCode();

  it('opens from the palette, says once why every service is unknown, and keeps Restart and Open off while the agent is offline', async function () {
    this.timeout(300_000);
    const { vscode } = await session.startDeployed(devConfig());
    const { page } = vscode;

    await runCommand(page, 'GeuseMaker: Show Health Panel');
    await pick(page, 'demo');

    await page.locator('.tab', { hasText: 'Health: demo' }).first().waitFor({ timeout: 30_000 });
    const panel = panelFrame(page);
    await panel.locator('section.service').nth(4).waitFor({ timeout: 60_000 });
    await panel.locator('main[aria-busy="false"]').waitFor({ timeout: 60_000 });
    assert.equal(await panel.locator('h1').textContent(), 'Health of demo');
    assert.equal(await panel.locator('.summary').textContent(), 'Health unknown for all 5 services');
    assert.deepEqual(new Set(await panel.locator('section.service .status').allTextContents()), new Set(['Unknown']));
    assert.equal(await panel.locator('.banner.note').textContent(), 'The instance\'s SSM agent is not online yet, so service health is unknown. A new instance needs a few minutes.');
    assert.equal(await panel.locator('section.service .last-error').count(), 0, 'the reason is not repeated on every card');
    assert.equal(await panel.locator('.banner.error').count(), 0);
    const n8n = panel.locator('section.service', { has: panel.locator('h2', { hasText: 'n8n' }) });
    const disabled = async (label: string) => n8n.locator('vscode-button', { hasText: label }).evaluate((b) => b.hasAttribute('disabled'));
    assert.deepEqual({ showLogs: await disabled('Show Logs'), restart: await disabled('Restart'), open: await disabled('Open') }, { showLogs: false, restart: true, open: true });

    // Refresh checks again and leaves no stray notice behind.
    await panel.locator('vscode-button', { hasText: 'Refresh' }).click();
    await panel.locator('main[aria-busy="false"]').waitFor({ timeout: 60_000 });
    assert.equal(((await panel.locator('.notice').textContent()) ?? '').trim(), '');
    copyFileSync(await screenshot(page, 'health-panel-code-server'), join(screenshotDir(), 'health-panel-agent-offline.png'));
    assert.doesNotMatch(vscode.logs(), /Refused to (load|execute|apply)|Content Security Policy/i, 'no CSP violations in the browser console');
  });
});
