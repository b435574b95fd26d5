import assert from 'node:assert/strict';
import { devConfig } from '../harness/engine';
import { panelFrame, runCommand, screenshot } from '../harness/vscode-e2e';
import { useVsCode } from '../harness/vscode-session';

describe('VS Code e2e: the cost panel (against moto, which has no Price List API: prices are the bundled ones, marked estimated)', function () {
  const session = useVsCode();

  it('opens from the palette and shows the deployed stack with its $/hour, month to date and estimated prices', async function () {
    this.timeout(300_000);
    const { vscode, stateDir } = await session.startDeployed(devConfig({ market: 'on-demand' }));
    const { page } = vscode;

    await runCommand(page, 'GeuseMaker: Show Cost');

    await page.locator('.tab', { hasText: 'GeuseMaker Cost' }).first().waitFor({ timeout: 30_000 });
    const panel = panelFrame(page);
    // Other tests' stacks named demo may be in the machine index too: this one is found by its state folder.
    const stack = panel.locator(`section.stack[data-stack="${stateDir}::demo"]`);
    await stack.locator('table.breakdown').waitFor({ timeout: 60_000 });
    assert.match((await panel.locator('section.total h2').textContent()) ?? '', /^All stacks \(\d+\)$/);
    assert.equal(await stack.locator('h2').textContent(), 'demo');
    assert.match((await stack.locator('.meta').textContent()) ?? '', /^deployed · dev · t3\.xlarge on-demand · us-east-1$/);
    const [now, monthToDate] = await stack.locator('.fact .amount').allTextContents();
    assert.match(now ?? '', /^\$0\.\d{3}\/h$/, 'a $/hour value');
    assert.match(monthToDate ?? '', /^\$\d+\.\d{2,3}$/, 'a month-to-date value');
    assert.equal(await stack.locator('.fact .source').first().textContent(), 'estimated', 'the hourly price is marked estimated');
    assert.equal(await stack.locator('table.breakdown tr.line-compute .source').textContent(), 'estimated');
    assert.equal(await stack.locator('vscode-button', { hasText: 'Pause stack' }).evaluate((b) => b.hasAttribute('disabled')), false, 'a running stack can be paused');
    // Minutes old: the month so far is under a cent, which the chart says instead of a flat line under a made-up scale.
    const chart = stack.locator('figure.cost-chart');
    if ((await chart.locator('circle.point').count()) < 2) assert.equal(await chart.locator('.empty-label').textContent(), 'Under a cent so far this month: nothing to chart yet.');
    assert.equal(await chart.locator('.y-axis .axis-label', { hasText: /\$0\.0[1-9]\d/ }).count(), 0, 'no three-decimal axis such as $0.011');
    await screenshot(page, 'cost-panel-code-server');
    assert.doesNotMatch(vscode.logs(), /Refused to (load|execute|apply)|Content Security Policy/i, 'no CSP violations in the browser console');
  });
});
