import { spinner } from '../components';
import { el } from './dom';
import type { Notice } from './snapshot-panel';

/** The panel's `main`, busy while the host works; before the first snapshot it says only what it waits for. */
export function panelMain(busy: boolean, waitingFor?: string): HTMLElement {
  const main = el('main', { attrs: { 'aria-busy': String(busy) } });
  if (waitingFor !== undefined) main.append(el('p', { className: 'summary' }, spinner('Loading'), el('span', { text: ` ${waitingFor}` })));
  return main;
}

/** A classified error with its next step, announced at once. */
export function errorBanner(text: string): HTMLElement {
  return el('p', { className: 'banner error', text, attrs: { role: 'alert' } });
}

/** The outcome of the last action; always present (maybe empty) so screen readers hear each change. */
export function noticeLine(notice: Notice | undefined): HTMLElement {
  return el('p', { className: `notice${notice?.error ? ' error' : ''}`, text: notice?.text ?? '', attrs: { 'aria-live': 'polite' } });
}
