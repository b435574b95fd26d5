import type { Draft } from '../../src/protocol/wizard';

/**
 * Which fields' errors the user should see (pure, no DOM). Nothing is judged before input: a field's errors show
 * once the user has left it or set it, and all of a step's once Next was pressed on it.
 */
export class Touched {
  private readonly fields = new Set<string>();
  /** Next was pressed on this step. */
  private step = false;

  add(...fields: readonly string[]): void {
    for (const field of fields) this.fields.add(field);
  }

  /** An error on `field` (a dotted path) shows when the field or a parent of it was touched. */
  covers(field: string): boolean {
    if (this.step) return true;
    return [...this.fields].some((touched) => field === touched || field.startsWith(`${touched}.`));
  }

  revealStep(): void {
    this.step = true;
  }

  /** A new step starts quiet; what was touched before stays touched. */
  newStep(): void {
    this.step = false;
  }

  reset(): void {
    this.fields.clear();
    this.step = false;
  }
}

/** The account step checks these credentials: one region and profile. */
export const identityKey = (region: string, profile: string | undefined) => `${region}|${profile ?? ''}`;

/** What a price depends on; other edits (the name, a model) do not ask the cost engine again. */
export const estimateKey = (draft: Draft) => JSON.stringify([draft.tier, draft.region, draft.profile ?? '', draft.instanceType, draft.market, draft.cloudFront ?? false, draft.scale ?? null]);

/** The draft's keys whose value differs from the defaults: what a config file set. */
export function changedKeys(defaults: Draft, draft: Draft): string[] {
  const keys = new Set([...Object.keys(defaults), ...Object.keys(draft)] as (keyof Draft)[]);
  return [...keys].filter((key) => JSON.stringify(defaults[key]) !== JSON.stringify(draft[key]));
}
