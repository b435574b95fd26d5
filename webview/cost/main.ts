import '../shared/zod-jitless';
import './cost.css';
import { costPanelStateSchema, hostToCostSchema, type CostPanelState, type CostSnapshot, type CostToHost, type HostToCost } from '../../src/protocol/cost';
import { WebviewChannel } from '../shared/channel';
import { focusKeepingRoot } from '../shared/redraw';
import { vscodeApi } from '../shared/vscode-api';
import { renderCost, stackKey, type View } from './render';

const api = vscodeApi();
// State saved by an earlier load is checked like any message: it survives reloads and could be stale.
const saved = costPanelStateSchema.safeParse(api.getState());
let snapshot: CostSnapshot | undefined = saved.success ? saved.data.snapshot : undefined;
const busy = new Set<string>();
let notice: View['notice'];
/** The stack last scrolled to, so a refresh does not pull the view back to it. */
let shownFocus: string | undefined;

const channel = new WebviewChannel<HostToCost, CostToHost>(api, hostToCostSchema, (message) => {
  if (message.type !== 'cost') return;
  snapshot = message.snapshot;
  const state: CostPanelState = { version: 1, snapshot };
  api.setState(state);
  draw();
});

async function run(key: string, send: (id: number) => Extract<CostToHost, { id: number }>, done: string): Promise<void> {
  busy.add(key);
  draw();
  const response = await channel.request(send);
  busy.delete(key);
  notice = response.error ? { text: response.error, error: true } : response.cancelled ? undefined : { text: done, error: false };
  draw();
}

const view = (): View => ({
  snapshot, busy, notice,
  onRefresh: () => void run('refresh', (id) => ({ type: 'refresh', id }), 'Costs worked out again.'),
  onPause: (stack) => void run(`pause:${stackKey(stack)}`, (id) => ({ type: 'pause', id, stack: stack.target }),
    `Stack ${stack.target.name} is paused: its instance no longer bills; storage still does.`),
});

const screen = focusKeepingRoot();

/** Scrolls to the stack the panel was opened for, once per request. */
function revealFocus(): void {
  const focus = snapshot?.focus;
  const key = focus ? `${focus.stateDir}::${focus.name}` : undefined;
  if (!key || key === shownFocus) return;
  const section = [...screen.root.querySelectorAll<HTMLElement>('section.stack')].find((s) => s.dataset.stack === key);
  if (!section) return;
  shownFocus = key;
  section.scrollIntoView({ block: 'start' });
  section.focus({ preventScroll: true });
}

/** Re-renders everything, keeping keyboard focus on the same control. */
function draw(): void {
  screen.replace(renderCost(view()));
  revealFocus();
}

draw();
channel.post({ type: 'ready' });
