import type { GeuseError, StackState } from '../../engine';
import type { StackBackup } from '../engine-types';
import { plainError } from '../error-words';
import type { StackEntry } from '../stacks-source';
import { ago, localDate, localDay, type ViewFormat } from './format';
import type { LazyView } from './lazy-cache';
import { keyOf, type NodeView } from './nodes';

/**
 * A stack's Backups section: the recovery points AWS Backup keeps of its file system. Listing them costs AWS
 * calls, so they are read only when the section is expanded (and on Refresh Backups, Refresh, or after a backup
 * or restore), never on a tree refresh.
 */
export type BackupsView = LazyView<StackBackup[]>;

export type BackupsTreeNode =
  | { kind: 'backup'; entry: StackEntry; backup: StackBackup }
  | { kind: 'backups-note'; entry: StackEntry; note: 'loading' | 'none' | 'off' | 'failed'; error?: GeuseError };

/** Stacks that were deployed have a file system, so backups (kept after a destroy too). */
export function hasBackups(entry: StackEntry): boolean {
  return entry.state !== undefined && entry.state.status !== 'new';
}

/** The stack's configuration turns backups on, so there is a plan and a vault to list. */
export function backupsOn(entry: StackEntry): boolean {
  return hasBackups(entry) && entry.state!.config.backup.enabled;
}

/** The vault's journal key (the engine's BACKUP_KEYS.vault): turning backups off keeps the vault and its recovery points. */
const VAULT_KEY = 'backup-vault';

/** There is a vault to list: backups are on, or were and the vault (with what it holds) is kept. */
export function backupsReadable(entry: StackEntry): boolean {
  return backupsOn(entry) || (hasBackups(entry) && entry.state!.resources[VAULT_KEY]?.status === 'created');
}

/** AWS Backup can restore from it: the recovery point is complete. */
export function isRestorable(backup: Pick<StackBackup, 'status'>): boolean {
  return backup.status === 'COMPLETED' || backup.status === 'AVAILABLE';
}

/** The recovery point's own id (the last part of its ARN), as AWS Backup's console shows it. */
export function recoveryPointId(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1) || arn;
}

/** A recovery point's size as the engine's plans write it (binary units): "2.0 GB", "340 MB". */
export function backupSize(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`;
}

/** "scheduled", "on-demand (before upgrade)". */
export function originWords(backup: Pick<StackBackup, 'origin' | 'reason'>): string {
  return backup.origin === 'scheduled' ? 'scheduled' : `on-demand${backup.reason ? ` (${backup.reason})` : ''}`;
}

/** When AWS Backup runs the stack's plan, in words. */
export function scheduleWords(backup: StackState['config']['backup']): string {
  if (backup.schedule === 'daily') return 'every day at 05:00 UTC';
  if (backup.schedule === 'weekly') return 'every Sunday at 05:00 UTC';
  return `on the schedule ${backup.schedule} (UTC)`;
}

export function backupsChildren(entry: StackEntry, view: BackupsView | undefined): BackupsTreeNode[] {
  // Off: said first; recovery points made while they were on are still listed (and restorable) under it.
  const off: BackupsTreeNode[] = backupsOn(entry) ? [] : [{ kind: 'backups-note', entry, note: 'off' }];
  if (!backupsReadable(entry)) return off;
  if (!view || view.state === 'loading') return [...off, { kind: 'backups-note', entry, note: 'loading' }];
  if (view.state === 'failed') return [...off, { kind: 'backups-note', entry, note: 'failed', error: view.error }];
  if (view.value.length === 0) return off.length > 0 ? off : [{ kind: 'backups-note', entry, note: 'none' }];
  return [...off, ...view.value.map((backup): BackupsTreeNode => ({ kind: 'backup', entry, backup }))];
}

export function backupsSectionView(entry: StackEntry, view: BackupsView | undefined, format: ViewFormat): NodeView {
  const id = `${keyOf(entry)}::backups`;
  const base = { id, label: 'Backups', icon: { id: 'archive' }, collapsible: 'collapsed' as const };
  if (!backupsOn(entry)) {
    const kept = view?.state === 'loaded' && view.value.length > 0 ? ` · ${view.value.length} kept` : '';
    return {
      ...base, description: `off${kept}`, contextValue: 'section.backups.off',
      tooltip: 'Backups are off for this stack: AWS Backup makes no new recovery points of its file system. Those made while they were on stay in its vault, listed here.',
    };
  }
  const { backup } = entry.state!.config;
  const read = view?.state === 'loaded' ? ` Read ${ago(view.at, format)} (${localDate(view.at, format)}).` : '';
  return {
    ...base, description: view?.state === 'loaded' ? String(view.value.length) : undefined,
    tooltip: `Recovery points of the stack's EFS file system in AWS Backup: made ${scheduleWords(backup)} and kept ${backup.retentionDays} days, read when this row is expanded.${read} Right-click to back up now; right-click a recovery point to restore it.`,
    contextValue: 'section.backups.on',
  };
}

