import { type BootstrapStatus, type GeuseError, type LogChunk } from '../../engine';
import { BOOTSTRAP_TAIL_LINES, type WizardProgress } from '../../protocol/wizard';

/** The bootstrap log as the progress view shows it, folded from log chunks and status reads (pure). */
export type BootstrapView = NonNullable<WizardProgress['bootstrap']>;

const LINE_MAX = 500;
const cut = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);

export const WAITING: BootstrapView = { state: 'waiting', lines: [], note: 'The instance is starting; its log appears once the SSM agent answers (usually within two minutes).' };

/** New lines appended, the oldest dropped; the chunk's note (log replaced, not there yet) shown. */
export function withChunk(view: BootstrapView, chunk: Pick<LogChunk, 'lines' | 'note'>): BootstrapView {
  const added = chunk.lines.map((line) => cut(`${line.text}${line.cut ? ' …(line cut)' : ''}`, LINE_MAX));
  const lines = [...view.lines, ...added].slice(-BOOTSTRAP_TAIL_LINES);
  const { note: _old, ...rest } = view;
  return { ...rest, lines, ...(chunk.note ? { note: cut(chunk.note, 500) } : {}) };
}

/** The instance's own report: running, ok, failed at a step, interrupted. Nothing reported yet keeps the view. */
export function withStatus(view: BootstrapView, status: BootstrapStatus | undefined): BootstrapView {
  if (!status) return view.state === 'waiting' && view.lines.length > 0 ? { ...view, state: 'running' } : view;
  return { ...view, state: status.state === 'ok' ? 'ok' : status.state, step: cut(status.step, 64) };
}

/** A failed read: agent not online yet is waiting; anything else is said, and the tail keeps trying. */
export function withError(view: BootstrapView, error: GeuseError): BootstrapView {
  if (error.code === 'SSM_AGENT_OFFLINE') return { ...view, note: WAITING.note };
  return { ...view, note: cut(`Could not read the log just now: ${error.message}`, 500) };
}

export function isFinal(view: BootstrapView): boolean {
  return view.state === 'ok' || view.state === 'failed' || view.state === 'interrupted' || view.state === 'stopped';
}

export function stopped(view: BootstrapView, why: string): BootstrapView {
  return { ...view, state: 'stopped', note: cut(why, 500) };
}
