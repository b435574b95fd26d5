import type { WorkerPoolName } from '../stack/scale-config';
import type { Severity } from './types';

/*
 * A worker pool's health from what its Auto Scaling group says now: desired, in service, unhealthy. Plain data and
 * type imports only, so the panels' bundles may read it.
 */

/** ok; degraded (an instance unhealthy, or fewer in service than desired); missing (no group); not-ours (the name is another's). */
export type PoolCondition = 'ok' | 'degraded' | 'missing' | 'not-ours';

/** The counts the verdict reads (a PoolView has them all). */
export interface PoolCounts {
  pool: WorkerPoolName;
  groupName: string;
  missing: boolean;
  ours: boolean;
  desired: number;
  inService: number;
  pending: number;
  unhealthy: number;
}

/** One pool's health row: the tree, `status` and the health panel show it (protocol/health.ts poolRowSchema). */
export interface PoolHealth {
  pool: WorkerPoolName;
  group: string;
  desired: number;
  inService: number;
  unhealthy: number;
  condition: PoolCondition;
  severity: Severity;
  /** Plain words: "2 of 2 in service", "1 of 2 in service, 1 unhealthy (being replaced)". */
  summary: string;
}

export function poolCondition(counts: PoolCounts): PoolCondition {
  if (counts.missing) return 'missing';
  if (!counts.ours) return 'not-ours';
  return counts.unhealthy > 0 || counts.inService < counts.desired ? 'degraded' : 'ok';
}

/** Degraded warns (Auto Scaling is replacing or launching); a pool without its group runs no executions: critical. */
const SEVERITY: Record<PoolCondition, Severity> = { ok: 'ok', degraded: 'warning', missing: 'critical', 'not-ours': 'critical' };

export function poolSummary(counts: PoolCounts): string {
  const condition = poolCondition(counts);
  if (condition === 'missing') return 'its Auto Scaling group does not exist (not deployed yet, or deleted outside GeuseMaker)';
  if (condition === 'not-ours') return 'an Auto Scaling group of its name exists but carries another stack id (or none): it is not this stack\'s';
  const parts = [`${counts.inService} of ${counts.desired} in service`];
  if (counts.pending > 0) parts.push(`${counts.pending} launching`);
  if (counts.unhealthy > 0) parts.push(`${counts.unhealthy} unhealthy (Auto Scaling replaces ${counts.unhealthy === 1 ? 'it' : 'them'})`);
  return parts.join(', ');
}

export function poolHealth(counts: PoolCounts): PoolHealth {
  const condition = poolCondition(counts);
  return {
    pool: counts.pool, group: counts.groupName, desired: counts.desired, inService: counts.inService, unhealthy: counts.unhealthy,
    condition, severity: SEVERITY[condition], summary: poolSummary(counts),
  };
}
