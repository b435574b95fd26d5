import { newStackState } from '../../src/engine/deploy';
import { estimateMonthly } from '../../src/engine/cost/estimate';
import { costSeries, monthDays } from '../../src/engine/cost/series';
import { costToDate, startOfMonth, type HistoricPrices } from '../../src/engine/cost/to-date';
import { stackConfigSchema, type StackConfigInput } from '../../src/engine/stack/config';
import type { StackState } from '../../src/engine/state/schema';
import type { CostSnapshot, StackCost } from '../../src/protocol/cost';
import { toCostSnapshot, toStackCost } from '../../src/vscode/panels/cost-snapshot';

/** Two stacks on Nov 23, 2026 at 15:00 UTC, built through the same code the panel's host uses. */
export const NOW = new Date('2026-11-23T15:00:00.000Z');
export const STATE_DIR = '/home/dev/.geusemaker/stacks';
const EFS = { sizeNowGb: 12, usdPerGbMonth: 0.3, history: [] };

/** Spot at $0.05/h, on demand at the bundled list price. */
const PRICES: HistoricPrices = {
  onDemandHourly: async (type) => (type === 'g5.xlarge' ? 1.006 : 0.1664),
  spotHistory: async () => [{ at: '2026-10-30T00:00:00Z', usdPerHour: 0.05 }],
};

function state(config: StackConfigInput, patch: Partial<StackState>): StackState {
  return { ...newStackState(stackConfigSchema.parse(config), 'stack-id'), createdAt: '2026-11-02T09:00:00.000Z', ...patch };
}

const efsRecord = { key: 'efs', kind: 'efs' as const, status: 'created' as const, id: 'fs-0123', attrs: {}, external: false, updatedAt: '2026-11-02T09:10:00.000Z' };

/** "demo": dev tier on spot, running since Nov 2 with a budget; its compute price is live. */
export function demoState(budget = 55): StackState {
  return state({ name: 'demo', instanceType: 't3.xlarge', market: 'spot', monthlyBudgetUsd: budget }, {
    status: 'deployed',
    resources: { efs: efsRecord },
    compute: [{ instanceId: 'i-0a', instanceType: 't3.xlarge', market: 'spot', zone: 'us-east-1b', startedAt: '2026-11-02T09:20:00.000Z' }],
  });
}

/** "gpu-lab": gpu tier on demand, ran two days, paused since (only EFS bills); its price is cached. */
export function gpuState(): StackState {
  return state({ name: 'gpu-lab', tier: 'gpu', instanceType: 'g5.xlarge', market: 'on-demand', access: { mode: 'load-balancer' } }, {
    status: 'paused',
    resources: { efs: efsRecord },
    compute: [{ instanceId: 'i-0g', instanceType: 'g5.xlarge', market: 'on-demand', zone: 'us-east-1a', startedAt: '2026-11-10T08:00:00.000Z', endedAt: '2026-11-12T08:00:00.000Z' }],
  });
}

async function stackCost(s: StackState, compute: Parameters<typeof estimateMonthly>[1], extra: { errors?: unknown[] } = {}): Promise<StackCost> {
  const estimate = estimateMonthly(s.config, compute);
  if (s.config.market === 'spot') {
    const onDemandComputeUsd = Math.round(0.1664 * 730 * 100) / 100;
    const spotCompute = estimate.lines.find((l) => l.item === 'compute')?.usd ?? 0;
    estimate.spotSavings = { onDemandComputeUsd, savedUsd: Math.round((onDemandComputeUsd - spotCompute) * 100) / 100, percent: Math.round((1 - compute.usdPerHour / 0.1664) * 100) };
  }
  const [monthToDate, series] = await Promise.all([costToDate(s, PRICES, EFS, NOW, startOfMonth(NOW)), costSeries(s, PRICES, EFS, monthDays(NOW))]);
  return toStackCost({ target: { name: s.name, stateDir: STATE_DIR }, state: s, now: NOW, estimate, monthToDate, series, errors: extra.errors ?? [] });
}

export async function demoCost(budget?: number): Promise<StackCost> {
  return stackCost(demoState(budget), { usdPerHour: 0.05, source: { kind: 'live' } });
}

export async function gpuCost(errors: unknown[] = []): Promise<StackCost> {
  return stackCost(gpuState(), { usdPerHour: 1.006, source: { kind: 'cached', ageMs: 5 * 60_000 } }, { errors });
}

export async function sampleCostSnapshot(options: { focus?: 'demo' | 'gpu-lab' } = {}): Promise<CostSnapshot> {
  const stacks = [await demoCost(), await gpuCost()];
  return toCostSnapshot(stacks, { checkedAt: NOW.toISOString(), ...(options.focus ? { focus: { name: options.focus, stateDir: STATE_DIR } } : {}) });
}

/**
 * "odd": a spot stack on an instance type no price source knows, running since this morning with nothing billed
 * yet: its hourly cost is unknown (never $0) and its month so far is zero.
 */
export function unknownPriceCost(): StackCost {
  const s = state({ name: 'odd', instanceType: 'zz9.large', market: 'spot' }, {
    status: 'deployed',
    compute: [{ instanceId: 'i-0z', instanceType: 'zz9.large', market: 'spot', zone: 'us-east-1b', startedAt: '2026-11-23T09:00:00.000Z' }],
  });
  const series = [{ at: '2026-11-23T00:00:00.000Z', usd: 0 }, { at: NOW.toISOString(), usd: 0 }];
  return toStackCost({ target: { name: 'odd', stateDir: STATE_DIR }, state: s, now: NOW, series, errors: [] });
}
