import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { devConfig } from '../harness/engine';
import { testEmulator } from '../harness/root-hooks';
import { screenshotDir } from '../harness/screenshots';
import { runCommand, screenshot, waitForNotification } from '../harness/vscode-e2e';
import { pick, useVsCode } from '../harness/vscode-session';

/** Editor text is for people: no error codes, CLI flags, backticks, SDK or parser internals. */
function assertPlain(text: string, where: string): void {
  assert.doesNotMatch(text, /`/, `${where}: backticks`);
  assert.doesNotMatch(text, /(^|\s)--[a-z]/, `${where}: CLI flags`);
  assert.doesNotMatch(text, /\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/, `${where}: error codes`);
  assert.doesNotMatch(text, /Deserialization|\$response|Unexpected token|doctype|ECONNREFUSED|ssm:/, `${where}: internals`);
  assert.doesNotMatch(text, /resumes where it stopped|geusemaker [a-z]/, `${where}: CLI advice`);
}

describe('VS Code e2e: errors in plain words, with the button that fixes them (against moto)', function () {
  const session = useVsCode();

  it('log following against an emulator that runs no commands says it stopped and why, with Follow Again and Open Endpoint Setting', async function () {
    this.timeout(300_000);
    const { vscode } = await session.startDeployed(devConfig());
    const { page } = vscode;
    const endpoint = testEmulator().endpoint;

    // moto accepts Run Command but runs nothing: following stops at once and says so, instead of "Try again" lines.
    await runCommand(page, 'GeuseMaker: Show Bootstrap Log');
    await pick(page, 'demo');
    const stopped = /Stopped following the bootstrap log of demo/;
    let toast = await waitForNotification(page, stopped, 60_000);
    const message = (await toast.locator('.notification-list-item-message').textContent()) ?? '';
    assert.equal(message, `Stopped following the bootstrap log of demo. The emulator at ${endpoint} does not run commands on instances (SSM Run Command). This needs real AWS: clear the endpoint setting to use it.`);
    assertPlain(message, 'the stopped-following notification');
    assert.deepEqual(await toast.locator('.monaco-button').allTextContents().then((b) => b.filter(Boolean)), ['Follow Again', 'Open Endpoint Setting']);
    await page.locator('.part.panel .view-lines', { hasText: '[bootstrap] stopped following' }).first().waitFor({ timeout: 30_000 });
    copyFileSync(await screenshot(page, 'errors-follow-stopped'), join(screenshotDir(), 'logs-follow-stopped.png'));
    assert.doesNotMatch((await page.locator('.part.panel .view-lines').first().textContent()) ?? '', /Try again|docker/, 'no promise of another try, no docker for the bootstrap log');

    // Follow Again follows again (and, moto being moto, stops again with the same words).
    await toast.locator('.monaco-button', { hasText: 'Follow Again' }).click();
    await toast.waitFor({ state: 'detached', timeout: 30_000 });
    toast = await waitForNotification(page, stopped, 60_000);

    // Its Open Endpoint Setting opens the setting itself.
    await toast.locator('.monaco-button', { hasText: 'Open Endpoint Setting' }).click();
    await page.locator('.settings-editor .setting-item-contents', { hasText: 'Endpoint' }).locator('input').first().waitFor({ timeout: 30_000 });
  });
});
