import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients } from '../../src/engine/aws/clients';
import { backupStorage } from '../../src/engine/cost/backup-size';
import { CostService } from '../../src/engine/cost/cost-service';
import { DEFAULT_ASSUMPTIONS, estimateKept, estimateMonthly } from '../../src/engine/cost/estimate';
import { hourlyNow } from '../../src/engine/cost/hourly-now';
import { bundledListQuotes } from '../../src/engine/cost/prices';
import { newStackState } from '../../src/engine/deploy';
import { stackConfigSchema, type StackConfigInput } from '../../src/engine/stack/config';
import type { ResourceRecord } from '../../src/engine/state/schema';

const near = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 0.011, `${actual} ≈ ${expected}`);
const config = (overrides: Partial<StackConfigInput> = {}) => stackConfigSchema.parse({ name: 'abc', instanceType: 't3.medium', market: 'on-demand', ...overrides });
const compute = { usdPerHour: 0.0416, source: { kind: 'live' as const } };
const record = (key: string, kind: string, id: string, attrs: Record<string, string> = {}): ResourceRecord => (
  { key, kind, status: 'created', id, attrs, external: false, updatedAt: '2026-11-01T00:00:00.000Z' } as ResourceRecord);

describe('backups in the monthly estimate (AWS Backup warm storage of the file system, an incremental model)', () => {
  it('stored GB: one full copy plus the changed share for every further recovery point the retention keeps', () => {
    const daily = backupStorage(20, { schedule: 'daily', retentionDays: 14 }, 5);
    assert.equal(daily.points, 14);
    near(daily.gb, 20 * (1 + 0.05 * 13));
    const weekly = backupStorage(20, { schedule: 'weekly', retentionDays: 14 }, 5);
    assert.equal(weekly.points, 2);
    near(weekly.gb, 21);
    assert.equal(backupStorage(20, { schedule: 'weekly', retentionDays: 3 }, 5).points, 1, 'a retention shorter than the interval still keeps the last one');
    const custom = backupStorage(20, { schedule: 'cron(0 3 ? * * *)', retentionDays: 7 }, 5);
    assert.equal(custom.points, 7);
    assert.match(custom.words, /cron\(0 3 \? \* \* \*\), counted as daily/);
  });

  it('a new stack (backups on by default) gets a backup line labelled an estimate at the bundled $0.05/GB-month; backups off, none', () => {
    const on = estimateMonthly(config(), compute, DEFAULT_ASSUMPTIONS, bundledListQuotes());
    const line = on.lines.find((l) => l.item === 'backup');
    near(line?.usd, 1.65);
    assert.equal(line?.source, 'estimated', 'the bundled price is never called live');
    assert.match(line?.basis ?? '', /^AWS Backup of the file system \(estimate\): 14 daily recovery point\(s\) kept 14 days: the first a full copy of 20 GB \(the assumed EFS size\), each later one the 5% changed since \(assumed\) ≈ 33 GB of warm storage at \$0\.05\/GB-month$/);
    near(on.totalUsd, on.lines.reduce((sum, l) => sum + l.usd, 0));
    const off = estimateMonthly(config({ backup: { enabled: false } }), compute, DEFAULT_ASSUMPTIONS, bundledListQuotes());
    assert.equal(off.lines.find((l) => l.item === 'backup'), undefined);
    near(on.totalUsd - off.totalUsd, 1.65);
  });

  it('a longer retention and a larger change rate cost more; the assumption is the caller\'s to set', () => {
    const base = estimateMonthly(config(), compute, DEFAULT_ASSUMPTIONS, bundledListQuotes()).lines.find((l) => l.item === 'backup')!.usd;
    const longer = estimateMonthly(config({ backup: { retentionDays: 35 } }), compute, DEFAULT_ASSUMPTIONS, bundledListQuotes()).lines.find((l) => l.item === 'backup')!.usd;
    const busier = estimateMonthly(config(), compute, { ...DEFAULT_ASSUMPTIONS, backupChangePercent: 20 }, bundledListQuotes()).lines.find((l) => l.item === 'backup')!.usd;
    near(longer, 20 * (1 + 0.05 * 34) * 0.05);
    near(busier, 20 * (1 + 0.2 * 13) * 0.05);
    assert.ok(longer > base && busier > base);
  });

  it('with monthlyBudgetUsd, AWS Budgets\' own price is a note (two free per account, then $0.02/day), never a line', () => {
    const withBudget = estimateMonthly(config({ monthlyBudgetUsd: 100 }), compute, DEFAULT_ASSUMPTIONS, bundledListQuotes());
    const without = estimateMonthly(config(), compute, DEFAULT_ASSUMPTIONS, bundledListQuotes());
    assert.equal(withBudget.totalUsd, without.totalUsd);
    assert.deepEqual(withBudget.lines.map((l) => l.item), without.lines.map((l) => l.item));
    assert.equal(withBudget.notes?.length, 1);
    assert.match(withBudget.notes![0]!, /first 2 budgets of an account are free, then \$0\.02 a day each/);
    assert.equal(without.notes, undefined);
  });

  it('a destroyed stack\'s kept recovery points are priced at their recorded size; unrecorded, a note says they are not priced', () => {
    const known = estimateKept(true, 10, DEFAULT_ASSUMPTIONS, bundledListQuotes(), { vault: 'geusemaker-abc', bytes: 40 * 1024 ** 3 });
    assert.deepEqual(known.lines.map((l) => l.item), ['efs', 'backup']);
    near(known.lines[1]?.usd, 2);
    assert.match(known.lines[1]?.basis ?? '', /40 GB of recovery points in vault geusemaker-abc \(their size when the stack was destroyed\)/);
    near(known.totalUsd, 3 + 2);
    const unknown = estimateKept(true, 10, DEFAULT_ASSUMPTIONS, bundledListQuotes(), { vault: 'geusemaker-abc' });
    assert.deepEqual(unknown.lines.map((l) => l.item), ['efs']);
    assert.match(unknown.notes?.[0] ?? '', /Recovery points kept in vault geusemaker-abc are not priced: their size was not recorded/);
  });

  it('a paused stack still pays for its recovery points: the rate now counts the backup line while the vault exists', () => {
    const estimate = estimateMonthly(config(), compute, DEFAULT_ASSUMPTIONS, bundledListQuotes());
    const withVault = hourlyNow({ resources: { efs: record('efs', 'efs', 'fs-1'), 'backup-vault': record('backup-vault', 'backup-vault', 'geusemaker-abc') } }, estimate, false);
    const without = hourlyNow({ resources: { efs: record('efs', 'efs', 'fs-1') } }, estimate, false);
    assert.match(withVault.basis, /still billing: efs \$6\.00\/month, backup \$1\.65\/month/);
    assert.ok((withVault.usdPerHour ?? 0) > (without.usdPerHour ?? 0));
  });

  it('stackEstimate of a destroyed stack reads the kept vault and its recorded size from the state (no AWS call for them)', async () => {
    const service = new CostService({
      clients: (region) => createClients({ region, endpoint: 'http://127.0.0.1:9' }), cacheDir: mkdtempSync(join(tmpdir(), 'gm-prices-')),
      pricing: () => ({ getProducts: () => Promise.reject(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' })) }),
      requireState: () => Promise.reject(new Error('unused')),
    });
    try {
      const state = newStackState(config());
      state.status = 'destroyed';
      state.resources = { 'backup-vault': record('backup-vault', 'backup-vault', 'geusemaker-abc', { keptBackupBytes: String(30 * 1024 ** 3) }) };
      const estimate = await service.stackEstimate(state);
      assert.deepEqual(estimate.lines.map((l) => l.item), ['backup']);
      near(estimate.totalUsd, 1.5);
      state.resources['backup-vault']!.attrs = {};
      const unrecorded = await service.stackEstimate(state);
      assert.deepEqual(unrecorded.lines, []);
      assert.match(unrecorded.notes?.[0] ?? '', /not priced/);
    } finally {
      service.dispose();
    }
  });
});
