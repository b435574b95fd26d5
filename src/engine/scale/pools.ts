import type { AwsClients } from '../aws/clients';
import { poolHealth, type PoolCondition } from '../health/pools';
import type { Severity } from '../health/types';
import { describeGroups, type GroupView } from '../resources/group-view';
import { workerPools, type WorkerPoolName } from '../stack/scale-config';
import type { StackState } from '../state/schema';
import { SCALE_KEYS, scaleNames } from './names';

/**
 * A stack's worker pools as EC2 Auto Scaling says they are now (DescribeAutoScalingGroups, read back): sizes,
 * instances by lifecycle and health, the types running. Never what a config asked for.
 */

/** Pools in deploy order. */
const POOL_ORDER: readonly WorkerPoolName[] = ['n8n', 'ollama'];

export interface PoolSizes {
  min: number;
  max: number;
  desired: number;
}

export interface PoolView extends PoolSizes {
  pool: WorkerPoolName;
  /** The pool's Auto Scaling group (scaleNames.workerGroup). */
  groupName: string;
  /** No group of that name exists (not deployed yet, or deleted): every count is 0. */
  missing: boolean;
  /** The group carries this stack's id. A group of the name that does not is reported, never changed. */
  ours: boolean;
  /** When not ours: the stack id the group carries (undefined: none, made by hand or another tool). */
  foreignStackId?: string;
  /** InService and Healthy. */
  inService: number;
  /** Launching: Pending (and its lifecycle-hook waits). */
  pending: number;
  /** Marked Unhealthy (by its health checks or the n8n worker's watchdog): the group replaces them. */
  unhealthy: number;
  /** Being terminated (scale-in or a replacement). */
  terminating: number;
  /** The instance types of the instances launching or in service now, sorted. */
  instanceTypes: string[];
  /** The instance types the group may launch (its mixed-instances overrides). */
  allowedTypes: string[];
  market?: 'spot' | 'on-demand';
  /** ok, degraded, missing, not-ours (health/pools.ts). */
  condition: PoolCondition;
  /** ok; warning when degraded; critical when the pool has no group of its own. */
  severity: Severity;
  /** The condition in plain words. */
  summary: string;
}

/** The pools a stack has or is getting: its applied config's, a pending change's, and any the journal recorded. */
export function stackPools(state: StackState): WorkerPoolName[] {
  const wanted = new Set<WorkerPoolName>([
    ...workerPools(state.config.scale).map((each) => each.pool),
    ...workerPools(state.pending?.config.scale).map((each) => each.pool),
  ]);
  for (const pool of POOL_ORDER) {
    const record = state.resources[SCALE_KEYS.workerGroupKey(pool)];
    if (record && record.status !== 'deleted') wanted.add(pool);
  }
  return POOL_ORDER.filter((pool) => wanted.has(pool));
}

function countsOf(group: GroupView): Pick<PoolView, 'inService' | 'pending' | 'unhealthy' | 'terminating' | 'instanceTypes'> {
  let inService = 0;
  let pending = 0;
  let unhealthy = 0;
  let terminating = 0;
  const types = new Set<string>();
  for (const instance of group.instances) {
    const lifecycle = instance.lifecycle;
    if (/^Terminated/.test(lifecycle)) continue;
    if (/^Terminating/.test(lifecycle)) terminating += 1;
    if (!instance.healthy) unhealthy += 1;
    if (lifecycle === 'InService' && instance.healthy) inService += 1;
    if (/^Pending/.test(lifecycle)) pending += 1;
    if ((lifecycle === 'InService' || /^Pending/.test(lifecycle)) && instance.instanceType) types.add(instance.instanceType);
  }
  return { inService, pending, unhealthy, terminating, instanceTypes: [...types].sort() };
}

/** One pool from its group as described (undefined: the group does not exist). */
export function poolViewOf(pool: WorkerPoolName, stack: string, stackId: string, group: GroupView | undefined): PoolView {
  const groupName = scaleNames.workerGroup(stack, pool);
  const base = group
    ? {
      pool, groupName, missing: false, ours: group.stackId === stackId, min: group.min, max: group.max, desired: group.desired,
      ...countsOf(group), allowedTypes: group.instanceTypes, market: group.mixed ? group.market : undefined,
      ...(group.stackId !== stackId && group.stackId ? { foreignStackId: group.stackId } : {}),
    }
    : { pool, groupName, missing: true, ours: false, min: 0, max: 0, desired: 0, inService: 0, pending: 0, unhealthy: 0, terminating: 0, instanceTypes: [], allowedTypes: [] };
  const { condition, severity, summary } = poolHealth(base);
  return { ...base, condition, severity, summary };
}

/** Every pool of the stack, from one DescribeAutoScalingGroups call; a stack without pools makes none. */
export async function readPools(clients: AwsClients, state: StackState, signal?: AbortSignal): Promise<PoolView[]> {
  const pools = stackPools(state);
  if (pools.length === 0) return [];
  const groups = await describeGroups(clients, pools.map((pool) => scaleNames.workerGroup(state.name, pool)), signal);
  return pools.map((pool) => poolViewOf(pool, state.name, state.stackId, groups.get(scaleNames.workerGroup(state.name, pool))));
}
