import { FIX_TITLES, type FixId } from '../../src/protocol/fixes';
import type { HealthSnapshot, PoolRow, ServiceRow } from '../../src/protocol/health';
import { button, spinner } from '../components';
import { el } from '../shared/dom';
import { errorBanner, noticeLine, panelMain } from '../shared/panel-main';
import type { Notice } from '../shared/snapshot-panel';
import { historyChart } from './chart';
import { agentBlocks, diskWords, latency, poolWords, summary, timeOfDay, via } from './format';

export type ServiceAction = 'showLogs' | 'restart' | 'open';

export interface View {
  snapshot?: HealthSnapshot;
  /** Requests in flight, as `service:action` or `refresh`: their buttons are disabled. */
  busy: ReadonlySet<string>;
  /** The outcome of the last action. */
  notice?: Notice;
  onRefresh(): void;
  onAction(action: ServiceAction, service: ServiceRow): void;
  /** A button under the error: a fix, or the log. */
  onFix(fix: FixId | 'showLog'): void;
}

const STATUS_WORDS: Record<ServiceRow['status'], string> = {
  healthy: 'Healthy', starting: 'Starting', unhealthy: 'Unhealthy', stopped: 'Stopped', unknown: 'Unknown',
};

function fact(term: string, value: string, title?: string): HTMLElement[] {
  return [el('dt', { text: term }), el('dd', { text: value, attrs: title ? { title } : {} })];
}

function serviceCard(row: ServiceRow, view: View, blocked: string | undefined): HTMLElement {
  const headingId = `service-${row.name}`;
  const key = (action: ServiceAction) => `${row.name}:${action}`;
  const actions = el('div', { className: 'actions' },
    button({ label: 'Show Logs', key: key('showLogs'), secondary: true, disabled: view.busy.has(key('showLogs')), onClick: () => view.onAction('showLogs', row) }),
    button({ label: 'Restart', key: key('restart'), secondary: true, title: blocked ?? `Restart the ${row.displayName} container on the instance`, disabled: blocked !== undefined || view.busy.has(key('restart')), onClick: () => view.onAction('restart', row) }),
  );
  if (row.canOpen) actions.append(button({ label: 'Open', key: key('open'), ...(blocked ? { title: blocked } : {}), disabled: blocked !== undefined || view.busy.has(key('open')), onClick: () => view.onAction('open', row) }));
  const card = el('section', { className: `service severity-${row.severity}`, attrs: { 'aria-labelledby': headingId, role: 'listitem' } },
    el('header', {},
      el('h2', { text: row.displayName, attrs: { id: headingId } }),
      el('span', { className: `status status-${row.status}`, text: STATUS_WORDS[row.status] }),
    ),
    el('dl', {},
      ...fact('Latency', latency(row.latencyMs)),
      ...fact('Last check', timeOfDay(row.checkedAt), row.checkedAt),
      ...fact('Failures in a row', String(row.consecutiveFailures)),
      ...fact('Checked', via(row)),
    ),
    historyChart(row),
  );
  if (row.lastError) card.append(el('p', { className: 'last-error' }, el('span', { className: 'label', text: 'Last error: ' }), el('span', { className: 'error-text', text: row.lastError })));
  card.append(actions);
  return card;
}

/** Space left on the root volume and EFS, from the last round (absent before it). */
function diskCard(snapshot: HealthSnapshot): HTMLElement[] {
  if (snapshot.disks.length === 0) return [];
  const rows = snapshot.disks.map(diskWords);
  return [el('section', { className: `disks${rows.some((row) => row.low) ? ' low' : ''}`, attrs: { 'aria-labelledby': 'disks-heading' } },
    el('h2', { text: 'Disk space', attrs: { id: 'disks-heading' } }),
    el('dl', {}, ...rows.flatMap((row) => [el('dt', { text: row.term }), el('dd', { text: row.value, className: row.low ? 'low' : '' })])),
  )];
}

