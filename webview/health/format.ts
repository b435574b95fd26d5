import type { HealthSnapshot, ServiceRow } from '../../src/protocol/health';

/** Words and numbers the health panel shows (pure, no DOM). */

export function summary(snapshot: HealthSnapshot): string {
  const total = snapshot.services.length;
  if (total === 0) return snapshot.checking ? 'Checking services…' : 'No services checked yet';
  const healthy = snapshot.services.filter((s) => s.status === 'healthy').length;
  return `${healthy} of ${total} service${total === 1 ? '' : 's'} healthy`;
}

export function latency(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Local time of day; the full timestamp goes in the tooltip. */
export function timeOfDay(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleTimeString();
}

export function via(row: ServiceRow): string {
  return row.via === 'instance' ? 'on the instance (SSM)' : 'through the public URL';
}

/** Counts per status over a service's history, for the chart's accessible name. */
export function historyWords(row: ServiceRow): string {
  if (row.history.length === 0) return 'No checks recorded yet';
  const counts = new Map<string, number>();
  for (const point of row.history) counts.set(point.status, (counts.get(point.status) ?? 0) + 1);
  const parts = [...counts].map(([status, count]) => `${count} ${status}`);
  return `Last ${row.history.length} checks: ${parts.join(', ')}`;
}
