import type { DiskRow, HealthSnapshot, PoolRow, ServiceRow } from '../../src/protocol/health';

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

/** Bytes in binary units, as df and EBS count them: "12.4 GiB", "8.0 EiB". */
export function binaryBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Below this share free, the root volume is flagged (docker images and logs live there). */
const LOW_FREE_SHARE = 0.1;

/** One volume's line in the disk space card: what it is, what is left, and whether that is low. */
export function diskWords(disk: DiskRow): { term: string; value: string; low: boolean } {
  if (disk.volume === 'efs') {
    const term = `EFS (${disk.path})`;
    if (!disk.mounted) return { term, value: 'not mounted on the instance', low: true };
    // EFS is elastic: df gives it an 8 EiB size, so what is used says more than what is left.
    return { term, value: `${binaryBytes(disk.availableBytes)} free, ${binaryBytes(disk.usedBytes)} used (grows as needed)`, low: false };
  }
  const usedShare = disk.totalBytes > 0 ? disk.usedBytes / disk.totalBytes : 0;
  const low = disk.totalBytes > 0 && disk.availableBytes / disk.totalBytes < LOW_FREE_SHARE;
  return { term: `Instance root volume (${disk.path})`, value: `${binaryBytes(disk.availableBytes)} free of ${binaryBytes(disk.totalBytes)} (${Math.round(usedShare * 100)}% used)${low ? ', low' : ''}`, low };
}

const POOL_NAMES: Record<PoolRow['pool'], string> = { n8n: 'n8n workers', ollama: 'Ollama workers' };
const CONDITION_WORDS: Record<PoolRow['condition'], string> = { ok: 'OK', degraded: 'Degraded', missing: 'Missing', 'not-ours': 'Not ours' };

/**
 * One worker pool's row in the Workers card: its counts as Auto Scaling gave them, and its verdict with the why.
 * A pool without a group of its own has no counts to show ("—", not a 0 that looks measured).
 */
export function poolWords(row: PoolRow): { name: string; desired: string; inService: string; unhealthy: string; health: string } {
  const counted = row.condition === 'ok' || row.condition === 'degraded';
  const count = (value: number) => (counted ? String(value) : '—');
  return {
    name: POOL_NAMES[row.pool], desired: count(row.desired), inService: count(row.inService), unhealthy: count(row.unhealthy),
    health: `${CONDITION_WORDS[row.condition]}: ${row.summary}`,
  };
}