function poolRow(row: PoolRow): HTMLElement {
  const words = poolWords(row);
  return el('tr', { className: `pool severity-${row.severity}` },
    el('th', { text: words.name, attrs: { scope: 'row', title: `Auto Scaling group ${row.group}` } }),
    el('td', { className: 'count', text: words.desired }),
    el('td', { className: 'count', text: words.inService }),
    el('td', { className: 'count', text: words.unhealthy }),
    el('td', { className: 'pool-health', text: words.health }),
  );
}

/** A scaled stack's worker pools as EC2 Auto Scaling said at the last round; nothing for a stack without pools. */
function workersCard(snapshot: HealthSnapshot): HTMLElement[] {
  const pools = snapshot.pools;
  if (!pools) return [];
  const worst = pools.some((row) => row.severity === 'critical') ? 'critical' : pools.some((row) => row.severity === 'warning') || snapshot.poolsNote ? 'warning' : 'ok';
  const card = el('section', { className: `workers severity-${worst}`, attrs: { 'aria-labelledby': 'workers-heading' } },
    el('h2', { text: 'Workers', attrs: { id: 'workers-heading' } }));
  if (snapshot.poolsNote) card.append(el('p', { className: 'pools-note', text: snapshot.poolsNote }));
  if (pools.length > 0) {
    card.append(el('table', { className: 'pools' },
      el('thead', {}, el('tr', {}, ...(['Pool', 'Desired', 'In service', 'Unhealthy', 'Health'] as const).map((head, index) => el('th', { text: head, className: index >= 1 && index <= 3 ? 'count' : '', attrs: { scope: 'col' } })))),
      el('tbody', {}, ...pools.map(poolRow)),
    ));
  }
  return [card];
}

/** The error's fix buttons and Show Log: Refresh above already retries. */
function errorFixes(snapshot: HealthSnapshot, view: View): HTMLElement {
  const fixes: (FixId | 'showLog')[] = [...snapshot.errorFixes, 'showLog'];
  return el('div', { className: 'error-actions' }, ...fixes.map((fix, index) => button({
    label: fix === 'showLog' ? 'Show Log' : FIX_TITLES[fix], key: `fix:${fix}`, secondary: index > 0 || fix === 'showLog',
    disabled: view.busy.has(`fix:${fix}`), onClick: () => view.onFix(fix),
  })));
}

/** Builds the whole panel; the caller swaps it in (and restores focus). */
export function renderHealth(view: View): HTMLElement {
  const snapshot = view.snapshot;
  if (!snapshot) return panelMain(true, 'Waiting for the first health check…');
  const main = panelMain(snapshot.checking);
  const meta = [snapshot.region, snapshot.checkedAt ? `checked ${timeOfDay(snapshot.checkedAt)}` : 'not checked yet', snapshot.autoRefresh ? `every ${snapshot.refreshSeconds} s while open` : 'Refresh to check again'].filter(Boolean).join(' · ');
  const refresh = button({ label: 'Refresh', key: 'refresh', disabled: snapshot.checking || view.busy.has('refresh'), onClick: view.onRefresh });
  main.append(
    el('header', { className: 'top' },
      el('div', {},
        el('h1', { text: `Health of ${snapshot.target.name}` }),
        el('p', { className: 'summary', text: summary(snapshot), attrs: { role: 'status' } }),
        el('p', { className: 'meta', text: meta }),
      ),
      el('div', { className: 'top-actions' }, ...(snapshot.checking ? [spinner('Checking')] : []), refresh),
    ),
  );
  if (snapshot.error) main.append(errorBanner(snapshot.error), errorFixes(snapshot, view));
  if (snapshot.note) main.append(el('p', { className: 'banner note', text: snapshot.note }));
  main.append(noticeLine(view.notice));
  const blocked = agentBlocks(snapshot);
  main.append(el('div', { className: 'services', attrs: { role: 'list' } }, ...snapshot.services.map((row) => serviceCard(row, view, blocked))), ...workersCard(snapshot), ...diskCard(snapshot));
  return main;
}
