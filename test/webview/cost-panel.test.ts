import assert from 'node:assert/strict';
import { join } from 'node:path';
import { costPanelStateSchema, costToHostSchema, type CostSnapshot } from '../../src/protocol/cost';
import { toCostSnapshot } from '../../src/vscode/panels/cost-snapshot';
import { screenshotDir } from '../harness/screenshots';
import { demoCost, gpuCost, NOW, sampleCostSnapshot, STATE_DIR, unknownPriceCost } from './cost-fixtures';
import { useHarness, type PanelPage } from './harness';
import { assertCleanLoad, assertMarkupInert, assertProtocol, assertRejectsAll, hostileToAnyPanel, IMG, SCRIPT } from './hostile';

const update = (snapshot: CostSnapshot) => ({ type: 'cost', snapshot });

const stackSection = (panel: PanelPage, name: string) => panel.page.locator('section.stack', { has: panel.page.locator('h2', { hasText: new RegExp(`^${name}$`) }) });

describe('cost panel bundle in headless Chromium (harness host)', function () {
  this.timeout(60_000);
  const harness = useHarness();

  it('renders a snapshot from the host: total and per-stack numbers, breakdown with sources and assumptions, savings, budget bar, chart; saves state; posts ready', async () => {
    const panel = await harness.open('cost', { theme: 'dark' });
    const { page } = panel;
    await page.locator('main').waitFor();
    const snapshot = await sampleCostSnapshot();
    await panel.send(update(snapshot));
    await page.locator('section.stack').nth(1).waitFor();

    // Total row: demo runs at $51.80/month over 730 h (backups included); gpu-lab is paused and bills its EFS (20 GB assumed × $0.3) = $6/month.
    const total = page.locator('section.total');
    assert.equal(await total.locator('h2').textContent(), 'All stacks (2)');
    const totalFacts = await total.locator('.fact .amount').allTextContents();
    assert.deepEqual(totalFacts, [`$${((51.8 + 6) / 730).toFixed(3)}/h`, `$${(snapshot.stacks[0]!.monthToDateUsd! + snapshot.stacks[1]!.monthToDateUsd!).toFixed(2)}`, '$57.80', '$84.97/month']);
    assert.equal(await total.locator('figure.cost-chart circle.point').count(), 24, 'Nov 1 … Nov 23 midnights and now');

    const demo = stackSection(panel, 'demo');
    assert.equal(await demo.locator('.meta').textContent(), 'deployed · dev · t3.xlarge spot · us-east-1');
    const facts = await demo.locator('.fact').allInnerTexts();
    assert.deepEqual(facts.map((f) => f.replace(/\s+/g, ' ').trim()), [
      `Now $${(51.8 / 730).toFixed(3)}/h live`,
      `Month to date $${snapshot.stacks[0]!.monthToDateUsd!.toFixed(2)}`,
      'Monthly estimate $51.80',
      'Spot savings $84.97/month (70% less than $121.47 on demand)',
    ]);
    // All eight items, each with its price source and its basis; the dev tier's ALB and CloudFront shown as not used.
    const rows = demo.locator('table.breakdown tbody tr');
    assert.deepEqual(await rows.locator('th').allTextContents(), ['Compute', 'EBS root volume', 'EFS storage', 'Public IPv4', 'Load balancer (ALB)', 'CloudFront', 'Data transfer out', 'AWS Backup storage']);
    assert.deepEqual(await rows.locator('.source').allTextContents(), ['live', 'estimated', 'estimated', 'estimated', 'not used', 'not used', 'estimated', 'estimated']);
    assert.equal(await rows.nth(0).locator('.money').textContent(), '$36.50');
    assert.match((await rows.nth(2).locator('.basis').textContent()) ?? '', /20 GB on EFS Standard \(assumed\)/);
    assert.match((await rows.nth(6).locator('.basis').textContent()) ?? '', /10 GB out to the internet \(assumed\); the first 100 GB each month are free/);
    assert.equal(await rows.nth(4).locator('.money').textContent(), '—');
    assert.equal(await rows.nth(7).locator('.money').textContent(), '$1.65');
    assert.equal(await demo.locator('table.breakdown tfoot .money').textContent(), '$51.80');
    // Budget: $55, projected past 80% but under 100%: the alert state, the threshold marked at 80% of the bar's budget.
    const budget = demo.locator('.budget');
    assert.match((await budget.locator('.budget-words').textContent()) ?? '', /^Projected \$45\.90 of \$55\.00 this month \(83%, past the 80% alert\); \$33\.34 so far\. Alert at 80%\.$/);
    assert.equal(await budget.locator('svg.budget-bar.budget-alert').count(), 1);
    const [threshold, limit] = await Promise.all([budget.locator('line.threshold').getAttribute('x1'), budget.locator('line.limit').getAttribute('x1')]);
    assert.equal(Number(threshold), 320, '80% of a 400-wide budget');
    assert.equal(Number(limit), 399);
    // Chart: a point per day, the last at month to date, the budget as a dashed line.
    const chart = demo.locator('figure.cost-chart');
    assert.equal(await chart.locator('circle.point').count(), 24);
    assert.equal(await chart.locator('circle.point').last().locator('title').textContent(), `Nov 23: $${snapshot.stacks[0]!.monthToDateUsd!.toFixed(2)} so far`);
    assert.equal(await chart.locator('line.budget-line').count(), 1);
    assert.match((await chart.getAttribute('aria-label')) ?? '', /cumulative by day: \$33\.34 by Nov 23 \(24 points\)/);

    const gpu = stackSection(panel, 'gpu-lab');
    assert.deepEqual(await gpu.locator('table.breakdown tbody .source').allTextContents(), ['cached 5 min ago', 'estimated', 'estimated', 'estimated', 'estimated', 'estimated', 'estimated', 'estimated']);
    assert.equal(await gpu.locator('table.breakdown caption').textContent(), 'Monthly estimate while running, broken down');
    assert.equal(await gpu.locator('.budget').count(), 0, 'no budget set: no bar');
    assert.equal(await gpu.locator('vscode-button', { hasText: 'Pause stack' }).evaluate((b) => b.hasAttribute('disabled')), true, 'a paused stack cannot be paused');
    assert.equal(await demo.locator('vscode-button', { hasText: 'Pause stack' }).evaluate((b) => b.hasAttribute('disabled')), false);

    await assertCleanLoad(panel, { toHost: costToHostSchema, state: costPanelStateSchema });
    await page.close();
  });

  it('buttons and the keyboard post requests with fresh ids; responses show the outcome; a restored state renders at once and scrolls to the focused stack', async () => {
    const snapshot = await sampleCostSnapshot({ focus: 'gpu-lab' });
    const panel = await harness.open('cost', { theme: 'light', state: { version: 1, snapshot }, viewport: { width: 1000, height: 500 } });
    const { page } = panel;
    // Restored from getState before the host says anything.
    await page.locator('section.stack').nth(1).waitFor();
    assert.equal(await page.evaluate('document.activeElement?.dataset.stack'), `${STATE_DIR}::gpu-lab`, 'the focused stack has keyboard focus');
    assert.equal(await stackSection(panel, 'gpu-lab').evaluate((s) => s.classList.contains('focused')), true);

    const demoPause = stackSection(panel, 'demo').locator('vscode-button', { hasText: 'Pause stack' });
    await demoPause.focus();
    await page.keyboard.press('Enter');
    let posted = await panel.waitForPosted(2);
    assert.deepEqual(posted[1], { type: 'pause', id: 1, stack: { name: 'demo', stateDir: STATE_DIR } });
    // In flight: disabled, so a second press sends nothing.
    assert.equal(await demoPause.evaluate((b) => b.hasAttribute('disabled')), true);
    await page.keyboard.press('Enter');
    await panel.send({ type: 'response', id: 1, cancelled: true });
    await page.locator('.notice').waitFor();
    assert.equal(await page.locator('.notice').textContent(), '', 'a cancelled confirmation is not an error');
    assert.equal(await page.evaluate('document.activeElement?.dataset.key'), `pause:${STATE_DIR}::demo`, 'focus stayed on the button across re-renders');

    await page.keyboard.press(' ');
    posted = await panel.waitForPosted(3);
    assert.deepEqual(posted[2], { type: 'pause', id: 2, stack: { name: 'demo', stateDir: STATE_DIR } });
    await panel.send({ type: 'response', id: 2, error: 'Stack demo is locked by another operation (deploy). Wait for it to finish, then try again.' });
    await page.locator('.notice.error', { hasText: 'locked by another operation' }).waitFor();

    await page.locator('vscode-button', { hasText: 'Refresh' }).click();
    posted = await panel.waitForPosted(4);
    assert.deepEqual(posted[3], { type: 'refresh', id: 3 });
    assert.equal(posted.length, 4, 'nothing else was sent (the disabled button ignored its second Enter)');
    await panel.send({ type: 'response', id: 3 });
    await page.locator('.notice', { hasText: 'Costs worked out again.' }).waitFor();
    await assertProtocol(panel, costToHostSchema);
    await page.close();
  });

  it('rejects hostile and malformed messages from the host and renders nothing they carry as HTML', async () => {
    const panel = await harness.open('cost', { theme: 'dark', state: { version: 1, snapshot: { stacks: '<img src=x onerror=alert(1)>' } } });
    const { page } = panel;
    await page.locator('main').waitFor();
    assert.match((await page.locator('main').textContent()) ?? '', /Working out what your stacks cost/, 'an invalid saved state is ignored');
    const good = await sampleCostSnapshot();
    const first = good.stacks[0]!;
    await assertRejectsAll(panel, [
      ...hostileToAnyPanel('cost', good),
      { type: 'cost', snapshot: { ...good, stacks: [{ ...first, hourlyUsd: 'cheap' }] } },
      { type: 'cost', snapshot: { ...good, stacks: [{ ...first, hourlyUsd: -1 }] } },
      { type: 'cost', snapshot: { ...good, refreshing: 'yes' } },
      { type: 'cost', snapshot: { ...good, stacks: [{ ...first, estimate: { ...first.estimate, lines: [{ ...first.estimate!.lines[0], item: '<script>' }] } }] } },
      { type: 'cost', snapshot: { ...good, stacks: [{ ...first, hourlySource: { kind: 'trusted', label: 'live' } }] } },
      { type: 'cost', snapshot: { ...good, error: 'x'.repeat(300_000) } },
    ], { update: 'cost', toHost: costToHostSchema });
    assert.equal(await page.locator('section.stack').count(), 0, 'nothing rejected was rendered');

    // Valid messages whose strings carry markup: shown as text, never parsed.
    const crafted: CostSnapshot = { ...good, error: SCRIPT, stacks: good.stacks.map((s) => ({
      ...s, target: { ...s.target, name: `${IMG}${s.target.name}` }, error: IMG, hourlyBasis: SCRIPT,
      estimate: s.estimate && { ...s.estimate, lines: s.estimate.lines.map((l) => ({ ...l, basis: IMG, label: SCRIPT, source: { ...l.source, label: IMG.slice(0, 60) } })) },
    })) };
    await panel.send(update(crafted));
    await page.locator('section.stack').nth(1).waitFor();
    assert.equal(await page.locator('section.stack h2').first().textContent(), `${IMG}demo`);
    assert.equal(await page.locator('main > .banner.error').textContent(), SCRIPT);
    assert.equal(await page.locator('section.stack .banner.error').first().textContent(), IMG);
    assert.equal(await page.locator('table.breakdown tbody th').first().textContent(), SCRIPT);
    assert.equal(await page.locator('table.breakdown .basis').first().textContent(), IMG);
    await assertMarkupInert(panel);
    await page.close();
  });

  it('shows a stack\'s classified error with its next step, over budget in red, and no stacks as a hint to deploy', async () => {
    const panel = await harness.open('cost', { theme: 'high-contrast' });
    const { page } = panel;
    await panel.send(update(toCostSnapshot([], { checkedAt: NOW.toISOString() })));
    await page.locator('.banner.note', { hasText: 'No stacks yet' }).waitFor();
    const failing = await gpuCost([Object.assign(new Error('User is not authorized to perform: ec2:DescribeSpotPriceHistory'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } })]);
    await panel.send(update(toCostSnapshot([await demoCost(40), failing], { checkedAt: NOW.toISOString() })));
    await page.locator('section.stack').nth(1).waitFor();
    const error = (await stackSection(panel, 'gpu-lab').locator('.banner.error').textContent()) ?? '';
    assert.match(error, /not authorized|permission|denied/i, error);
    assert.ok(error.split('. ').length >= 2, `the message comes with a next step: ${error}`);
    assert.match((await stackSection(panel, 'demo').locator('.budget-words').textContent()) ?? '', /over budget/);
    assert.equal(await stackSection(panel, 'demo').locator('svg.budget-bar.budget-over').count(), 1);
    const border = await page.evaluate("getComputedStyle(document.querySelector('section.stack')).borderTopColor");
    assert.equal(border, 'rgb(111, 195, 223)', 'high contrast draws the contrast border');
    assert.deepEqual(panel.console, []);
    await page.close();
  });

  it('says unknown for a price it cannot believe, draws no made-up scale over a month that cost nothing, and fits the chart to the panel', async () => {
    const panel = await harness.open('cost', { theme: 'light', viewport: { width: 1200, height: 900 } });
    const { page } = panel;
    await panel.send(update(toCostSnapshot([await demoCost(), unknownPriceCost()], { checkedAt: NOW.toISOString() })));
    await page.locator('section.stack').nth(1).waitFor();

    const odd = stackSection(panel, 'odd');
    const facts = (await odd.locator('.fact').allInnerTexts()).map((f) => f.replace(/\s+/g, ' ').trim());
    assert.equal(facts[0], 'Now unknown', 'no believable price: unknown, not $0.000/h');
    assert.equal(facts.find((f) => f.startsWith('Spot savings')), 'Spot savings unknown: no believable spot price, so the estimate uses on-demand');
    assert.ok(!facts.some((f) => /100%|\$0\.000/.test(f)), facts.join(' | '));
    assert.equal(await odd.locator('figure.cost-chart.empty .empty-label').textContent(), 'Under a cent so far this month: nothing to chart yet.');
    assert.equal(await odd.locator('figure.cost-chart circle.point').count(), 0, 'no flat line under a scale');
    assert.match((await page.locator('section.total .fact .amount').first().textContent()) ?? '', /^\$0\.\d{3}\/h \+ 1 unknown$/);

    // demo: $33.34 so far under a $55 budget: the axis tops out at a round $60, halfway $30.
    const demo = stackSection(panel, 'demo');
    assert.deepEqual(await demo.locator('figure.cost-chart .y-axis .axis-label').allTextContents(), ['$60', '$30', '$0']);
    const wide = await demo.locator('figure.cost-chart svg.plot').boundingBox();
    const card = await demo.boundingBox();
    assert.ok(wide && card && wide.width > card.width * 0.8, `the plot spans the card (${wide?.width} of ${card?.width} px)`);
    const labelSize = () => demo.locator('figure.cost-chart .value-label').evaluate((t) => (globalThis as unknown as { getComputedStyle(node: unknown): { fontSize: string } }).getComputedStyle(t).fontSize);
    assert.equal(await labelSize(), '11px');
    await page.setViewportSize({ width: 700, height: 900 });
    const narrow = await demo.locator('figure.cost-chart svg.plot').boundingBox();
    assert.ok(narrow && narrow.width < wide.width - 300, `narrower with the panel (${narrow?.width} px)`);
    assert.equal(await labelSize(), '11px', 'text keeps its size at any width');
    await page.close();
  });

  for (const [theme, name] of [['dark', 'dark'], ['light', 'light'], ['high-contrast', 'hc']] as const) {
    it(`saves a screenshot in the ${theme} theme (docs/images/cost-panel-${name}.png)`, async () => {
      const panel = await harness.open('cost', { theme, viewport: { width: 1080, height: 900 } });
      await panel.send(update(await sampleCostSnapshot()));
      await panel.page.locator('section.stack').nth(1).waitFor();
      await panel.page.screenshot({ path: join(screenshotDir(), `cost-panel-${name}.png`), fullPage: true });
      await panel.page.close();
    });
  }
});
