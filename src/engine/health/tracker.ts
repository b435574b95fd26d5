import { THRESHOLDS } from './catalogue';
import { isFailure, type ServiceCheck, type ServiceHealth, type Severity } from './types';

export interface TrackerThresholds {
  warningFailures: number;
  criticalFailures: number;
  warningLatencyMs: number;
  criticalLatencyMs: number;
}

const DEFAULTS: TrackerThresholds = THRESHOLDS;

function latencySeverity(latencyMs: number | undefined, t: TrackerThresholds): Severity {
  if (latencyMs === undefined) return 'ok';
  if (latencyMs > t.criticalLatencyMs) return 'critical';
  if (latencyMs > t.warningLatencyMs) return 'warning';
  return 'ok';
}

const RANK: Record<Severity, number> = { ok: 0, warning: 1, critical: 2 };

/**
 * Folds one new check into the previous state of the same service (pure). Failures count up; a healthy check
 * resets the count; starting and unknown keep it, so a service that keeps flapping through "starting" is not
 * forgiven and an SSM hiccup does not hide a real outage. Slow answers warn on their own (seed §7.5.1).
 */
export function foldHealth(previous: ServiceHealth | undefined, check: ServiceCheck, thresholds: TrackerThresholds = DEFAULTS): ServiceHealth {
  const before = previous?.consecutiveFailures ?? 0;
  const consecutiveFailures = isFailure(check.status) ? before + 1 : check.status === 'healthy' ? 0 : before;
  const byFailures: Severity = consecutiveFailures >= thresholds.criticalFailures ? 'critical'
    : consecutiveFailures >= thresholds.warningFailures ? 'warning' : 'ok';
  const byLatency = check.status === 'healthy' ? latencySeverity(check.latencyMs, thresholds) : 'ok';
  const severity = RANK[byLatency] > RANK[byFailures] ? byLatency : byFailures;
  // Keep the last error visible while failures are still being counted, even on a "starting" check without one.
  const lastError = check.lastError ?? (consecutiveFailures > 0 ? previous?.lastError : undefined);
  return { ...check, lastError, consecutiveFailures, severity };
}

/** Keeps the latest health of every service of one stack; feed it each round of checks. */
export class HealthTracker {
  private readonly state = new Map<string, ServiceHealth>();

  constructor(private readonly thresholds: TrackerThresholds = DEFAULTS) {}

  update(checks: readonly ServiceCheck[]): ServiceHealth[] {
    return checks.map((check) => {
      const next = foldHealth(this.state.get(check.service), check, this.thresholds);
      this.state.set(check.service, next);
      return next;
    });
  }

  current(): ServiceHealth[] {
    return [...this.state.values()];
  }

  reset(): void {
    this.state.clear();
  }
}
