import '../shared/zod-jitless';
import './cost.css';
import { costPanelStateSchema, hostToCostSchema, type CostSnapshot, type CostToHost, type HostToCost } from '../../src/protocol/cost';
import { focusKeepingRoot } from '../shared/redraw';
import { SnapshotPanel } from '../shared/snapshot-panel';
import { renderCost, stackKey, type View } from './render';

/** The stack last scrolled to, so a refresh does not pull the view back to it. */
let shownFocus: string | undefined;

const panel = new SnapshotPanel<CostSnapshot, HostToCost, CostToHost>({
  stateSchema: costPanelStateSchema,
  schema: hostToCostSchema,
  snapshotOf: (message) => (message.type === 'cost' ? message.snapshot : undefined),
  draw,
});

const view = (): View => ({
  snapshot: panel.snapshot, busy: panel.busy, notice: panel.notice,
  onRefresh: () => void panel.run('refresh', (id) => ({ type: 'refresh', id }), 'Costs worked out again.'),
  onPause: (stack) => void panel.run(`pause:${stackKey(stack)}`, (id) => ({ type: 'pause', id, stack: stack.target }),
    `Stack ${stack.target.name} is paused: its instance no longer bills; storage still does.`),
});

const screen = focusKeepingRoot();

/** Scrolls to the stack the panel was opened for, once per request. */
function revealFocus(): void {
  const focus = panel.snapshot?.focus;
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

panel.start();
