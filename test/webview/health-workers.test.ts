import assert from 'node:assert/strict';
import { classifyAwsError } from '../../src/engine/aws/classify';
import { poolHealth, type PoolCounts } from '../../src/engine/health/pools';
import type { StackHealth } from '../../src/engine/operate';
import { healthPanelStateSchema, healthSnapshotSchema, healthToHostSchema, type HealthSnapshot } from '../../src/protocol/health';
import { foldHistory, toSnapshot } from '../../src/vscode/panels/health-snapshot';
import { useHarness } from './harness';
import { sampleSnapshot, TARGET } from './fixtures';
import { assertCleanLoad, assertMarkupInert, assertRejectsAll, hostileToAnyPanel, IMG, SCRIPT } from './hostile';

/** A pool's counts as readPools gives them from DescribeAutoScalingGroups. */
const counts = (pool: PoolCounts['pool'], desired: number, inService: number, unhealthy: number, extra: Partial<PoolCounts> = {}): PoolCounts => ({
  pool, groupName: `gm-demo-${pool}-workers`, missing: false, ours: true, desired, inService, pending: 0, unhealthy, ...extra,
});

/** One round of a scaled stack, through the code the panel uses (engine health → toSnapshot). */
function roundWith(extra: Pick<StackHealth, 'pools' | 'poolsUnknownBecause'>): HealthSnapshot {
  const health: StackHealth = {
    agent: { instanceId: 'i-0123456789abcdef0', pingStatus: 'Online' },
    services: [{ service: 'n8n', status: 'healthy', latencyMs: 40, checkedAt: '2025-06-01T12:00:00.000Z', via: 'instance', consecutiveFailures: 0, severity: 'ok' }],
    ...extra,
  };
  return toSnapshot(TARGET, 'us-east-1', health, foldHistory(new Map(), health), 30);
}

const update = (snapshot: HealthSnapshot) => ({ type: 'health', snapshot });

