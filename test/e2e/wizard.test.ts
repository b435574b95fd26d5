import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../harness/engine';
import { testEmulator } from '../harness/root-hooks';
import { screenshotDir } from '../harness/screenshots';
import { openView, panelFrame, runCommand, screenshot, treeItem } from '../harness/vscode-e2e';
import { useVsCode } from '../harness/vscode-session';

describe('VS Code e2e: the deploy wizard (against moto)', function () {
  const session = useVsCode();

  it('opens from the palette, starts from geusemaker.yaml, judges nothing before input, stops on the account step until AWS knows the credentials, shows one estimate, deploys, and the finished page leads on', async function () {
    this.timeout(480_000);
    const stateDir = tempDir('gm-e2e-state-');
    // Nothing listens on port 9: the account step must say so, with the button that fixes it.
    const vscode = await session.start(stateDir, { 'geusemaker.endpoint': 'http://127.0.0.1:9' });
    const { page } = vscode;
    // A config file in the workspace: the wizard offers to start from it and deploys its other settings too.
    writeFileSync(join(vscode.folder, 'geusemaker.yaml'), 'name: from-yaml\nrootVolumeGb: 60\n');
    await openView(page, 'GeuseMaker');

    await runCommand(page, 'GeuseMaker: Deploy Stack');
    await page.locator('.tab', { hasText: 'Deploy a Stack' }).first().waitFor({ timeout: 30_000 });
    const panel = panelFrame(page);
    const next = panel.locator('[data-key="next"]');
    const step = (n: number) => panel.locator('.step-title', { hasText: `Step ${n} of 6` }).waitFor({ timeout: 60_000 });

    await step(1);
    await panel.locator('[data-key="loadFile"]').click();
    await panel.locator('.file-notes li', { hasText: 'rootVolumeGb: 60 (kept from the file)' }).waitFor({ timeout: 30_000 });
    const name = panel.locator('vscode-textfield[data-key="name"] input');
    assert.equal(await name.inputValue(), 'from-yaml');
    // The cost engine prices the draft with the file's 60 GiB root disk: t3.xlarge 121.47 + gp3 4.80 + EFS 6 + IPv4 3.65 + backups 1.65 = $138.
    await panel.locator('[data-key="tier:dev"]', { hasText: 'dev — about $138/month (estimated)' }).waitFor({ timeout: 90_000 });
    await panel.locator('.stack-estimate', { hasText: 'This stack: about $138/month (estimated)' }).waitFor();
    await name.fill('Wizard');
    await name.press('Tab');
    await panel.locator('[data-error-for="name"] span', { hasText: /^The stack name may contain only lowercase/ }).waitFor({ timeout: 30_000 });
    await name.fill('wizard');
    await panel.locator('[data-error-for="name"]:empty').waitFor({ state: 'attached' });
    await next.click();

    // The account step asks AWS who the credentials are: unreachable, said in words with its fix; Next waits.
    await step(2);
    const problem = panel.locator('.identity-problem');
    await problem.waitFor({ timeout: 90_000 });
    assert.match((await problem.textContent()) ?? '', /127\.0\.0\.1:9/);
    assert.doesNotMatch((await problem.textContent()) ?? '', /AWS_UNREACHABLE|`|--/, 'no codes or flags in the editor');
    assert.equal(await next.evaluate((b) => b.hasAttribute('disabled')), true, 'Next is disabled until the identity is verified');
    await panel.locator('[data-key="fix:Open Endpoint Setting"]').click();
    // The settings editor opens on that one setting (as a modal over the editor in this VS Code).
    const settingsEditor = page.locator('.settings-editor');
    await settingsEditor.first().waitFor({ timeout: 30_000 });
    await page.locator('.settings-editor', { hasText: '1 Setting Found' }).first().waitFor({ timeout: 30_000 });
    assert.match((await settingsEditor.first().textContent()) ?? '', /Endpoint/);
    // The user corrects the endpoint there: the wizard checks the account again by itself.
    const endpointInput = page.locator('.settings-editor .setting-item-contents input').first();
    await endpointInput.fill(testEmulator().endpoint);
    await endpointInput.press('Enter');
    // The settings editor saves after a pause; the wizard hears of it from the settings change.
    for (let i = 0; i < 100 && !readFileSync(join(vscode.userDataDir, 'User', 'settings.json'), 'utf8').includes(testEmulator().endpoint); i++) await new Promise((resolve) => setTimeout(resolve, 200));
    // The settings editor is a modal over the editor here: Escape closes it (the first may only leave the field).
    const modal = page.locator('.monaco-modal-editor-block');
    for (let i = 0; i < 3 && (await modal.isVisible()); i++) {
      await page.locator('.settings-editor').first().click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('Escape');
      await modal.waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => undefined);
    }
    if (await modal.isVisible()) await runCommand(page, 'View: Close Editor');
    await modal.waitFor({ state: 'hidden', timeout: 30_000 });
    await page.locator('.tab', { hasText: 'Deploy a Stack' }).first().click();
    await panel.locator('.identity.verified', { hasText: 'Account 123456789012 · arn:aws:sts::123456789012:user/moto' }).waitFor({ timeout: 90_000 });
    copyFileSync(await screenshot(page, 'wizard-account'), join(screenshotDir(), 'wizard-account.png'));

    // moto answers discovery: its default VPC is listed; nothing is judged before a pick, Next asks for one.
    await panel.locator('[data-key="network-mode:existing"]').click();
    await panel.locator('[data-key^="vpc:vpc-"]').first().waitFor({ timeout: 60_000 });
    assert.doesNotMatch((await panel.locator('.step').textContent()) ?? '', /subnetIds|vpcId|must look like|Choose a VPC/);
    await next.click();
    await panel.locator('[data-error-for="network.vpcId"] span', { hasText: 'Choose a VPC.' }).waitFor({ timeout: 30_000 });
    await panel.locator('[data-key="network-mode:new"]').click();
    await panel.locator('[data-key="next"]:not([disabled])').click();

    await step(3);
    await panel.locator('[data-key="instanceType:t3.xlarge"]').waitFor({ timeout: 60_000 });
    // moto has no Price List API: on-demand prices come from the bundled table and say so. moto's spot history answers
    // $0.00001/h, which no real market does: it is unknown, not a 100% saving.
    const facts = (await panel.locator('[data-key="instanceType:t3.xlarge"]').textContent()) ?? '';
    assert.match(facts, /on-demand \$0\.166\/h \(estimated\) · spot price unknown/);
    assert.doesNotMatch(facts, /spot saves/);
    await panel.locator('[data-key="instanceType:t3.xlarge"]').click();
    await panel.locator('[data-key="market:on-demand"]').click();
    await next.click();
    await step(4);
    await next.click();
    await step(5);
    await next.click();

    await step(6);
    await panel.locator('table.plan tbody tr').first().waitFor({ timeout: 120_000 });
    assert.match((await panel.locator('.summary-line').first().textContent()) ?? '', /Stack wizard: dev tier in us-east-1/);
    // One estimate: the review totals what step 1 and every step said.
    assert.match((await panel.locator('table.estimate tfoot').textContent()) ?? '', /Total \(estimated\)\$138\/month/);
    await screenshot(page, 'wizard-review-code-server');
    await panel.locator('[data-key="deploy"]').click();

    await panel.locator('table.progress tbody tr').first().waitFor({ timeout: 60_000 });
    await panel.locator('h1', { hasText: 'Stack wizard is deployed' }).waitFor({ timeout: 300_000 });
    assert.ok(await panel.locator('.service-list [data-key="open:n8n"]').count() === 1, 'n8n can be opened');
    // The instance is up: the progress view follows its bootstrap log over SSM (moto's agent never answers).
    await panel.locator('.bootstrap .bootstrap-state').waitFor({ timeout: 60_000 });
    const deployed = JSON.parse(readFileSync(join(stateDir, 'wizard.json'), 'utf8')) as { config: { rootVolumeGb: number; instanceType: string } };
    assert.equal(deployed.config.rootVolumeGb, 60, 'the file\'s setting without a step was deployed as written');
    await screenshot(page, 'wizard-deployed-code-server');

    // The finished page is a record, and leads on: Show in Stacks, Deploy Another, Close.
    assert.match((await panel.locator('.record').textContent()) ?? '', /^This is a record of the deploy at .+\. The Stacks view shows the stack as it is now\.$/);
    assert.deepEqual(await panel.locator('.actions vscode-button').allTextContents(), ['Show in Stacks', 'Deploy Another', 'Close']);
    await panel.locator('[data-key="showInStacks"]').click();
    await treeItem(page, 'wizard').first().waitFor({ timeout: 60_000 });

    // Deploy Stack again (the view's own button): a fresh wizard beside the record, not the finished page re-focused.
    await page.locator('.part.sidebar .composite.title [aria-label^="Deploy"]').first().click();
    await page.locator('.tab', { hasText: 'Deploy a Stack' }).nth(1).waitFor({ timeout: 30_000 });
    await panelFrame(page).locator('.step-title', { hasText: 'Step 1 of 6' }).waitFor({ timeout: 60_000 });
    assert.equal(await panelFrame(page).locator('vscode-textfield[data-key="name"] input').inputValue(), '');
    await panelFrame(page).locator('[data-key="tier:dev"]', { hasText: /about \$\d+\/month/ }).waitFor({ timeout: 60_000 });
    assert.equal(await panelFrame(page).locator('[data-error-for="name"]').textContent(), '', 'nothing judged before input');
    // The record closes with its own button.
    await page.locator('.tab', { hasText: 'Deploy a Stack' }).first().click();
    await panelFrame(page).locator('[data-key="close"]').click();
    await page.locator('.tab', { hasText: 'Deploy a Stack' }).nth(1).waitFor({ state: 'detached', timeout: 30_000 });
    assert.doesNotMatch(vscode.logs(), /Refused to (load|execute|apply)|Content Security Policy/i, 'no CSP violations in the browser console');
  });
});
