import type { GeuseError } from '../errors';
import type { CatalogueService } from './catalogue';

export const HEALTH_STATUSES = ['healthy', 'starting', 'unhealthy', 'stopped', 'unknown'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** One check of one service, as the checkers report it (before the tracker folds in history). */
export interface ServiceCheck {
  service: CatalogueService;
  status: HealthStatus;
  /** Time the probe took; absent when nothing was probed. */
  latencyMs?: number;
  /** Plain words on why it is not healthy (or why we cannot tell). */
  lastError?: string;
  /** ISO time the check ran. */
  checkedAt: string;
  /** Where the check ran: on the instance over SSM, or through the public URL. */
  via: 'instance' | 'public-url';
  /** The check could not run at all (the endpoint lacks the API, nothing ran): each front end words it itself. */
  unknownBecause?: GeuseError;
}

export type Severity = 'ok' | 'warning' | 'critical';

/** A check with its history folded in: what the tree and the health panel show. */
export interface ServiceHealth extends ServiceCheck {
  consecutiveFailures: number;
  severity: Severity;
}

/** Checks that end in a failure count; starting and unknown neither count nor reset. */
export function isFailure(status: HealthStatus): boolean {
  return status === 'unhealthy' || status === 'stopped';
}
