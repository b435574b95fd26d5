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
  'PreconditionFailed', 'AlreadyExists', 'InvalidLaunchTemplateName.AlreadyExistsException',
]);

export function isAlreadyAnswer(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code !== undefined && ALREADY.has(code);
}

/** The undo direction: a delete, detach or disassociate answered "not there" has nothing left to do. */
export function isAlreadyUndone(error: unknown): boolean {
  return isNotFound(error) || awsErrorCode(error) === 'Gateway.NotAttached';
}

/** A temporary failure after which the call may have acted: a server error, a lost answer, a dropped connection. */
export function isTransient(error: unknown): boolean {
  if (!isAwsOrNetwork(error) || neverReachedAws(error)) return false;
  const kind = classifyAwsError(error).kind;
  return kind === 'transient' || kind === 'unknown';
}

/** A bug of ours (a TypeError in a create) is not an answer from AWS: nothing to look for, nothing to send again. */
function isAwsOrNetwork(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { $metadata, code } = error as { $metadata?: unknown; code?: unknown };
  return $metadata !== undefined || typeof code === 'string';
}

/** A refused connection or an unknown host never reached AWS, so nothing was done and looking would only wait. */
function neverReachedAws(error: unknown): boolean {
  const codes = [error, (error as { cause?: unknown }).cause].map((e) => (typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined));
  return codes.some((code) => code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN');
}

/** The call may have taken effect (its answer was lost), or it answered about what its first attempt did. */
export function mayHaveActed(error: unknown): boolean {
  return isAlreadyAnswer(error) || isTransient(error);
}

export interface OnceContext {
  timing: Pick<EngineTiming, 'pollIntervalMs'>;
  /** Required (even when undefined), so no caller can drop its cancellation by accident. */
  signal: AbortSignal | undefined;
}

const ATTEMPTS = 3;

/**
 * Sends a call that is not safe to repeat blind. After a failure that may have acted it looks (a few times, as
 * AWS lists changes a moment late) for what the call was to bring about; found, that is the result. Only when
 * nothing is found and the failure was temporary does it send again. A failing look keeps the call's own error.
 */
export async function actOnce<T>(ctx: OnceContext, call: { send(): Promise<T>; find(): Promise<T | undefined> }): Promise<{ value: T; found: boolean; error?: unknown }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await call.send(), found: false };
    } catch (error) {
      if (!mayHaveActed(error)) throw error;
      const found = await lookAgain(ctx, call.find).catch((lookError: unknown) => {
        throw Object.assign(error as object, { $lookupError: lookError });
      });
      if (found !== undefined) return { value: found, found: true, error };
      if (!isTransient(error) || attempt >= ATTEMPTS) throw error;
      await sleep((ctx.timing.pollIntervalMs / 5) * attempt, ctx.signal);
    }
  }
}

/** actOnce for a change with no result: `isDone` says whether it is in place. */
export async function applyOnce(ctx: OnceContext, call: { send(): Promise<unknown>; isDone(): Promise<boolean> }): Promise<void> {
  await actOnce<true>(ctx, {
    send: async () => {
      await call.send();
      return true;
    },
    find: async () => ((await call.isDone()) ? true : undefined),
  });
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
