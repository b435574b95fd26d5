import assert from 'node:assert/strict';
import { devConfig } from '../harness/engine';
import { panelFrame, runCommand, screenshot } from '../harness/vscode-e2e';
import { pick, useVsCode } from '../harness/vscode-session';

describe('VS Code e2e: the health panel (against moto, which runs no commands: every service is unknown)', function () {
  const session = useVsCode();

  it('opens from the palette for a deployed stack and shows each service as unknown with the reason', async function () {
    this.timeout(300_000);
    const { vscode } = await session.startDeployed(devConfig());
    const { page } = vscode;

    await runCommand(page, 'GeuseMaker: Show Health Panel');
    await pick(page, 'demo');

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
