import { z } from 'zod';
import { invalidInput, type GeuseError } from '../errors';
import type { WorkerPoolName } from '../stack/scale-config';
import type { PoolSizes } from './pools';

/*
 * A pool's new min/max/desired: the request checked at the boundary (CLI flags, editor input boxes), then resolved
 * against what the group has now. Pure: no AWS, no state.
 */

/** The config's own limit for a pool (scale-config.ts). */
export const MAX_POOL_SIZE = 100;

const size = (field: string) => z.number({ error: `${field} must be a whole number` }).int({ error: `${field} must be a whole number` })
  .min(0, { error: `${field} must not be negative` }).max(MAX_POOL_SIZE, { error: `${field} must be at most ${MAX_POOL_SIZE} workers (the config's limit for a pool)` });

export const capacityRequestSchema = z.strictObject({ min: size('min').optional(), max: size('max').optional(), desired: size('desired').optional() });
export type CapacityRequest = z.output<typeof capacityRequestSchema>;

export const POOL_NAMES = ['n8n', 'ollama'] as const satisfies readonly WorkerPoolName[];
export const poolNameSchema = z.enum(POOL_NAMES, { error: 'The pool must be n8n or ollama' });

/** Parses a request from outside (unknown shape); every problem names the field and the fix. */
export function parseCapacityRequest(input: unknown): CapacityRequest {
  const parsed = capacityRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidInput('CAPACITY_INVALID', `${issue?.message ?? 'The capacity is not valid'}.`, 'Give min, max and desired as whole numbers from 1 to 100.');
  }
  const request = parsed.data;
  if (request.min === undefined && request.max === undefined && request.desired === undefined) {
    throw invalidInput('CAPACITY_INVALID', 'No size was given: nothing to set.', 'Give at least one of min, max and desired.');
  }
  return request;
}

function zeroRefusal(stack: string, pool: WorkerPoolName, field: string): GeuseError {
  return invalidInput('CAPACITY_INVALID',
    `${field} 0 for the ${pool} pool of stack ${stack} is refused: a pool runs at least 1 worker here, since target tracking scales on what running workers report and cannot start a pool from 0. Stopping the workers is what pausing the stack does (every pool to 0 and the main instance stopped; the data stays).`,
    `To stop the workers, pause the stack: \`geusemaker pause ${stack}\` (in the editor: Pause Stack). Otherwise ask for 1 or more.`);
}

/**
 * The sizes to send: what is given, the rest as the group has them now, desired kept within the new min..max when
 * not given (AWS does the same). Refused: 0 anywhere (that is pause), min above max, desired outside min..max.
 */
export function resolveCapacity(stack: string, pool: WorkerPoolName, current: PoolSizes, request: CapacityRequest): PoolSizes {
  for (const field of ['min', 'max', 'desired'] as const) {
    if (request[field] === 0) throw zeroRefusal(stack, pool, field);
  }
  const min = request.min ?? current.min;
  const max = request.max ?? current.max;
  if (min < 1) {
    throw invalidInput('CAPACITY_INVALID', `The ${pool} pool of stack ${stack} has min ${current.min} now (changed outside GeuseMaker, or paused), so a new min is needed with this change.`, 'Give min as well (1 or more).');
  }
  if (min > max) {
    const which = request.min !== undefined && request.max !== undefined ? `min ${min} is above max ${max}`
      : request.min !== undefined ? `min ${min} is above the pool's max ${max}` : `max ${max} is below the pool's min ${min}`;
    throw invalidInput('CAPACITY_INVALID', `For the ${pool} pool of stack ${stack}, ${which}: a pool runs between min and max workers.`,
      request.max === undefined ? `Raise max with it (max ${min} or more), or ask for a min of at most ${max}.` : `Ask for a max of at least ${min}, or lower min with it.`);
  }
  const desired = request.desired ?? Math.min(max, Math.max(min, current.desired));
  if (desired < min || desired > max) {
    throw invalidInput('CAPACITY_INVALID', `For the ${pool} pool of stack ${stack}, desired ${desired} is outside min ${min} .. max ${max}: Auto Scaling keeps desired between them.`,
      desired > max ? `Raise max with it (max ${desired}), or ask for at most ${max}.` : `Lower min with it (min ${desired}), or ask for at least ${min}.`);
  }
  return { min, max, desired };
}

export function sameSizes(a: PoolSizes, b: PoolSizes): boolean {
  return a.min === b.min && a.max === b.max && a.desired === b.desired;
}
