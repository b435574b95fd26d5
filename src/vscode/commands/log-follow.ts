import type { GeuseError, LogChunk, LogCursor } from '../../engine';
import { classifyForEditor, isEndpointGap, plainError } from '../error-words';

/** Where a followed log's lines and its own messages go (an output channel; tests collect them). */
export interface FollowSink {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * Follows a log into the sink until the signal aborts. A failed read is said in plain words and retried from
 * the same cursor; a refusal (no instance), an endpoint that cannot run commands, or too many failures in a
 * row end it, and the caller says so with a way to follow again.
 */
export async function followWithRetries(
  open: (cursor: LogCursor) => Promise<AsyncIterable<LogChunk>>,
  cursor: LogCursor,
  label: string,
  sink: FollowSink,
  signal: AbortSignal,
  retry: FollowRetry = DEFAULT_RETRY,
): Promise<FollowEnd> {
  let current = cursor;
  let failures = 0;
  while (!signal.aborted) {
    try {
      for await (const chunk of await open(current)) {
        failures = 0;
        current = chunk.cursor;
        if (chunk.note) sink.warn(`[${label}] ${chunk.note}`);
        for (const line of chunk.lines) sink.info(`[${label}] ${line.text}${line.cut ? ' …(line cut)' : ''}`);
      }
      return { kind: 'stopped' };
    } catch (error) {
      if (signal.aborted) return { kind: 'stopped' };
      const classified = classifyForEditor(error);
      if (classified.kind === 'cancelled') return { kind: 'stopped' };
      failures += 1;
      const why = classified.kind === 'refused' ? 'refused' : isEndpointGap(classified) ? 'endpoint' : failures >= retry.maxFailures ? 'repeated' : undefined;
      const { title } = plainError(classified);
      if (why) {
        sink.error(`[${label}] Could not read the log: ${title}`);
        return { kind: 'gave-up', error: classified, failures, why, cursor: current };
      }
      const wait = retry.delayMs * failures;
      sink.error(`[${label}] Could not read the log: ${title} Trying again in ${Math.round(wait / 1000)} s (${failures} of ${retry.maxFailures}).`);
      await sleep(wait, signal);
    }
  }
  return { kind: 'stopped' };
}

/** The notification when following gave up: that it stopped, why, and what to do. */
export function gaveUpMessage(end: Extract<FollowEnd, { kind: 'gave-up' }>, what: string, stack: string): string {
  const { title, detail } = plainError(end.error);
  const after = end.why === 'repeated' ? ` after ${end.failures} failed reads in a row` : '';
  return `Stopped following ${what} of ${stack}${after}. ${title} ${detail}`;
}
