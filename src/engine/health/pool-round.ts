import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import type { GeuseError } from '../errors';
import type { StackState } from '../state/schema';
import { poolHealth, type PoolHealth } from './pools';

/** A health round's worker pools: each pool's row, or why none could be read. */
export interface PoolsRound {
  /** Each pool as its Auto Scaling group says now; empty when the read failed. */
  pools: PoolHealth[];
  /** Auto Scaling could not be read: the pools are unknown this round (the services' round stands). */
  unknownBecause?: GeuseError;
}

/**
 * A scaled stack's pools for one health round: one DescribeAutoScalingGroups, read back now (never the config's
 * sizes). Undefined for a stack without pools: no call is made. A failed read is reported, never thrown, so it
 * cannot fail the services' round; only cancellation throws.
 */
export async function readPoolsRound(clients: AwsClients, state: StackState, signal?: AbortSignal): Promise<PoolsRound | undefined> {
  const { readPools, stackPools } = await import('../scale/pools');
  if (stackPools(state).length === 0) return undefined;
  try {
    const views = await readPools(clients, state, signal);
    return { pools: views.map((view) => poolHealth(view)) };
  } catch (error) {
    const failed = classifyAwsError(error, { profile: state.config.profile });
    if (signal?.aborted || failed.kind === 'cancelled') throw failed;
    return { pools: [], unknownBecause: failed };
  }
}
