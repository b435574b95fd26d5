import type { AppliedVersion, DeployPlan, StackState } from '../../engine';
import { localDate, type ViewFormat } from '../tree/format';

/**
 * Show History's words, with no vscode types (unit-tested): the quick pick of a stack's applied versions, the
 * actions each offers, and what a roll back says when it is done.
 */

export type StackHistory = Pick<StackState, 'name' | 'history' | 'pending'>;
export type PendingChange = NonNullable<StackState['pending']>;

/** What a row of the history stands for. */
export type HistoryChoice =
  | { kind: 'version'; version: AppliedVersion; applied: boolean }
  | { kind: 'pending'; pending: PendingChange; applied?: AppliedVersion };

export interface HistoryItem {
  label: string;
  description: string;
  detail: string;
  choice: HistoryChoice;
}

/** Words after which the applied version is marked in the quick pick. */
export const APPLIED_MARK = 'applied now';

const summaryOf = (summary: readonly string[], none: string) => (summary.length > 0 ? summary.join('; ') : none);

/** The rows: a change that did not finish first, then the versions newest first (the applied one marked). */
export function historyItems(history: StackHistory, format: ViewFormat): HistoryItem[] {
  const applied = history.history.at(-1);
  const items: HistoryItem[] = [];
  if (history.pending) {
    items.push({
      label: '$(warning) Unfinished change',
      description: `started ${localDate(history.pending.startedAt, format)} · did not finish`,
      detail: summaryOf(history.pending.summary, 'no setting changes'),
      choice: { kind: 'pending', pending: history.pending, applied },
    });
  }
  for (const version of [...history.history].reverse()) {
    const isApplied = version.version === applied?.version;
    items.push({
      label: `${isApplied ? '$(check) ' : ''}Version ${version.version}`,
      description: [...(isApplied ? [APPLIED_MARK] : []), localDate(version.at, format), version.machine].join(' · '),
      detail: summaryOf(version.summary, 'configuration changed'),
      choice: { kind: 'version', version, applied: isApplied },
    });
  }
  return items;
}

/** What can be done with a row. */
export type HistoryActionId = 'rollback' | 'finish' | 'show';

export interface HistoryAction {
  id: HistoryActionId;
  label: string;
  detail: string;
  /** The version a roll back goes to. */
  version?: AppliedVersion;
}

export const ROLL_BACK_LABEL = 'Roll Back to This Version…';

export function historyActions(choice: HistoryChoice): HistoryAction[] {
  if (choice.kind === 'pending') {
    const applied = choice.applied;
    return [
      { id: 'finish', label: 'Finish This Change…', detail: 'Deploy the unfinished configuration again: it picks up where it stopped (the plan is shown first).' },
      ...(applied ? [{ id: 'rollback' as const, label: `Roll Back to Version ${applied.version}…`, detail: `Return to the configuration applied in full (version ${applied.version}); the plan is shown first.`, version: applied }] : []),
      { id: 'show', label: 'Show the Unfinished Configuration', detail: 'Its settings as geusemaker.yaml, read-only.' },
    ];
  }
  const { version } = choice;
  return [
    ...(choice.applied ? [] : [{ id: 'rollback' as const, label: ROLL_BACK_LABEL, detail: `Plan the changes back to version ${version.version}'s configuration and show them before anything changes.`, version }]),
    { id: 'show', label: 'Show This Version\'s Configuration', detail: `Version ${version.version}'s settings as geusemaker.yaml, read-only.` },
  ];
}

/** What the plan before a roll back is for: which version, applied when and where (the engine's plan follows). */
export function rollbackHeader(name: string, version: AppliedVersion): string[] {
  return [`Roll back stack ${name} to version ${version.version} (applied ${version.at.replace('T', ' ').slice(0, 16)} UTC on ${version.machine}):`, ''];
}

/** The notification after a roll back, from the state it left: which version it returned to, and how that is recorded. */
export function rollbackOutcome(name: string, to: AppliedVersion, result: { state: Pick<StackState, 'history'>; plan: Pick<DeployPlan, 'diff'>; notes: readonly string[] }): string {
  const recorded = result.state.history.at(-1)?.version;
  const notes = result.notes.length > 0 ? ` ${result.notes.join(' ')}` : '';
  if (result.plan.diff?.unchanged) return `Stack ${name} already runs the configuration of version ${to.version}: nothing changed.${notes}`;
  const as = recorded !== undefined && recorded !== to.version ? ` (recorded as version ${recorded})` : '';
  return `Stack ${name} rolled back to version ${to.version}${as}.${notes}`;
}
