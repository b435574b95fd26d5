import assert from 'node:assert/strict';
import { healthPanelStateSchema, healthSnapshotSchema, type HealthSnapshot } from '../../src/protocol/health';
import { useHarness } from './harness';
import { sampleSnapshot } from './fixtures';

const GIB = 1024 ** 3;
const withDisks = (disks: HealthSnapshot['disks']): HealthSnapshot => ({ ...sampleSnapshot(), disks });

describe('health panel: disk space on the instance (headless Chromium, harness host)', function () {
  this.timeout(60_000);
  const harness = useHarness();

  it('shows what is left on the root volume and on EFS, flags a nearly full root volume, and says when EFS is not mounted', async () => {
    const panel = await harness.open('health', { theme: 'dark' });
    const { page } = panel;
    await page.locator('main').waitFor();
    await panel.send({ type: 'health', snapshot: withDisks([
      { volume: 'root', path: '/', totalBytes: 30 * GIB, usedBytes: 9 * GIB, availableBytes: 21 * GIB, mounted: true },
      { volume: 'efs', path: '/mnt/efs', totalBytes: 8 * 1024 ** 6, usedBytes: 5 * GIB, availableBytes: 8 * 1024 ** 6 - 5 * GIB, mounted: true },
    ]) });
    const card = page.locator('section.disks');
    await card.waitFor();
    assert.equal(await card.locator('h2').textContent(), 'Disk space');
    assert.deepEqual(await card.locator('dt').allTextContents(), ['Instance root volume (/)', 'EFS (/mnt/efs)']);
    assert.deepEqual(await card.locator('dd').allTextContents(), ['21.0 GiB free of 30.0 GiB (30% used)', '8.0 EiB free, 5.0 GiB used (grows as needed)']);
    assert.equal(await card.evaluate((el) => el.classList.contains('low')), false);

    await panel.send({ type: 'health', snapshot: withDisks([
      { volume: 'root', path: '/', totalBytes: 30 * GIB, usedBytes: 28.5 * GIB, availableBytes: 1.5 * GIB, mounted: true },
      { volume: 'efs', path: '/mnt/efs', totalBytes: 0, usedBytes: 0, availableBytes: 0, mounted: false },
    ]) });
    await page.locator('section.disks dd', { hasText: 'not mounted' }).waitFor();
    assert.deepEqual(await card.locator('dd').allTextContents(), ['1.5 GiB free of 30.0 GiB (95% used), low', 'not mounted on the instance']);
    assert.equal(await card.evaluate((el) => el.classList.contains('low')), true);
    await page.close();
  });

  it('a snapshot without disks (saved before they were measured) still restores, and shows no card', async () => {
    const { disks: _omitted, ...old } = sampleSnapshot();
    const state = healthPanelStateSchema.parse({ version: 1, snapshot: old });
    assert.deepEqual(state.snapshot.disks, []);
    assert.equal(healthSnapshotSchema.safeParse({ ...old, disks: [{ volume: 'swap' }] }).success, false);
    const panel = await harness.open('health', { theme: 'light', state });
    await panel.page.locator('section.service').nth(4).waitFor();
    assert.equal(await panel.page.locator('section.disks').count(), 0);
    await panel.page.close();
  });
});
