import type { HealthSnapshot, ServiceRow } from '../../src/protocol/health';

/** Words and numbers the health panel shows (pure, no DOM). */

export function summary(snapshot: HealthSnapshot): string {
  const total = snapshot.services.length;
  if (total === 0) return snapshot.checking ? 'Checking services…' : 'No services checked yet';
  const services = `service${total === 1 ? '' : 's'}`;
  const unknown = snapshot.services.filter((s) => s.status === 'unknown').length;
  // "0 of 5 healthy" would say they are down; unknown means nobody could look.
  if (unknown === total) return `Health unknown for ${total === 1 ? 'the' : `all ${total}`} ${services}`;
  const healthy = snapshot.services.filter((s) => s.status === 'healthy').length;
  return `${healthy} of ${total} ${services} healthy${unknown > 0 ? `, ${unknown} unknown` : ''}`;
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

/** Why Restart and Open are disabled, or undefined when the agent can take them. */
export function agentBlocks(snapshot: HealthSnapshot): string | undefined {
  if (snapshot.agent === 'online') return undefined;
  return snapshot.agent === 'offline'
    ? 'Needs the instance\'s SSM agent, which is not online yet'
    : 'Needs the instance\'s SSM agent, which cannot be reached here';
}
