import { DEFAULT_RETRY, followWithRetries as follow, type FollowEnd, type FollowRetry, type LogChunk, type LogCursor } from '../../engine';
import { isEndpointGap, plainError } from '../error-words';

export { DEFAULT_RETRY, type FollowEnd, type FollowRetry } from '../../engine';

/** Where a followed log's lines and its own messages go (an output channel; tests collect them). */
export interface FollowSink {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

/**
 * Follows a log into the sink until the signal aborts, through the engine's retrying follower (the CLI's too):
 * a failed read is said in plain words and retried from the same cursor; the caller says why it gave up.
 */
export function followWithRetries(
  open: (cursor: LogCursor) => Promise<AsyncIterable<LogChunk>>,
  cursor: LogCursor,
  label: string,
  sink: FollowSink,
  signal: AbortSignal,
  retry: FollowRetry = DEFAULT_RETRY,
): Promise<FollowEnd> {
  return follow(open, cursor, {
    chunk(chunk) {
      if (chunk.note) sink.warn(`[${label}] ${chunk.note}`);
      for (const line of chunk.lines) sink.info(`[${label}] ${line.text}${line.cut ? ' …(line cut)' : ''}`);
    },
    failed(error, failures, retryInMs) {
      const { title } = plainError(error);
      if (retryInMs === undefined) sink.error(`[${label}] Could not read the log: ${title}`);
      else sink.error(`[${label}] Could not read the log: ${title} Trying again in ${Math.round(retryInMs / 1000)} s (${failures} of ${retry.maxFailures}).`);
    },
  }, signal, { retry, isEndpointGap });
}

/** The notification when following gave up: that it stopped, why, and what to do. */
export function gaveUpMessage(end: Extract<FollowEnd, { kind: 'gave-up' }>, what: string, stack: string): string {
  const { title, detail } = plainError(end.error);
  const after = end.why === 'repeated' ? ` after ${end.failures} failed reads in a row` : '';
  return `Stopped following ${what} of ${stack}${after}. ${title} ${detail}`;
}