const NOTES = {
  loading: { label: 'Reading backups…', icon: 'loading~spin', tooltip: 'Asking AWS Backup for the stack\'s recovery points.' },
  none: { label: 'No recovery points yet', icon: 'info' },
  off: { label: 'Backups are off', icon: 'circle-slash' },
} as const;

export function backupsNodeView(node: BackupsTreeNode, format: ViewFormat): NodeView {
  const base = keyOf(node.entry);
  if (node.kind === 'backup') return backupView(node, format);
  if (node.note === 'failed') {
    const words = plainError(node.error);
    return {
      id: `${base}::backups::note`, label: `Backups not read: ${words.title}`, description: 'click to retry',
      tooltip: `${words.title}\n\n${words.detail}\n\nClick to try again.`, icon: { id: 'error', color: 'errorForeground' },
      contextValue: 'backups-note', collapsible: 'none', command: { command: 'geusemaker.refreshBackups', title: 'Retry', withNode: true },
    };
  }
  const look = NOTES[node.note];
  const backup = node.entry.state?.config.backup;
  const tooltip = node.note === 'off'
    ? 'The stack\'s configuration has `backup.enabled: false`. To turn backups on, set `backup: { enabled: true }` in its geusemaker.yaml and deploy the stack again: AWS Backup then backs up its file system every day and keeps each recovery point 14 days (change both with `schedule` and `retentionDays`).'
    : node.note === 'none' && backup
      ? `AWS Backup makes the first one ${scheduleWords(backup)}; right-click Backups → Back Up Now to make one now.`
      : NOTES.loading.tooltip;
  return { id: `${base}::backups::note`, label: look.label, tooltip, icon: { id: look.icon }, contextValue: 'backups-note', collapsible: 'none' };
}

function backupView(node: Extract<BackupsTreeNode, { kind: 'backup' }>, format: ViewFormat): NodeView {
  const { backup } = node;
  const ready = isRestorable(backup);
  const size = backup.sizeBytes !== undefined ? backupSize(backup.sizeBytes) : undefined;
  const expiry = backup.deleteAt ? `expires ${localDay(backup.deleteAt, format)}` : 'kept until deleted';
  const description = [originWords(backup), size, ready ? undefined : backup.status.toLowerCase(), expiry].filter(Boolean).join(' · ');
  const tooltip = [
    `**Recovery point of ${localDate(backup.createdAt, format)}** — ${originWords(backup)}`,
    `Status: ${backup.status}${size ? `  \nSize: ${size}` : ''}  \n${backup.deleteAt ? `AWS Backup deletes it on ${localDate(backup.deleteAt, format)}.` : 'Kept until deleted by hand.'}`,
    `File system: ${backup.fileSystemId}  \nRecovery point: ${backup.recoveryPointArn}`,
    ready ? 'Right-click → Restore from Backup… to restore it into a new stack, or to switch this stack to it.' : 'Not restorable until AWS Backup completes it.',
  ];
  return {
    id: `${keyOf(node.entry)}::backup::${backup.recoveryPointArn}`, label: localDate(backup.createdAt, format), description,
    tooltip: tooltip.join('\n\n'),
    icon: { id: !ready ? (backup.status === 'CREATING' ? 'loading~spin' : 'warning') : backup.origin === 'scheduled' ? 'calendar' : 'archive' },
    contextValue: `backup.${ready ? 'ready' : 'busy'}`, collapsible: 'none',
  };
}
