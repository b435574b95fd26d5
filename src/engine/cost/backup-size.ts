import type { BackupSettings } from '../stack/config';

/** How often the schedule runs, in days: daily and weekly are known; a custom cron is counted as daily (the most it costs, bar several a day). */
function intervalDays(schedule: string): { days: number; words: string } {
  if (schedule === 'weekly') return { days: 7, words: 'weekly' };
  if (schedule === 'daily') return { days: 1, words: 'daily' };
  return { days: 1, words: `${schedule}, counted as daily` };
}

export interface BackupStorage {
  /** GB of AWS Backup warm storage the retained recovery points hold (estimate). */
  gb: number;
  /** Recovery points kept at once: one per run within the retention. */
  points: number;
  words: string;
}

/**
 * The incremental model: AWS Backup's first copy of a file system is full, each later one holds only what changed
 * since the one before; expiring the oldest keeps what the others still need. So the retained points hold about
 * the file system once plus the changed share for every further point: gb = efsGb × (1 + change × (points − 1)).
 * Scheduled backups only (an on-demand backup before an upgrade adds about one more change's worth).
 */
export function backupStorage(efsGb: number, backup: Pick<BackupSettings, 'schedule' | 'retentionDays'>, changePercent: number): BackupStorage {
  const { days, words } = intervalDays(backup.schedule);
  const points = Math.max(1, Math.floor(backup.retentionDays / days));
  const gb = efsGb * (1 + (changePercent / 100) * (points - 1));
  const rounded = gb < 10 ? gb.toFixed(1) : gb.toFixed(0);
  return {
    gb, points,
    words: `${points} ${words} recovery point(s) kept ${backup.retentionDays} days: the first a full copy of ${efsGb} GB (the assumed EFS size), each later one the ${changePercent}% changed since (assumed) ≈ ${rounded} GB`,
  };
}
