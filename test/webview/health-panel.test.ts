import assert from 'node:assert/strict';
import { join } from 'node:path';
import { healthPanelStateSchema, healthToHostSchema, type HealthSnapshot } from '../../src/protocol/health';
import { useHarness } from './harness';
import { sampleSnapshot, unknownSnapshot } from './fixtures';
import { assertCleanLoad, assertMarkupInert, assertProtocol, assertRejectsAll, hostileToAnyPanel, IMG, SCRIPT } from './hostile';
import { screenshotDir } from '../harness/screenshots';

const update = (snapshot: HealthSnapshot) => ({ type: 'health', snapshot });

describe('health panel bundle in headless Chromium (harness host)', function () {
  this.timeout(60_000);
  const harness = useHarness();

  it('renders a health update from the host: summary, per-service facts, history chart, last error; saves state; posts ready', async () => {
    const panel = await harness.open('health', { theme: 'dark' });
    const { page } = panel;
    await page.locator('main').waitFor();
    await panel.send(update(sampleSnapshot()));
    await page.locator('section.service').nth(4).waitFor();
    assert.equal(await page.locator('.summary').textContent(), '4 of 5 services healthy');
    const crawl = page.locator('section.service', { has: page.locator('h2', { hasText: 'Crawl4AI' }) });
    assert.equal(await crawl.locator('.status').textContent(), 'Unhealthy');
    assert.match((await crawl.locator('.last-error').textContent()) ?? '', /no answer in time \(limit 5 s\)/);
    assert.deepEqual(await crawl.locator('dd').allTextContents().then((dd) => [dd[0], dd[2], dd[3]]), ['5.0 s', '3', 'on the instance (SSM)']);
    assert.equal(await crawl.locator('svg.history rect.bar').count(), 24);
    assert.equal(await crawl.locator('svg.history rect.status-unhealthy').count(), 3);
    assert.match((await crawl.locator('svg.history').getAttribute('aria-label')) ?? '', /Last 24 checks: 21 healthy, 3 unhealthy/);
    // PostgreSQL is never opened in a browser: no Open button.
    const postgres = page.locator('section.service', { has: page.locator('h2', { hasText: 'PostgreSQL' }) });
    assert.deepEqual(await postgres.locator('vscode-button').allTextContents(), ['Show Logs', 'Restart']);
    await assertCleanLoad(panel, { toHost: healthToHostSchema, state: healthPanelStateSchema });
    await page.close();
  });

  it('buttons and the keyboard post requests with fresh ids; responses show the outcome; a restored state renders at once', async () => {
    const snapshot = sampleSnapshot();
    const panel = await harness.open('health', { theme: 'light', state: { version: 1, snapshot } });
    const { page } = panel;
    // Restored from getState before the host says anything.
    await page.locator('section.service').nth(4).waitFor();
    const n8n = page.locator('section.service', { has: page.locator('h2', { hasText: 'n8n' }) });
    await n8n.locator('vscode-button', { hasText: 'Show Logs' }).click();
    await n8n.locator('vscode-button', { hasText: 'Restart' }).focus();
    await page.keyboard.press('Enter');
    const posted = await panel.waitForPosted(3);
    assert.deepEqual(posted.slice(1), [{ type: 'showLogs', id: 1, service: 'n8n' }, { type: 'restart', id: 2, service: 'n8n' }]);
    await assertProtocol(panel, healthToHostSchema);
    // In flight: disabled, so a second press sends nothing.
    assert.equal(await n8n.locator('vscode-button', { hasText: 'Restart' }).evaluate((b) => b.hasAttribute('disabled')), true);
    await panel.send({ type: 'response', id: 2, error: 'The SSM agent is not online; try again in a minute.' });
    await page.locator('.notice.error', { hasText: 'SSM agent is not online' }).waitFor();
    // Focus came back to the same button after the re-render.
    assert.equal(await page.evaluate('document.activeElement?.dataset.key'), 'n8n:restart');
    await panel.send({ type: 'response', id: 1 });
    await page.locator('.notice', { hasText: 'Showing the logs of n8n' }).waitFor();
    await page.locator('vscode-button', { hasText: 'Refresh' }).focus();
    await page.keyboard.press(' ');
    assert.deepEqual((await panel.waitForPosted(4))[3], { type: 'refresh', id: 3 });
    await page.close();
  });

  it('rejects hostile and malformed messages from the host and renders nothing they carry as HTML', async () => {
    const panel = await harness.open('health', { theme: 'dark', state: { version: 1, snapshot: { target: '<img src=x onerror=alert(1)>' } } });
    const { page } = panel;
    await page.locator('main').waitFor();
    assert.match((await page.locator('main').textContent()) ?? '', /Waiting for the first health check/, 'an invalid saved state is ignored');
    const good = sampleSnapshot();
    await assertRejectsAll(panel, [
      ...hostileToAnyPanel('health', good),
      { type: 'health', snapshot: { ...good, services: [{ ...good.services[0], latencyMs: 'fast' }] } },
      { type: 'health', snapshot: { ...good, checking: 'yes' } },
      { type: 'health', snapshot: { ...good, services: [{ ...good.services[0], name: '<script>' }] } },
      { type: 'health', snapshot: { ...good, note: 'x'.repeat(300_000) } },
    ], { update: 'health', toHost: healthToHostSchema });
    assert.equal(await page.locator('section.service').count(), 0, 'nothing rejected was rendered');

    // Valid messages whose strings carry markup: shown as text, never parsed.
    const crafted = { ...good, note: IMG, error: SCRIPT, target: { ...good.target, name: `${IMG}demo` },
      services: good.services.map((s) => ({ ...s, displayName: `${SCRIPT}${s.displayName}`, lastError: IMG })) };
    await panel.send(update(crafted));
    await page.locator('section.service').nth(4).waitFor();
    assert.equal(await page.locator('h1').textContent(), `Health of ${IMG}demo`);
    assert.equal(await page.locator('.banner.error').textContent(), SCRIPT);
    assert.equal(await page.locator('.banner.note').textContent(), IMG);
    assert.equal(await page.locator('section.service .error-text').first().textContent(), IMG);
    await assertMarkupInert(panel);
    await page.close();
  });

  it('shows every service unknown with the reason, and looks right in high contrast', async () => {
    const panel = await harness.open('health', { theme: 'high-contrast' });
    await panel.send(update(unknownSnapshot()));
    await panel.page.locator('section.service').nth(4).waitFor();
    assert.equal(await panel.page.locator('.summary').textContent(), '0 of 5 services healthy');
    assert.equal(await panel.page.locator('.banner.note').textContent(), 'SSM agent not online yet');
    assert.deepEqual(new Set(await panel.page.locator('section.service .status').allTextContents()), new Set(['Unknown']));
    const border = await panel.page.evaluate("getComputedStyle(document.querySelector('section.service')).borderTopColor");
    assert.equal(border, 'rgb(111, 195, 223)', 'high contrast draws the contrast border');
    await panel.page.close();
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`saves a screenshot in the ${theme} theme (docs/images/health-panel-${theme}.png)`, async () => {
      const panel = await harness.open('health', { theme, viewport: { width: 1080, height: 720 } });
      await panel.send(update(sampleSnapshot()));
      await panel.page.locator('section.service').nth(4).waitFor();
      const dir = screenshotDir();
      await panel.page.screenshot({ path: join(dir, `health-panel-${theme}.png`), fullPage: true });
      await panel.page.close();
    });
  }
});
