import { z } from 'zod';
import type { Engine } from '../../engine';
import type { StackEntry } from '../stacks-source';
import type { PoolView } from '../tree/workers-nodes';

/* No vscode import: the tree's tests check these words and the rows the command runs on. */

export type CapacityResult = Awaited<ReturnType<Engine['workers']['setCapacity']>>;

/** The config's limit for a pool (the engine's MAX_POOL_SIZE). */
const MOST = 100;

const entryShape = z.looseObject({ ref: z.looseObject({ name: z.string(), stateDir: z.string() }) });
const poolNodeShape = z.looseObject({
  kind: z.literal('pool'), entry: entryShape,
  pool: z.looseObject({ pool: z.enum(['n8n', 'ollama']), groupName: z.string(), missing: z.boolean(), ours: z.boolean() }),
});

/** The pool of a Workers row, with its stack: VS Code hands back the element objects the tree gave it. */
export function poolNodeOf(arg: unknown): { entry: StackEntry; pool: PoolView } | undefined {
  return poolNodeShape.safeParse(arg).success ? arg as { entry: StackEntry; pool: PoolView } : undefined;
}

export const POOL_WORDS = { n8n: 'n8n workers', ollama: 'Ollama workers' } as const;

/** An input box's check of one size: a whole number 1–100 within `bounds`; 0 is Pause Stack's job. Undefined: fine. */
export function sizeProblem(field: 'min' | 'max' | 'desired', typed: string, bounds: { atLeast?: number; atMost?: number } = {}): string | undefined {
  const text = typed.trim();
  if (!/^\d+$/.test(text)) return `The ${field} must be a whole number of workers, 1 to ${MOST}.`;
  const value = Number(text);
  if (value === 0) return `0 workers is what Pause Stack does (every pool to 0 and the main instance stopped; the data stays). A running pool has at least 1.`;
  if (value > MOST) return `At most ${MOST} workers per pool (the config's limit).`;
  if (bounds.atLeast !== undefined && value < bounds.atLeast) return `The ${field} must be at least ${bounds.atLeast} (the min you chose).`;
  if (bounds.atMost !== undefined && value > bounds.atMost) return `The ${field} must be at most ${bounds.atMost} (the max you chose).`;
  return undefined;
}

/** The quick pick's line for a pool. */
export function poolItem(pool: PoolView): { label: string; description: string } {
  return { label: POOL_WORDS[pool.pool], description: `${pool.inService}/${pool.desired} in service · min ${pool.min} · max ${pool.max}${pool.condition === 'degraded' ? ' · degraded' : ''}` };
}

/** What the notification says: the sizes AWS read back, what runs, and that the config file keeps its numbers. */
export function capacityMessage(name: string, result: CapacityResult): string {
  const head = result.changed
    ? `The ${POOL_WORDS[result.pool]} of stack ${name} now have min ${result.min}, max ${result.max}, desired ${result.desired}, as AWS reads them back; ${result.summary}.`
    : `The ${POOL_WORDS[result.pool]} of stack ${name} already had min ${result.min}, max ${result.max}, desired ${result.desired}: nothing was changed.`;
  const file = result.notes.find((note) => /config file/.test(note));
  return file ? `${head} ${file.slice(file.indexOf('The config file'))}` : head;
}
