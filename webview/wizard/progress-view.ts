import type { WizardProgress } from '../../src/protocol/wizard';
import { button, spinner } from '../components';
import { el } from '../shared/dom';
import { duration } from './format';
import type { WizardView } from './view';

/** The panel once Deploy is pressed: live rows, elapsed time, Cancel, then resume (or delete what was created) or the services. */

const STATE_WORDS = { running: 'Running', waiting: 'Waiting', done: 'Done', failed: 'Failed' } as const;

/** The run as a noun: "the deploy of demo", "the deletion of what demo's deploy created". */
const NOUNS: Record<WizardProgress['operation'], (stack: string) => string> = {
  deploy: (stack) => `the deploy of ${stack}`,
  'delete-created': (stack) => `the deletion of what ${stack}'s deploy created`,
};

const capital = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
const noun = (p: WizardProgress) => NOUNS[p.operation](p.stack);

const HEADINGS: Record<WizardProgress['phase'], (p: WizardProgress) => string> = {
  running: (p) => (p.operation === 'deploy' ? `Deploying stack ${p.stack}` : `Deleting what the deploy of ${p.stack} created`),
  cancelling: (p) => `Cancelling ${noun(p)}: stopping at the next safe point…`,
  done: (p) => (p.operation === 'deploy' ? `Stack ${p.stack} is deployed` : `What the deploy of ${p.stack} created is deleted`),
  failed: (p) => `${capital(noun(p))} failed`,
  cancelled: (p) => `${capital(noun(p))} was cancelled`,
  interrupted: (p) => `${capital(noun(p))} was interrupted by a window reload`,
};

/** Whole elapsed time of the run: to now while it runs. */
export function elapsedOf(progress: WizardProgress, now = Date.now()): string {
  const end = progress.endedAt ? Date.parse(progress.endedAt) : now;
  return duration(end - Date.parse(progress.startedAt));
}

function rows(progress: WizardProgress): HTMLElement {
  return el('table', { className: 'progress' },
    el('thead', {}, el('tr', {}, el('th', { text: 'Step' }), el('th', { text: 'State' }), el('th', { text: 'Time' }), el('th', { text: 'Detail' }))),
    el('tbody', {}, ...progress.rows.map((row) => el('tr', { className: 'row', attrs: { 'data-step': row.step, 'data-state': row.state } },
      el('td', { text: row.title }),
      el('td', { className: `state state-${row.state}`, text: STATE_WORDS[row.state] }),
      el('td', { className: 'time', text: duration(row.elapsedMs) }),
      el('td', { className: 'detail', text: row.detail ?? '' }),
    ))),
  );
}

function actions(progress: WizardProgress, view: WizardView): HTMLElement {
  const bar = el('div', { className: 'actions' });
  const busy = (key: string) => view.busy.has(key);
  if (progress.phase === 'running') bar.append(button({ label: 'Cancel', key: 'cancel', secondary: true, disabled: busy('cancel'), onClick: view.cancel }));
  const stopped = progress.phase === 'failed' || progress.phase === 'cancelled' || progress.phase === 'interrupted';
  if (stopped && progress.operation === 'deploy') {
    bar.append(
      button({ label: 'Resume Deploy', key: 'resume', disabled: busy('deploy'), title: 'Deploy again: the engine picks up where it stopped', onClick: view.deploy }),
      button({ label: 'Delete What Was Created…', key: 'deleteCreated', secondary: true, disabled: busy('deleteCreated'), title: 'Destroy what this deploy created, so nothing of it is left or bills (asks first)', onClick: view.deleteCreated }),
    );
  }
  if (stopped && progress.operation === 'delete-created') bar.append(button({ label: 'Retry Deleting…', key: 'deleteCreated', disabled: busy('deleteCreated'), title: 'Delete what is left of the deploy (asks first)', onClick: view.deleteCreated }));
  if (progress.phase === 'done' && progress.operation === 'deploy') {
    bar.append(
      button({ label: 'Show in Stacks', key: 'showInStacks', disabled: busy('showInStacks'), title: 'The stack in the Stacks view, as it is now', onClick: view.showInStacks }),
      button({ label: 'Deploy Another', key: 'another', secondary: true, disabled: busy('another'), title: 'A fresh wizard in this panel', onClick: view.another }),
    );
  }
  if (progress.phase === 'done' && progress.operation === 'delete-created') bar.append(button({ label: 'Back to the Wizard', key: 'restart', secondary: true, onClick: view.restart }));
  if (progress.phase === 'done') bar.append(button({ label: 'Close', key: 'close', secondary: true, onClick: view.close }));
  return bar;
}

