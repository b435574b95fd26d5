import type { GeuseError } from './errors';

/** What long operations report while they run; the CLI prints it, the extension shows it in withProgress. */
export type ProgressEvent =
  | { type: 'step-started'; step: string; title: string }
  | { type: 'step-waiting'; step: string; waitingFor: string; elapsedMs: number }
  | { type: 'step-done'; step: string; title: string; outcome: StepOutcome; detail?: string; elapsedMs: number }
  | { type: 'step-failed'; step: string; title: string; error: GeuseError; elapsedMs: number }
  | { type: 'note'; message: string };

export type StepOutcome = 'created' | 'reused' | 'kept' | 'deleted' | 'gone' | 'done';

export type ProgressListener = (event: ProgressEvent) => void;

export const silentProgress: ProgressListener = () => undefined;
