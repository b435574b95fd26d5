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
      /** Docker timestamp the first window starts at (with `tail`), before there is a `since`. */
      from?: string;
    }
  | {
      kind: 'bootstrap';
      /** Byte offset of the next unread byte. */
      offset: number;
      /** Start at the last this-many lines instead of the beginning (first read only, from offset 0). */
      tail?: number;
    };

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

/** Docker's timestamp shape (RFC 3339, nanoseconds, UTC), so "since" compares like the log's own stamps. */
export function dockerTime(at: Date): string {
  return at.toISOString().replace(/Z$/, '000000Z');
}

/**
 * Where a log read starts when the user says how much history: the last `tail` lines, those since `since`,
 * or the last `tail` lines of those since `since`. The bootstrap log has no timestamp on every line, so it
 * takes only `tail`.
 */
export function startCursor(source: { service: string } | { bootstrap: true }, window: { tail?: number; since?: Date } = {}): LogCursor {
  if ('bootstrap' in source) return window.tail === undefined ? bootstrapCursor() : { kind: 'bootstrap', offset: 0, tail: window.tail };
  const since = window.since === undefined ? undefined : dockerTime(window.since);
  if (since === undefined) return containerCursor(source.service, window.tail);
  // Nothing was delivered at `since` yet, so none of its lines is skipped (seenAtSince 0).
  if (window.tail === undefined) return { kind: 'container', service: source.service, since, seenAtSince: 0, tail: 0 };
  return { kind: 'container', service: source.service, seenAtSince: 0, tail: window.tail, from: since };
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
  const next = { ...cursor, since: currentTs, seenAtSince: currentCount };
  // Once there is a `since`, the first window's start no longer matters.
  delete next.from;
  return { lines, cursor: next };
}
