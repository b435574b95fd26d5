import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { devConfig, testEngine } from '../harness/engine';
import { screenshotDir } from '../harness/screenshots';
import { runCommand, screenshot, treeItem, waitForNotification } from '../harness/vscode-e2e';
import { pick, useVsCode } from '../harness/vscode-session';

describe('VS Code e2e: the destroy dialog', function () {
  const session = useVsCode();

  it('summarises what goes and what stays with its cost, Enter opens the plan instead of destroying, and deleting the data asks for the name', async function () {
    this.timeout(420_000);
    const { vscode, stateDir } = await session.startDeployed(devConfig());
    const { page } = vscode;
    const stillDeployed = async () => {
      const engine = testEngine({ stateDir });
      try {
        return (await engine.show('demo'))?.status;
      } finally {
        engine.dispose();
      }
    };

    await runCommand(page, 'GeuseMaker: Destroy Stack');
    await pick(page, 'demo');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 60_000 });
    assert.equal((await dialog.locator('.dialog-message-text').textContent())?.trim(), 'Destroy stack demo?');
    const detail = (await dialog.locator('.dialog-message-detail').textContent()) ?? '';
    assert.match(detail, /^Deletes \d+ resources in us-east-1: 1 EC2 instance, .*1 VPC.* and \d+ .+\./, detail);
    assert.match(detail, /Keeps your data \(1 EFS file system and \d+ secrets\), (under \$0\.01|about \$\d+\.\d\d) a month, so a later deploy of demo reattaches it\./, detail);
    assert.doesNotMatch(detail, / {2,}|--|ssm-parameter|security-group|subnet-|vpc-|i-0/, 'no padded columns, flags, internal kind names or ids in the summary');
    const buttons = (await dialog.locator('.dialog-buttons a.monaco-button, .dialog-buttons .monaco-button').allTextContents()).map((b) => b.trim()).filter(Boolean);
    assert.deepEqual([...buttons].sort(), ['Cancel', 'Destroy Everything', 'Destroy, Keep Data', 'Show Details'], `buttons: ${buttons.join(', ')}`);
    // VS Code orders buttons by platform; the default one (focused, taken by Enter) is the first item: Show Details.
    assert.equal((await page.evaluate('document.activeElement?.textContent ?? ""') as string).trim(), 'Show Details', 'the focused, default button');
    copyFileSync(await screenshot(page, 'destroy-dialog'), join(screenshotDir(), 'destroy-dialog.png'));

    // Enter takes the default button: the plan opens, nothing is destroyed.
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await page.locator('.tab', { hasText: 'Destroy demo.md' }).first().waitFor({ timeout: 30_000 });
    const plan = page.locator('.editor-instance .monaco-editor .view-lines').first();
    await plan.filter({ hasText: '# Destroy stack demo' }).waitFor({ timeout: 30_000 });
    const planText = (await plan.textContent()) ?? '';
    assert.match(planText.replace(/\u00a0/g, ' '), /## Deleted \(\d+\)/);
    assert.match(planText.replace(/\u00a0/g, ' '), /## Kept with Destroy, Keep Data/);
    const toast = await waitForNotification(page, 'The plan to destroy stack demo is open in the editor.');
    assert.equal(await stillDeployed(), 'deployed', 'Enter destroyed nothing');

    // Back to the choice; Destroy Everything wants the stack's name typed in.
    await toast.getByRole('button', { name: 'Destroy Stack…' }).click();
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Destroy Everything' }).click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await page.locator('.quick-input-widget .quick-input-title').textContent()) ?? '', /Delete stack demo and its data for good/);
    await input.fill('dem');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-message', { hasText: 'Type demo to delete the stack and its data.' }).waitFor({ timeout: 10_000 });
    assert.ok(await input.isVisible(), 'a wrong name is not accepted');
    assert.equal(await stillDeployed(), 'deployed');
    await input.fill('demo');
    await page.keyboard.press('Enter');
    await waitForNotification(page, /^Stack demo is destroyed\.$/, 180_000);
    await treeItem(page, 'demo').first().waitFor({ state: 'detached', timeout: 30_000 });
  });
});