/** A finished page does not follow the stack (a pause or resume replaces the instance): it says so. */
function recordNote(progress: WizardProgress): HTMLElement {
  const at = new Date(progress.endedAt ?? progress.startedAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return el('p', { className: 'banner note record', text: `This is a record of ${progress.operation === 'deploy' ? 'the deploy' : 'the deletion of what the deploy created'} at ${at}. The Stacks view shows the stack as it is now.` });
}

function services(progress: WizardProgress, view: WizardView): HTMLElement {
  return el('section', { className: 'group services' },
    el('h2', { text: 'Services' }),
    el('p', { className: 'hint', text: 'They start on the instance over the next minutes; Open starts an SSM tunnel (or uses the public URL).' }),
    el('ul', { className: 'service-list' }, ...(progress.services ?? []).map((s) => el('li', {},
      el('span', { text: s.displayName }),
      ...(s.canOpen ? [button({ label: 'Open', key: `open:${s.name}`, disabled: view.busy.has(`open:${s.name}`), title: `Open ${s.displayName}`, onClick: () => view.open(s.name) })] : [el('span', { className: 'hint', text: 'internal only' })]),
    ))),
  );
}

const BOOTSTRAP_WORDS: Record<NonNullable<WizardProgress['bootstrap']>['state'], string> = {
  waiting: 'Waiting for the instance to answer over SSM',
  running: 'Running',
  ok: 'Finished: the services are up',
  failed: 'Failed',
  interrupted: 'Interrupted by a spot reclaim',
  stopped: 'No longer followed',
};

/** The last lines of /var/log/geusemaker/bootstrap.log while the instance sets itself up. */
function bootstrapLog(bootstrap: NonNullable<WizardProgress['bootstrap']>): HTMLElement {
  const state = `${BOOTSTRAP_WORDS[bootstrap.state]}${bootstrap.step ? ` (step ${bootstrap.step})` : ''}`;
  return el('section', { className: 'group bootstrap', attrs: { 'data-state': bootstrap.state } },
    el('h2', { text: 'Instance bootstrap' }),
    el('p', { className: `bootstrap-state state-${bootstrap.state}`, text: state, attrs: { role: 'status' } }),
    ...(bootstrap.note ? [el('p', { className: 'hint', text: bootstrap.note })] : []),
    ...(bootstrap.lines.length > 0
      ? [el('pre', { className: 'log', text: bootstrap.lines.join('\n'), attrs: { tabindex: '0', 'aria-label': 'Bootstrap log, last lines' } })]
      : []),
  );
}

export function progressView(progress: WizardProgress, view: WizardView): HTMLElement[] {
  const running = progress.phase === 'running' || progress.phase === 'cancelling';
  const waiting = [...progress.rows].reverse().find((row) => row.state === 'waiting');
  const head = el('header', { className: 'top' },
    el('div', {},
      el('h1', { text: HEADINGS[progress.phase](progress) }),
      el('p', { className: 'meta' }, el('span', { text: 'Elapsed ' }), el('span', { className: 'elapsed', text: elapsedOf(progress) })),
    ),
    ...(running ? [spinner('Working')] : []),
  );
  const parts: HTMLElement[] = [head, el('p', { className: 'now', text: running && waiting?.detail ? `${waiting.title}: ${waiting.detail}` : '', attrs: { role: 'status' } })];
  if (progress.error) {
    parts.push(el('div', { className: 'banner error', attrs: { role: 'alert' } }, el('p', { className: 'error-message', text: progress.error.message }), el('p', { className: 'next-step', text: `Next step: ${progress.error.nextStep}` })));
  }
  if (progress.phase === 'cancelled' || progress.phase === 'interrupted') {
    parts.push(el('p', { className: 'banner note', text: 'Everything created so far is in the stack\'s journal: Resume Deploy continues from there; Delete What Was Created removes it.' }));
  }
  if (progress.phase === 'done') parts.push(recordNote(progress));
  parts.push(rows(progress));
  if (progress.notes.length > 0) parts.push(el('ul', { className: 'notes' }, ...progress.notes.map((n) => el('li', { text: n }))));
  if (progress.bootstrap && progress.operation === 'deploy') parts.push(bootstrapLog(progress.bootstrap));
  if (progress.phase === 'done' && progress.operation === 'deploy') parts.push(services(progress, view));
  parts.push(el('p', { className: `notice${view.notice?.error ? ' error' : ''}`, text: view.notice?.text ?? '', attrs: { 'aria-live': 'polite' } }));
  parts.push(actions(progress, view));
  return parts;
}
