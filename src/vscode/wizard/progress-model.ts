import { type ProgressEvent } from '../../engine';

export type StepState = 'running' | 'waiting' | 'done' | 'failed';

export interface ProgressRow {
  step: string;
  title: string;
  state: StepState;
  elapsedMs: number;
  /** "waiting for EFS mount target in us-east-1b…" */
  detail?: string;
}

export interface ProgressView {
  rows: ProgressRow[];
  notes: string[];
}

/** Folds the engine's progress events into the rows the live view shows, in the order steps started. */
export function foldProgress(view: ProgressView, event: ProgressEvent): ProgressView {
  if (event.type === 'note') return { ...view, notes: [...view.notes, event.message] };
  const rows = [...view.rows];
  const index = rows.findIndex((row) => row.step === event.step);
  const previous = index >= 0 ? rows[index] : undefined;
  let next: ProgressRow;
  switch (event.type) {
    case 'step-started':
      next = { step: event.step, title: event.title, state: 'running', elapsedMs: 0 };
      break;
    case 'step-waiting':
      next = { step: event.step, title: previous?.title ?? event.step, state: 'waiting', elapsedMs: event.elapsedMs, detail: `waiting for ${event.waitingFor}…` };
      break;
    case 'step-done':
      next = { step: event.step, title: event.title, state: 'done', elapsedMs: event.elapsedMs, detail: event.detail ? `${event.outcome}: ${event.detail}` : event.outcome };
      break;
    case 'step-failed':
      next = { step: event.step, title: event.title, state: 'failed', elapsedMs: event.elapsedMs, detail: `${event.error.message} ${event.error.nextStep}` };
      break;
  }
  if (index >= 0) rows[index] = next;
  else rows.push(next);
  return { ...view, rows };
}

export const EMPTY_PROGRESS: ProgressView = { rows: [], notes: [] };
