import { classifyIfAws } from '../aws/classify';
import { GeuseError } from '../errors';
import type { LogChunk, LogCursor } from './log-cursor';

export interface FollowRetry {
  /** Failed reads in a row before following stops. */
  maxFailures: number;
  /** Wait after the n-th failure in a row: n times this. */
  delayMs: number;
}

export const DEFAULT_RETRY: FollowRetry = { maxFailures: 3, delayMs: 5_000 };

/** How following ended: stopped by the user, or given up with the reason (and the cursor to go on from). */
export type FollowEnd =
  | { kind: 'stopped' }
  | { kind: 'gave-up'; error: GeuseError; failures: number; why: 'refused' | 'endpoint' | 'repeated'; cursor: LogCursor };

/** What following reports as it goes; the extension writes to an output channel, the CLI to stdout/stderr. */
export interface FollowEvents {
  chunk(chunk: LogChunk): void;
  /** A read failed; `retryInMs` is set when it is tried again, absent when following stops here. */
  failed(error: GeuseError, failures: number, retryInMs?: number): void;
}

export interface FollowPolicy {
  retry?: FollowRetry;
  /**
   * An error that asking again cannot fix because the endpoint lacks the API (an emulator). The caller knows
   * whether an endpoint is set; by default only an API the endpoint did not answer counts.
   */
  isEndpointGap?: (error: GeuseError) => boolean;
}

/** AWS, SDK and network errors classified; anything else thrown is a bug of ours, said as one. */
export function classifyFollowError(error: unknown): GeuseError {
  return classifyIfAws(error) ?? new GeuseError({ code: 'INTERNAL', kind: 'unknown', message: error instanceof Error ? error.message : String(error), nextStep: 'Report it with the log.', cause: error });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * Follows a log until the signal aborts. A failed read is retried from the same cursor, so no line is lost or
 * repeated; a refusal (no instance), an endpoint that cannot run commands, or too many failures in a row end it,
 * and the caller says so with a way to go on (the returned cursor).
 */
export async function followWithRetries(
  open: (cursor: LogCursor) => Promise<AsyncIterable<LogChunk>>,
  cursor: LogCursor,
  events: FollowEvents,
  signal: AbortSignal,
  policy: FollowPolicy = {},
): Promise<FollowEnd> {
  const retry = policy.retry ?? DEFAULT_RETRY;
  const endpointGap = policy.isEndpointGap ?? ((error: GeuseError) => error.code === 'ENDPOINT_API_MISSING');
  let current = cursor;
  let failures = 0;
  while (!signal.aborted) {
    try {
      for await (const chunk of await open(current)) {
        failures = 0;
        current = chunk.cursor;
        events.chunk(chunk);
      }
      return { kind: 'stopped' };
    } catch (error) {
      if (signal.aborted) return { kind: 'stopped' };
      const classified = classifyFollowError(error);
      if (classified.kind === 'cancelled') return { kind: 'stopped' };
      failures += 1;
      const why = classified.kind === 'refused' ? 'refused' : endpointGap(classified) ? 'endpoint' : failures >= retry.maxFailures ? 'repeated' : undefined;
      if (why) {
        events.failed(classified, failures);
        return { kind: 'gave-up', error: classified, failures, why, cursor: current };
      }
      const wait = retry.delayMs * failures;
      events.failed(classified, failures, wait);
      await pause(wait, signal);
    }
  }
  return { kind: 'stopped' };
}
