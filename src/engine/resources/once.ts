import { awsErrorCode, classifyAwsError, isNotFound } from '../aws/classify';
import type { EngineTiming } from '../context';
import { sleep } from '../wait';

/**
 * Answers AWS gives to a repeat of something already done ("already exists", "already associated", "not
 * attached"): about our own resource they mean done, which the caller confirms by looking.
 */
const ALREADY = new Set([
  'InvalidSubnet.Conflict', 'InvalidGroup.Duplicate', 'InvalidPermission.Duplicate', 'Resource.AlreadyAssociated',
  'RouteAlreadyExists', 'PriorityInUse', 'LimitExceeded', 'EntityAlreadyExists', 'ParameterAlreadyExists',
  'MountTargetConflict', 'FileSystemAlreadyExists', 'DistributionAlreadyExists', 'DuplicateLoadBalancerName',
  'DuplicateTargetGroupName', 'DuplicateListener', 'Gateway.NotAttached', 'InvalidAssociationID.NotFound',
  'PreconditionFailed',
]);

export function isAlreadyAnswer(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code !== undefined && ALREADY.has(code);
}

/** The undo direction: a delete, detach or disassociate answered "not there" has nothing left to do. */
export function isAlreadyUndone(error: unknown): boolean {
  return isNotFound(error) || awsErrorCode(error) === 'Gateway.NotAttached';
}

export function isTransient(error: unknown): boolean {
  const kind = classifyAwsError(error).kind;
  return kind === 'transient' || kind === 'unknown';
}

/** The call may have taken effect (its answer was lost), or it answered about what its first attempt did. */
export function mayHaveActed(error: unknown): boolean {
  return isAlreadyAnswer(error) || isTransient(error);
}

export interface OnceContext {
  timing: Pick<EngineTiming, 'pollIntervalMs'>;
  signal?: AbortSignal;
}

const ATTEMPTS = 3;

/**
 * Sends a call that is not safe to repeat blind. After a failure that may have acted, it looks (a few
 * times, as AWS lists changes a moment late) whether the change is in place; only when it is not, and
 * the failure was temporary, it sends again.
 */
export async function applyOnce(ctx: OnceContext, call: { send(): Promise<unknown>; isDone(): Promise<boolean> }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call.send();
      return;
    } catch (error) {
      if (!mayHaveActed(error)) throw error;
      if (await settles(ctx, call.isDone)) return;
      if (!isTransient(error) || attempt >= ATTEMPTS) throw error;
      await sleep((ctx.timing.pollIntervalMs / 5) * attempt, ctx.signal);
    }
  }
}

async function settles(ctx: OnceContext, isDone: () => Promise<boolean>): Promise<boolean> {
  return (await lookAgain(ctx, async () => ((await isDone()) ? true : undefined))) === true;
}

/** Real AWS may not list a change the instant it is made: look a few times, briefly. */
export async function lookAgain<T>(ctx: OnceContext, find: () => Promise<T | undefined>): Promise<T | undefined> {
  for (const delay of [0, ctx.timing.pollIntervalMs / 5, ctx.timing.pollIntervalMs]) {
    if (delay > 0) await sleep(delay, ctx.signal);
    const found = await find();
    if (found !== undefined) return found;
  }
  return undefined;
}
