import { type GeuseError, type ProgressEvent, type ServiceSpec } from '../../engine';
import type { WizardProgress } from '../../protocol/wizard';
import { foldProgress } from './progress-model';

/** The live view of a deploy (or deletion of what it created) as the protocol carries it (pure: the panel owns the timing). */

const cut = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);

export function startRun(operation: WizardProgress['operation'], stack: string, now: Date): WizardProgress {
  return { operation, phase: 'running', stack, startedAt: now.toISOString(), rows: [], notes: [] };
}

/** One engine event folded in; rows and notes stay within the protocol's bounds. */
export function applyEvent(run: WizardProgress, event: ProgressEvent): WizardProgress {
  const view = foldProgress({ rows: run.rows, notes: run.notes }, event);
  return {
    ...run,
    rows: view.rows.slice(-100).map((row) => ({ ...row, step: cut(row.step, 64), title: cut(row.title, 200), ...(row.detail ? { detail: cut(row.detail, 2000) } : {}) })),
    notes: view.notes.slice(-50).map((note) => cut(note, 1000)),
  };
}

/** How a run ended: cancelled (the signal), failed (classified, with the next step) or done. */
export function finishRun(run: WizardProgress, now: Date, outcome: { error?: GeuseError; services?: readonly ServiceSpec[] }): WizardProgress {
  const endedAt = now.toISOString();
  const error = outcome.error;
  if (error?.kind === 'cancelled') return { ...run, phase: 'cancelled', endedAt };
  if (error) return { ...run, phase: 'failed', endedAt, error: { message: cut(error.message, 2000), nextStep: cut(error.nextStep, 1000) } };
  const services = outcome.services?.slice(0, 16).map((s) => ({ name: s.name, displayName: cut(s.displayName, 64), canOpen: s.proxyPrefix !== undefined }));
  return { ...run, phase: 'done', endedAt, ...(services ? { services } : {}) };
}