describe('health panel: a scaled stack\'s Workers (host snapshot, and the bundle in headless Chromium)', function () {
  this.timeout(60_000);
  const harness = useHarness();

  it('toSnapshot: the pools\' rows as the engine read them; the reason when Auto Scaling could not be read; nothing for a stack without pools', () => {
    const scaled = roundWith({ pools: [poolHealth(counts('n8n', 2, 2, 0)), poolHealth(counts('ollama', 2, 1, 1))] });
    assert.deepEqual(scaled.pools, [
      { pool: 'n8n', group: 'gm-demo-n8n-workers', desired: 2, inService: 2, unhealthy: 0, condition: 'ok', severity: 'ok', summary: '2 of 2 in service' },
      { pool: 'ollama', group: 'gm-demo-ollama-workers', desired: 2, inService: 1, unhealthy: 1, condition: 'degraded', severity: 'warning', summary: '1 of 2 in service, 1 unhealthy (Auto Scaling replaces it)' },
    ]);
    assert.equal(healthSnapshotSchema.safeParse(scaled).success, true, 'what the host sends passes the message schema');

    const denied = classifyAwsError(Object.assign(new Error('User is not authorized to perform: autoscaling:DescribeAutoScalingGroups'), {
      name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, $operation: 'autoscaling:DescribeAutoScalingGroups',
    }));
    const unread = roundWith({ pools: [], poolsUnknownBecause: denied });
    assert.deepEqual(unread.pools, []);
    assert.match(unread.poolsNote ?? '', /^The worker pools were not read from EC2 Auto Scaling: /);
    assert.equal(unread.note, undefined, 'the services\' note is theirs alone');

    const plain = roundWith({});
    assert.equal('pools' in plain, false);
    assert.equal('poolsNote' in plain, false);
    // A snapshot saved before pools existed still restores.
    assert.equal(healthPanelStateSchema.safeParse({ version: 1, snapshot: sampleSnapshot() }).success, true);
  });

  it('shows a Workers table (desired, in service, unhealthy, health with why); a degraded pool warns, a missing one shows no counts', async () => {
    const panel = await harness.open('health', { theme: 'dark' });
    const { page } = panel;
    await page.locator('main').waitFor();
    await panel.send(update(roundWith({ pools: [poolHealth(counts('n8n', 3, 2, 1)), poolHealth(counts('ollama', 0, 0, 0, { missing: true, ours: false }))] })));
    const card = page.locator('section.workers');
    await card.waitFor();
    assert.equal(await card.locator('h2').textContent(), 'Workers');
    assert.deepEqual(await card.locator('thead th').allTextContents(), ['Pool', 'Desired', 'In service', 'Unhealthy', 'Health']);
    const rows = card.locator('tbody tr');
    assert.deepEqual(await rows.nth(0).locator('th, td').allTextContents(), ['n8n workers', '3', '2', '1', 'Degraded: 2 of 3 in service, 1 unhealthy (Auto Scaling replaces it)']);
    assert.equal(await rows.nth(0).locator('th').getAttribute('title'), 'Auto Scaling group gm-demo-n8n-workers');
    assert.deepEqual(await rows.nth(1).locator('th, td').allTextContents(), [
      'Ollama workers', '—', '—', '—', 'Missing: its Auto Scaling group does not exist (not deployed yet, or deleted outside GeuseMaker)',
    ]);
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.className)), ['pool severity-warning', 'pool severity-critical']);
    assert.equal(await card.evaluate((section) => section.className), 'workers severity-critical', 'the card takes its worst pool\'s severity');
    assert.equal(await page.locator('.summary').textContent(), '1 of 1 service healthy', 'the services\' summary is about services');
    await assertCleanLoad(panel, { toHost: healthToHostSchema, state: healthPanelStateSchema });

    // All in service again: the next round redraws the card as ok.
    await panel.send(update(roundWith({ pools: [poolHealth(counts('n8n', 3, 3, 0))] })));
    await card.locator('td', { hasText: 'OK: 3 of 3 in service' }).waitFor();
    assert.equal(await card.evaluate((section) => section.className), 'workers severity-ok');
    await page.close();
  });

  it('a round whose pools were not read says why in the card; a stack without pools has no card', async () => {
    const panel = await harness.open('health', { theme: 'light' });
    const { page } = panel;
    await page.locator('main').waitFor();
    await panel.send(update({ ...roundWith({ pools: [] }), poolsNote: 'The worker pools were not read from EC2 Auto Scaling: AWS refused the request.' }));
    await page.locator('section.workers .pools-note').waitFor();
    assert.equal(await page.locator('section.workers .pools-note').textContent(), 'The worker pools were not read from EC2 Auto Scaling: AWS refused the request.');
    assert.equal(await page.locator('section.workers table').count(), 0, 'no rows that would look measured');
    await panel.send(update(roundWith({})));
    await page.locator('section.workers').waitFor({ state: 'detached' });
    assert.equal(await page.locator('section.service').count(), 1);
    await page.close();
  });

  it('rejects malformed pool rows and renders markup in pool strings as text', async () => {
    const panel = await harness.open('health', { theme: 'dark' });
    const { page } = panel;
    await page.locator('main').waitFor();
    const good = roundWith({ pools: [poolHealth(counts('n8n', 2, 2, 0))] });
    const row = good.pools![0]!;
    await assertRejectsAll(panel, [
      ...hostileToAnyPanel('health', good),
      { type: 'health', snapshot: { ...good, pools: [{ ...row, summary: 'x'.repeat(300_000) }] } },
      { type: 'health', snapshot: { ...good, pools: [{ ...row, pool: 'comfyui' }] } },
      { type: 'health', snapshot: { ...good, pools: [{ ...row, inService: -1 }] } },
      { type: 'health', snapshot: { ...good, pools: [{ ...row, condition: 'fine' }] } },
      { type: 'health', snapshot: { ...good, pools: [row, row, row] } },
      { type: 'health', snapshot: { ...good, poolsNote: 'x'.repeat(3000) } },
    ], { update: 'health', toHost: healthToHostSchema });
    assert.equal(await page.locator('section.workers').count(), 0, 'nothing rejected was rendered');
    await panel.send(update({ ...good, poolsNote: SCRIPT, pools: [{ ...row, summary: IMG, group: IMG }] }));
    await page.locator('section.workers tbody tr').waitFor();
    assert.equal(await page.locator('section.workers .pool-health').textContent(), `OK: ${IMG}`);
    assert.equal(await page.locator('section.workers .pools-note').textContent(), SCRIPT);
    await assertMarkupInert(panel);
    await page.close();
  });
});
