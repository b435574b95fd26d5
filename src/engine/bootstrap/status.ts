import { z } from 'zod';
import { names } from '../stack/naming';

/**
 * Where the instance reports how its bootstrap went. A plain String parameter next to the stack's secrets:
 * the instance role may write this one name only (iam.ts), and the engine reads it like any other parameter.
 */
export function bootstrapStatusParameter(stack: string): string {
  return `${names.parameterPath(stack)}status/bootstrap`;
}

/** The parameter's value: "running" while booting, then "ok" or "failed" (with the failed step), or "interrupted" by spot. */
export const bootstrapStatusSchema = z.object({
  state: z.enum(['running', 'ok', 'failed', 'interrupted']),
  step: z.string(),
  at: z.string(),
});
export type BootstrapStatus = z.infer<typeof bootstrapStatusSchema>;
