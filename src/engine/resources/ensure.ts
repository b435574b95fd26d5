import { randomUUID } from 'node:crypto';
import type { StepContext } from '../context';
import type { ResourceKind } from '../state/schema';
import { awsErrorCode, isNotFound } from '../aws/classify';
import { actOnce, type OnceContext } from './once';
import { sleep } from '../wait';

export interface Found {
  id: string;
  attrs?: Record<string, string>;
}

export interface EnsureSpec {
  key: string;
  kind: ResourceKind;
  /** Looks the journaled resource up by id; undefined when it no longer exists. */
  describe(id: string): Promise<Found | undefined>;
  /** Finds what an interrupted earlier attempt created (by tag, creation token or fixed name). */
  findOrphan(): Promise<Found | undefined>;
  /** Creates it, passing the idempotency token journaled with the intent. */
  create(token: string): Promise<Found>;
}

export interface Ensured {
  found: Found;
  outcome: 'created' | 'reused';
}

/**
 * Journal discipline for every resource: reuse what the journal knows (if it still exists), adopt
 * what an interrupted attempt left behind, otherwise write the intent, create, and record the id.
 * An orphan can only exist after an intent was journaled, so fresh resources cost no extra lookup.
 */
export async function ensureResource(ctx: StepContext, spec: EnsureSpec): Promise<Ensured> {
  const record = ctx.journal.record(spec.key);
  if (record?.status === 'created' && record.id) {
    const existing = await spec.describe(record.id);
    if (existing) {
      await ctx.journal.created(spec.key, spec.kind, existing.id, existing.attrs);
      return { found: existing, outcome: 'reused' };
    }
    await ctx.report.note(`${spec.key} (${record.id}) no longer exists in AWS; creating it again.`);
  }
  if (record?.status === 'intent') {
    const orphan = await spec.findOrphan();
    if (orphan) {
      await ctx.journal.created(spec.key, spec.kind, orphan.id, orphan.attrs);
      return { found: orphan, outcome: 'created' };
    }
  }
  const token = record?.status === 'intent' && record.token ? record.token : `gm-${ctx.stack}-${spec.key}-${randomUUID()}`.slice(0, 64);
  await ctx.journal.intent(spec.key, spec.kind, token);
  const created = await createOrAdopt(ctx, spec, token);
  await ctx.journal.created(spec.key, spec.kind, created.id, created.attrs);
  return { found: created, outcome: 'created' };
}

/**
 * A create that fails may still have happened (its answer lost on the way back), or may answer "already exists"
 * about what its own first attempt made: actOnce looks for that before sending again, and it is adopted.
 */
async function createOrAdopt(ctx: StepContext, spec: EnsureSpec, token: string): Promise<Found> {
  const { value, found, error } = await actOnce(onceOf(ctx), { send: () => spec.create(token), find: spec.findOrphan });
  if (found) await ctx.report.note(`${spec.key}: ${value.id} was made by an earlier attempt whose answer was lost or repeated (AWS said ${awsErrorCode(error) ?? 'nothing'}); it is used.`);
  return value;
}

/** The step's timing and its one cancellation signal, for actOnce and applyOnce. */
export function onceOf(ctx: StepContext): OnceContext {
  return { timing: ctx.timing, signal: ctx.report.signal };
}

/**
 * Real AWS is eventually consistent right after our own creates (InvalidVpcID.NotFound,
 * InvalidGroup.NotFound…): retry not-found errors briefly before giving up.
 */
export async function retryNotFound<T>(ctx: StepContext, operation: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + Math.min(ctx.timing.eventualConsistencyTimeoutMs, 60_000);
  let delay = Math.max(10, ctx.timing.pollIntervalMs / 5);
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (!isNotFound(error) || Date.now() > deadline) throw error;
      await sleep(delay, ctx.report.signal);
      delay = Math.min(delay * 2, ctx.timing.pollIntervalMs * 2);
    }
  }
}
