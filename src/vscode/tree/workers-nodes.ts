import type { Engine, GeuseError } from '../../engine';
import { plainError } from '../error-words';
import type { StackEntry } from '../stacks-source';
import { ago, localDate, type ViewFormat } from './format';
import type { LazyView } from './lazy-cache';
import { keyOf, type NodeView } from './nodes';

/**
 * A scaled stack's Workers section: one row per worker pool with what EC2 Auto Scaling says (desired, in service,
 * unhealthy, min..max, types). Read when the stack or the section is expanded, on Refresh, and after Set Capacity…;
 * never on the refresher's ticks.
 */
export type PoolView = Awaited<ReturnType<Engine['workers']['pools']>>[number];
export type WorkersView = LazyView<PoolView[]>;

export type WorkersTreeNode =
  | { kind: 'pool'; entry: StackEntry; pool: PoolView; at: string }
  | { kind: 'workers-note'; entry: StackEntry; note: 'loading' | 'none' | 'failed'; error?: GeuseError };

/** The stack's config has a scale section (applied, or in a change that did not finish), and it was deployed. */
export function hasWorkers(entry: StackEntry): boolean {
  const state = entry.state;
  if (!state || state.status === 'new' || state.status === 'destroyed') return false;
  return state.config.scale !== undefined || state.pending?.config.scale !== undefined;
}

