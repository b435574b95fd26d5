import type { SecretAge } from '../engine-types';
import type { StackEntry } from '../stacks-source';
import { localDay, type ViewFormat } from './format';
import type { LazyView } from './lazy-cache';

/**
 * Whether a stack's secrets are due for rotation (its `rotateAfterDays`), from Parameter Store's ages. Read only
 * when the stack is expanded or on Refresh, never on an automatic refresh, and a failed read only leaves the mark off.
 */
export type SecretAgesView = LazyView<SecretAge[]>;

/** The description's words for a stack with a secret due. */
export const ROTATION_DUE_WORDS = 'secret rotation due';

/** Only a stack whose configuration sets rotateAfterDays can have a secret due, and only while its secrets exist. */
export function agesReadable(entry: StackEntry): boolean {
  const state = entry.state;
  return state !== undefined && state.config.rotateAfterDays !== undefined && !['new', 'destroying', 'destroyed'].includes(state.status);
}

/** The secrets due, as last read (none when not read or the read failed). */
export function dueSecrets(view: SecretAgesView | undefined): SecretAge[] {
  return view?.state === 'loaded' ? view.value.filter((age) => age.due) : [];
}

/** The tooltip's paragraph for a stack with secrets due. */
export function rotationLines(entry: StackEntry, view: SecretAgesView | undefined, format: ViewFormat): string[] {
  const due = dueSecrets(view);
  if (due.length === 0) return [];
  const days = entry.state?.config.rotateAfterDays;
  const rows = due.map((age) => `${age.name}: changed ${localDay(age.lastChangedAt, format)} (${age.ageDays} days ago)`);
  return [`**Secret rotation due** — older than rotateAfterDays (${days ?? '?'} days):  \n${rows.join('  \n')}  \nRight-click the stack → Rotate Secrets… to change them.`];
}
