import '../shared/zod-jitless';
import './health.css';
import { healthPanelStateSchema, hostToHealthSchema, type HealthSnapshot, type HealthToHost, type HostToHealth } from '../../src/protocol/health';
import { focusKeepingRoot } from '../shared/redraw';
import { SnapshotPanel } from '../shared/snapshot-panel';
import { renderHealth, type ServiceAction, type View } from './render';

const DONE: Record<ServiceAction, (name: string) => string> = {
  showLogs: (name) => `Showing the logs of ${name} in the Output panel.`,
  restart: (name) => `Restart of ${name} finished; the next check shows how it came back.`,
  open: (name) => `Opening ${name}.`,
};

const panel = new SnapshotPanel<HealthSnapshot, HostToHealth, HealthToHost>({
  stateSchema: healthPanelStateSchema,
  schema: hostToHealthSchema,
  snapshotOf: (message) => (message.type === 'health' ? message.snapshot : undefined),
  draw,
});

const view = (): View => ({
  snapshot: panel.snapshot, busy: panel.busy, notice: panel.notice,
  // The "checked" time in the header says a refresh happened; an empty notice clears an older one.
  onRefresh: () => void panel.run('refresh', (id) => ({ type: 'refresh', id }), ''),
  onAction: (action, row) => void panel.run(`${row.name}:${action}`, (id) => ({ type: action, id, service: row.name }), DONE[action](row.displayName)),
  onFix: (fix) => void panel.run(`fix:${fix}`, (id) => ({ type: 'fix', id, fix }), ''),
});

const screen = focusKeepingRoot();

/** Re-renders everything, keeping keyboard focus on the same control. */
function draw(): void {
  screen.replace(renderHealth(view()));
}

panel.start();