/** Pool sizes are set while the stack runs (a paused stack's pools are at 0 until resume). */
export function workersLive(entry: StackEntry): boolean {
  return hasWorkers(entry) && (entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed');
}

/** A pool whose capacity GeuseMaker may set: its group exists and carries the stack's id. */
export function settable(pool: Pick<PoolView, 'missing' | 'ours'>): boolean {
  return !pool.missing && pool.ours;
}

export function workersChildren(entry: StackEntry, view: WorkersView | undefined): WorkersTreeNode[] {
  if (!view || view.state === 'loading') return [{ kind: 'workers-note', entry, note: 'loading' }];
  if (view.state === 'failed') return [{ kind: 'workers-note', entry, note: 'failed', error: view.error }];
  if (view.value.length === 0) return [{ kind: 'workers-note', entry, note: 'none' }];
  return view.value.map((pool): WorkersTreeNode => ({ kind: 'pool', entry, pool, at: view.at }));
}

/** "n8n 2/2 · ollama 0/1 degraded": in service of desired, per pool, with what is wrong. */
export function workersCounts(pools: readonly PoolView[]): string {
  return pools.map((pool) => {
    if (pool.condition === 'missing') return `${pool.pool} missing`;
    if (pool.condition === 'not-ours') return `${pool.pool} not ours`;
    return `${pool.pool} ${pool.inService}/${pool.desired}${pool.condition === 'degraded' ? ' degraded' : ''}`;
  }).join(' · ');
}

export function workersSectionView(entry: StackEntry, view: WorkersView | undefined, format: ViewFormat): NodeView {
  const live = workersLive(entry);
  const read = view?.state === 'loaded' ? ` Read ${ago(view.at, format)} (${localDate(view.at, format)}); Refresh reads them again.` : '';
  const degraded = view?.state === 'loaded' && view.value.some((pool) => pool.severity !== 'ok');
  return {
    id: `${keyOf(entry)}::workers`, label: 'Workers', icon: degraded ? { id: 'warning', color: 'list.warningForeground' } : { id: 'server-environment' },
    description: view?.state === 'loaded' && view.value.length > 0 ? workersCounts(view.value) : undefined,
    tooltip: `The stack's worker pools (n8n queue-mode workers, Ollama workers) as EC2 Auto Scaling says: in service of desired, unhealthy, min..max and the types running.${read}${live ? ' Right-click a pool → Set Capacity… to change its min, max or desired.' : ' Their capacity is set while the stack runs.'}`,
    contextValue: `section.workers.${live ? 'live' : 'idle'}`, collapsible: 'collapsed',
  };
}

const POOL_LABELS = { n8n: 'n8n workers', ollama: 'Ollama workers' } as const;

function poolView(node: Extract<WorkersTreeNode, { kind: 'pool' }>, format: ViewFormat): NodeView {
  const { pool } = node;
  const id = `${keyOf(node.entry)}::pool::${pool.pool}`;
  const label = POOL_LABELS[pool.pool];
  const live = workersLive(node.entry);
  const read = `Read from EC2 Auto Scaling ${ago(node.at, format)} (${localDate(node.at, format)}).`;
  if (!settable(pool)) {
    const why = pool.missing
      ? `Its Auto Scaling group ${pool.groupName} does not exist: the pool is not deployed yet, or the group was deleted outside GeuseMaker. Deploy the stack to create it.`
      : `An Auto Scaling group named ${pool.groupName} exists, but it carries ${pool.foreignStackId ? `stack id ${pool.foreignStackId} (another stack)` : 'no stack id (made by hand or by another tool)'}: it is not this stack's, and GeuseMaker never changes it.`;
    return {
      id, label, description: pool.missing ? 'no group' : 'not ours', tooltip: `**${label}**\n\n${why}\n\n${read}`,
      icon: { id: 'error', color: 'errorForeground' }, contextValue: 'pool.other', collapsible: 'none',
    };
  }
  const parts = [`${pool.inService}/${pool.desired} in service`, ...(pool.pending > 0 ? [`${pool.pending} launching`] : []), ...(pool.unhealthy > 0 ? [`${pool.unhealthy} unhealthy`] : []), `${pool.min}..${pool.max}`];
  if (pool.instanceTypes.length > 0) parts.push(pool.instanceTypes.join(', '));
  const lines = [
    `**${label}** — ${pool.summary}`,
    `Auto Scaling group: ${pool.groupName}  \nMin ${pool.min} · desired ${pool.desired} · max ${pool.max}${pool.market ? `  \nMarket: ${pool.market}` : ''}`,
    `In service: ${pool.inService}  \nLaunching: ${pool.pending}  \nUnhealthy: ${pool.unhealthy}${pool.terminating > 0 ? `  \nTerminating: ${pool.terminating}` : ''}`,
    `Types running: ${pool.instanceTypes.join(', ') || 'none'}${pool.allowedTypes.length > 0 ? `  \nTypes it may launch: ${pool.allowedTypes.join(', ')}` : ''}`,
    'Target tracking moves desired between min and max as the load changes.',
    `${read}${live ? ' Right-click → Set Capacity… to change min, max or desired.' : ''}`,
  ];
  const icon = pool.condition === 'degraded' ? { id: 'warning', color: 'list.warningForeground' } : { id: 'vm-running', color: 'charts.green' };
  return { id, label, description: parts.join(' · '), tooltip: lines.join('\n\n'), icon, contextValue: `pool.ours.${live ? 'live' : 'idle'}`, collapsible: 'none' };
}

const NOTES = {
  loading: { label: 'Reading worker pools…', icon: 'loading~spin', tooltip: 'Asking EC2 Auto Scaling for the pools\' groups.' },
  none: { label: 'No worker pools', icon: 'info', tooltip: 'The stack\'s scale section lists no pools.' },
} as const;

export function workersNodeView(node: WorkersTreeNode, format: ViewFormat): NodeView {
  if (node.kind === 'pool') return poolView(node, format);
  const base = keyOf(node.entry);
  if (node.note === 'failed') {
    const words = plainError(node.error);
    return {
      id: `${base}::workers::note`, label: `Workers not read: ${words.title}`, description: 'click to retry',
      tooltip: `${words.title}\n\n${words.detail}\n\nClick to try again.`, icon: { id: 'error', color: 'errorForeground' },
      contextValue: 'workers-note', collapsible: 'none', command: { command: 'geusemaker.refresh', title: 'Retry' },
    };
  }
  const look = NOTES[node.note];
  return { id: `${base}::workers::note`, label: look.label, tooltip: look.tooltip, icon: { id: look.icon }, contextValue: 'workers-note', collapsible: 'none' };
}
