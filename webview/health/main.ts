import '../shared/zod-jitless';
import './health.css';
import { healthPanelStateSchema, hostToHealthSchema, type HealthPanelState, type HealthSnapshot, type HealthToHost, type HostToHealth } from '../../src/protocol/health';
import { WebviewChannel } from '../shared/channel';
import { focusKeepingRoot } from '../shared/redraw';
import { vscodeApi } from '../shared/vscode-api';
import { renderHealth, type ServiceAction, type View } from './render';

const api = vscodeApi();
// State saved by an earlier load is checked like any message: it survives reloads and could be stale.
const saved = healthPanelStateSchema.safeParse(api.getState());
let snapshot: HealthSnapshot | undefined = saved.success ? saved.data.snapshot : undefined;
const busy = new Set<string>();
let notice: View['notice'];

const DONE: Record<ServiceAction, (name: string) => string> = {
  showLogs: (name) => `Showing the logs of ${name} in the Output panel.`,
  restart: (name) => `Restart of ${name} finished; the next check shows how it came back.`,
  open: (name) => `Opening ${name}.`,
};

const channel = new WebviewChannel<HostToHealth, HealthToHost>(api, hostToHealthSchema, (message) => {
  if (message.type !== 'health') return;
  snapshot = message.snapshot;
  const state: HealthPanelState = { version: 1, snapshot };
  api.setState(state);
  draw();
});

async function run(key: string, send: (id: number) => Extract<HealthToHost, { id: number }>, done: string): Promise<void> {
  busy.add(key);
  draw();
  const response = await channel.request(send);
  busy.delete(key);
  notice = response.error ? { text: response.error, error: true } : response.cancelled ? undefined : { text: done, error: false };
  draw();
}

const view = (): View => ({
  snapshot, busy, notice,
  onRefresh: () => void run('refresh', (id) => ({ type: 'refresh', id }), 'Checked again.'),
  onAction: (action, row) => void run(`${row.name}:${action}`, (id) => ({ type: action, id, service: row.name }), DONE[action](row.displayName)),
});

const screen = focusKeepingRoot();

/** Re-renders everything, keeping keyboard focus on the same control. */
function draw(): void {
  screen.replace(renderHealth(view()));
}

draw();
channel.post({ type: 'ready' });
