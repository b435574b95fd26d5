// A namespace import lets esbuild drop what the webview bundles do not use (zod's locales: ~260 KB).
import * as z from 'zod';

/** Building blocks of every panel's protocol: bounded strings and numbers, request ids. */

export const text = (max: number) => z.string().max(max);
export const isoTime = z.iso.datetime({ offset: true });
/** Requests carry an id the response repeats; the webview counts them from 1. */
export const requestId = z.number().int().positive().max(2 ** 31);

/** The host's answer to any request; no error means it was done (or the user cancelled a confirmation). */
export const responseSchema = z.strictObject({
  type: z.literal('response'),
  id: requestId,
  error: text(2000).optional(),
  /** The user said no to a confirmation: nothing was done, and that is not an error. */
  cancelled: z.literal(true).optional(),
});
export type Response = z.infer<typeof responseSchema>;

/** The webview tells the host what it dropped, so the host's log shows it too. */
export const rejectedSchema = z.strictObject({ type: z.literal('rejected'), reason: text(300) });
/** Sent once the webview listens, so the host does not post into the void. */
export const readySchema = z.strictObject({ type: z.literal('ready') });
