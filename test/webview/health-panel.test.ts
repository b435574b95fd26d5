import assert from 'node:assert/strict';
import { join } from 'node:path';
import { healthPanelStateSchema, healthToHostSchema, type HealthSnapshot } from '../../src/protocol/health';
import { useHarness } from './harness';
import { sampleSnapshot, TARGET, unknownSnapshot } from './fixtures';
import { classifyAwsError } from '../../src/engine/aws/classify';
import type { StackHealth } from '../../src/engine/operate';
import { setEndpointForErrors } from '../../src/vscode/error-words';
import { foldHistory, toSnapshot } from '../../src/vscode/panels/health-snapshot';

/** A round against moto: DescribeInstanceInformation answers its HTML 500 page, as the engine reports it. */
function emulatorSnapshot(): HealthSnapshot {
  const html = Object.assign(new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode: 500 }, $operation: 'ssm:DescribeInstanceInformation' });
  const gap = classifyAwsError(html);
  const at = '2025-06-01T12:00:00.000Z';
  const health: StackHealth = {
    agent: { instanceId: 'i-0123456789abcdef0', pingStatus: 'NotRegistered' },
    services: (['n8n', 'ollama', 'qdrant', 'crawl4ai', 'postgres'] as const).map((service) => ({
      service, status: 'unknown', lastError: `The health check could not run: ${gap.message}`, checkedAt: at, via: 'instance', unknownBecause: gap, consecutiveFailures: 0, severity: 'ok',
    })),
  };
  return toSnapshot(TARGET, 'us-east-1', health, foldHistory(new Map(), health), 30);
}
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
    assert.equal(await panel.page.locator('.summary').textContent(), 'Health unknown for all 5 services', 'not "0 of 5 healthy": nobody could look');
    assert.equal(await panel.page.locator('.banner.note').textContent(), 'The instance\'s SSM agent is not online yet, so service health is unknown. A new instance needs a few minutes.');
    assert.deepEqual(new Set(await panel.page.locator('section.service .status').allTextContents()), new Set(['Unknown']));
    assert.equal(await panel.page.locator('section.service .last-error').count(), 0, 'the reason is said once, not on every card');
    // The agent is offline: Restart and Open cannot work, Show Logs still can say why.
    const n8n = panel.page.locator('section.service', { has: panel.page.locator('h2', { hasText: 'n8n' }) });
    const disabled = (label: string) => n8n.locator('vscode-button', { hasText: label }).evaluate((b) => b.hasAttribute('disabled'));
    assert.deepEqual([await disabled('Show Logs'), await disabled('Restart'), await disabled('Open')], [false, true, true]);
    assert.match((await n8n.locator('vscode-button', { hasText: 'Restart' }).getAttribute('title')) ?? '', /SSM agent, which is not online yet/);
    const border = await panel.page.evaluate("getComputedStyle(document.querySelector('section.service')).borderTopColor");
    assert.equal(border, 'rgb(111, 195, 223)', 'high contrast draws the contrast border');
    await panel.page.close();
  });

  it('against an emulator without Run Command: every service unknown with that one sentence, no error box, no auto-refresh claim', async () => {
    setEndpointForErrors(() => ({ url: 'http://127.0.0.1:4566', source: 'setting' }));
    try {
      const panel = await harness.open('health', { theme: 'dark' });
      await panel.send(update(emulatorSnapshot()));
      await panel.page.locator('section.service').nth(4).waitFor();
      assert.equal(await panel.page.locator('.summary').textContent(), 'Health unknown for all 5 services');
      assert.equal(await panel.page.locator('.banner.note').textContent(), 'The emulator at http://127.0.0.1:4566 does not run commands on instances (SSM Run Command), so service health is unknown.');
      assert.equal(await panel.page.locator('.banner.error').count(), 0, 'not an error');
      assert.doesNotMatch((await panel.page.locator('main').textContent()) ?? '', /Deserialization|doctype|Unexpected token|ssm:|AWS_/);
      assert.match((await panel.page.locator('.meta').textContent()) ?? '', /Refresh to check again/, 'says it does not poll by itself');
      const restart = panel.page.locator('section.service vscode-button', { hasText: 'Restart' }).first();
      assert.equal(await restart.evaluate((b) => b.hasAttribute('disabled')), true);
      await panel.page.close();
    } finally {
      setEndpointForErrors(() => undefined);
    }
  });

  it('a failed round says what happened with its fix buttons; a refresh leaves no stray notice', async () => {
    const panel = await harness.open('health', { theme: 'light' });
    const { page } = panel;
    await panel.send(update({ ...sampleSnapshot(), error: 'The emulator at http://127.0.0.1:4566 did not answer. Start the emulator (or proxy), or clear the endpoint setting to use AWS, then try again.', errorFixes: ['openEndpointSetting'] }));
    await page.locator('.banner.error').waitFor();
    assert.deepEqual(await page.locator('.error-actions vscode-button').allTextContents(), ['Open Endpoint Setting', 'Show Log']);
    await page.locator('.error-actions vscode-button', { hasText: 'Open Endpoint Setting' }).click();
    await page.locator('.error-actions vscode-button', { hasText: 'Show Log' }).click();
    const posted = await panel.waitForPosted(3);
    assert.deepEqual(posted.slice(1), [{ type: 'fix', id: 1, fix: 'openEndpointSetting' }, { type: 'fix', id: 2, fix: 'showLog' }]);
    await assertProtocol(panel, healthToHostSchema);
    await page.locator('vscode-button', { hasText: 'Refresh' }).click();
    await panel.waitForPosted(4);
    await panel.send({ type: 'response', id: 3 });
    await panel.send({ type: 'response', id: 1 });
    await panel.send({ type: 'response', id: 2 });
    await page.locator('vscode-button[data-key="refresh"]:not([disabled])').waitFor();
    assert.equal(((await page.locator('.notice').textContent()) ?? '').trim(), '', 'no "Checked again."');
    await page.close();
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
