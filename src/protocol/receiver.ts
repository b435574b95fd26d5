import type { z } from 'zod';

/**
 * Shared by the extension host and the webviews (no DOM, no Node): every message either side receives goes
 * through here first, so nothing unchecked is ever acted on.
 */

/** Largest message accepted, as JSON characters; a health snapshot is a few KiB. */
export const MAX_MESSAGE_CHARS = 256 * 1024;

export type Checked<T> = { ok: true; message: T } | { ok: false; reason: string };

/** JSON size of a value, or undefined when it has no JSON form (cycles, BigInt, functions at the top). */
function jsonSize(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value);
    return typeof text === 'string' ? text.length : undefined;
  } catch {
    return undefined;
  }
}

/** Where and what went wrong, never the offending value: reasons go to logs and must not echo hostile input. */
function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.').slice(0, 80);
  const what = issue.code === 'invalid_union' ? 'unknown message type' : issue.code;
  return path ? `${what} at ${path}` : what;
}

/** Checks one received message: size first (cheap, and before zod walks a huge payload), then shape. */
export function checkMessage<T>(schema: z.ZodType<T>, raw: unknown, maxChars = MAX_MESSAGE_CHARS): Checked<T> {
  const size = jsonSize(raw);
  if (size === undefined) return { ok: false, reason: 'not a JSON message' };
  if (size > maxChars) return { ok: false, reason: `message too large (${size} > ${maxChars} characters)` };
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, reason: describe(parsed.error) };
}

export interface ReceiverOptions<T> {
  schema: z.ZodType<T>;
  onMessage(message: T): void;
  /** Logged by the caller; the message itself is dropped. */
  onReject(reason: string): void;
  maxChars?: number;
}

/** A message handler that only ever passes valid messages on; everything else is rejected and reported. */
export function createReceiver<T>(options: ReceiverOptions<T>): (raw: unknown) => void {
  return (raw) => {
    const checked = checkMessage(options.schema, raw, options.maxChars);
    if (checked.ok) options.onMessage(checked.message);
    else options.onReject(checked.reason);
  };
}
