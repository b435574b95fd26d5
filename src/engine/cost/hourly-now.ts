import { BACKUP_KEYS } from '../backup/names';
import { SCALE_KEYS } from '../scale/names';
import type { StackState } from '../state/schema';
import type { EstimateLine, MonthlyEstimate } from './estimate';
import { HOURS_PER_MONTH } from './fallback-prices';
import type { PriceSource } from './prices';

/** What a stack costs per hour at this moment, and where the number comes from. */
export interface HourlyNow {
  /** USD per hour; null when no believable price is known (never a guessed 0). */
  usdPerHour: number | null;
  /** The weakest source among the prices summed: live, cached or estimated. */
  source: PriceSource['kind'];
  /** The same for people: "live", "cached 5 min ago", "estimated". */
  sourceText: string;
  /** running: the whole stack bills by the hour; kept: only what a stopped stack keeps (EFS, load balancer, backups); nothing. */
  billing: 'running' | 'kept' | 'nothing';
  basis: string;
}

const RANK: Record<PriceSource['kind'], number> = { live: 0, cached: 1, estimated: 2 };

function weakestLine(lines: readonly EstimateLine[]): EstimateLine | undefined {
  return lines.reduce<EstimateLine | undefined>((worst, line) => (!worst || RANK[line.source] > RANK[worst.source] ? line : worst), undefined);
}

/**
 * What still bills while no instance runs: a kept EFS file system, a load balancer that still exists, the backup
 * vault's recovery points; a scaled stack's queue, internal load balancer and its stopped database's storage.
 */
export function keptLines(state: Pick<StackState, 'resources'>, estimate: MonthlyEstimate): EstimateLine[] {
  // The internal load balancer in front of Ollama workers is a load balancer too, priced on its own line.
  const exists = (kind: string) => Object.values(state.resources).some((record) => record.kind === kind && record.status === 'created' && record.key !== SCALE_KEYS.internalLoadBalancer);
  const created = (key: string) => state.resources[key]?.status === 'created';
  const backups = created(BACKUP_KEYS.vault);
  return estimate.lines.flatMap((line): EstimateLine[] => {
    if ((line.item === 'efs' && exists('efs')) || (line.item === 'alb' && exists('load-balancer')) || (line.item === 'backup' && backups)) return [line];
    if ((line.item === 'queue-cache' && created(SCALE_KEYS.cache)) || (line.item === 'internal-alb' && created(SCALE_KEYS.internalLoadBalancer))) return [line];
    // Pause stops the database: its storage bills on, its instance hours do not.
    if (line.item === 'database' && created(SCALE_KEYS.database)) return [line.pausedUsd === undefined ? line : { ...line, usd: line.pausedUsd, basis: `stopped while paused: its storage only (${line.basis})` }];
    return [];
  });
}

/**
 * Today's rate from a month's estimate (pure): running, the whole estimate by the hour (as the budget projects it);
 * otherwise only what is kept. Assumed quantities (EFS size, traffic) are the estimate's, and the basis says so.
 */
export function hourlyNow(state: Pick<StackState, 'resources'>, estimate: MonthlyEstimate, running: boolean): HourlyNow {
  const lines = running ? estimate.lines : keptLines(state, estimate);
  const weakest = weakestLine(lines);
  if (!weakest) return { usdPerHour: 0, source: 'estimated', sourceText: 'estimated', billing: 'nothing', basis: 'No instance runs and nothing billed by the hour is kept.' };
  const monthly = lines.reduce((sum, line) => sum + line.usd, 0);
  const usdPerHour = Math.round((monthly / HOURS_PER_MONTH) * 10_000) / 10_000;
  const compute = lines.find((line) => line.item === 'compute');
  const basis = running
    ? `The month's estimate ($${monthly.toFixed(2)}) over ${HOURS_PER_MONTH} h: ${compute?.basis ?? 'compute'}, plus ${lines.filter((line) => line !== compute).map((line) => line.item).join(', ')} (assumed quantities as in \`geusemaker cost\`).`
    : `No instance runs; still billing: ${lines.map((line) => `${line.item} $${line.usd.toFixed(2)}/month`).join(', ')}.`;
  return { usdPerHour, source: weakest.source, sourceText: weakest.sourceText, billing: running ? 'running' : 'kept', basis };
}

/** No price is known: said as such, with why. */
export function hourlyUnknown(why: string): HourlyNow {
  return { usdPerHour: null, source: 'estimated', sourceText: 'unknown', billing: 'running', basis: why };
}
