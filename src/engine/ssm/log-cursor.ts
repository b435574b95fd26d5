/** Where a log source is read from; the caller keeps the cursor (it is plain JSON) and passes it back. */
export type LogCursor =
  | {
      kind: 'container';
      /** Compose service name, e.g. "n8n". */
      service: string;
      /** Docker timestamp (RFC 3339, nanoseconds) of the last line delivered; absent before the first line. */
      since?: string;
      /** How many lines carrying exactly `since` were already delivered; `docker logs --since` repeats them. */
      seenAtSince: number;
      /** Lines of history to start with, before there is a `since`. */
      tail: number;
    }
  | { kind: 'bootstrap'; /** Byte offset of the next unread byte. */ offset: number };

export interface LogLine {
  text: string;
  /** Docker's timestamp for container lines. */
  timestamp?: string;
  /** The line was longer than one chunk and was cut. */
  cut?: boolean;
}

export interface LogChunk {
  lines: LogLine[];
  /** Pass this to the next fetch. */
  cursor: LogCursor;
  /** More is waiting right now: fetch again without pausing. */
  more: boolean;
  /** Something the user should know (no container yet, the log was replaced, …). */
  note?: string;
}

export function containerCursor(service: string, tail = 200): LogCursor {
  return { kind: 'container', service, seenAtSince: 0, tail };
}

export function bootstrapCursor(): LogCursor {
  return { kind: 'bootstrap', offset: 0 };
}

const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?(.*)$/s;

/**
 * Turns a chunk of `docker logs --timestamps --since <cursor>` into lines and the next cursor (pure).
 * --since is inclusive, so the instance drops the `seenAtSince` lines at exactly the cursor's instant before
 * the chunk is cut (see logs.ts); what arrives here is all new. The count of lines at the last instant carries
 * over when that instant is still the cursor's. Lines without a timestamp belong to the instant before them.
 */
export function advanceContainerCursor(
  cursor: Extract<LogCursor, { kind: 'container' }>,
  rawLines: readonly string[],
  lastLineCut: boolean,
): { lines: LogLine[]; cursor: Extract<LogCursor, { kind: 'container' }> } {
  let currentTs = cursor.since;
  let currentCount = cursor.since === undefined ? 0 : cursor.seenAtSince;
  const lines = rawLines.map((raw, index): LogLine => {
    const match = TIMESTAMPED.exec(raw);
    const timestamp = match?.[1] ?? currentTs;
    currentCount = timestamp === currentTs ? currentCount + 1 : 1;
    currentTs = timestamp;
    const cut = lastLineCut && index === rawLines.length - 1;
    return { text: match ? (match[2] ?? '') : raw, ...(timestamp === undefined ? {} : { timestamp }), ...(cut ? { cut } : {}) };
  });
  if (lines.length === 0 || currentTs === undefined) return { lines, cursor };
  return { lines, cursor: { ...cursor, since: currentTs, seenAtSince: currentCount } };
}
