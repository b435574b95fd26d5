import { CATALOGUE, type CatalogueService, type StackHealth } from '../../engine';
import { HISTORY_LENGTH, type HealthSnapshot, type HistoryPoint, type ServiceRow, type StackTarget } from '../../protocol/health';

/** Recent checks per service, oldest first, capped at HISTORY_LENGTH. */
export type History = Map<CatalogueService, HistoryPoint[]>;

const cut = (value: string | undefined, max: number) => (value === undefined || value.length <= max ? value : `${value.slice(0, max - 1)}…`);

/** Appends one round to the history (pure: returns a new map). */
export function foldHistory(history: History, health: StackHealth): History {
  const next: History = new Map(history);
  for (const service of health.services) {
    const point: HistoryPoint = { at: service.checkedAt, status: service.status, ...(service.latencyMs === undefined ? {} : { latencyMs: service.latencyMs }) };
    next.set(service.service, [...(history.get(service.service) ?? []), point].slice(-HISTORY_LENGTH));
  }
  return next;
}

/** A restored panel's history, so the chart does not start empty after a reload. */
export function historyOf(snapshot: HealthSnapshot): History {
  return new Map(snapshot.services.map((row) => [row.name, row.history]));
}

/**
 * What the panel shows for one round. A service that is fine on the instance but fails through the public
 * URL is shown as unhealthy: that is how users reach it.
 */
export function toSnapshot(target: StackTarget, region: string, health: StackHealth, history: History, refreshSeconds: number): HealthSnapshot {
  const services: ServiceRow[] = health.services.map((service) => {
    const spec = CATALOGUE[service.service];
    const publicCheck = health.publicChecks?.find((check) => check.service === service.service);
    const publicFailed = publicCheck?.status === 'unhealthy' && service.status === 'healthy';
    return {
      name: service.service,
      displayName: spec.displayName,
      status: publicFailed ? 'unhealthy' : service.status,
      severity: publicFailed && service.severity === 'ok' ? 'warning' : service.severity,
      ...(service.latencyMs === undefined ? {} : { latencyMs: service.latencyMs }),
      checkedAt: service.checkedAt,
      consecutiveFailures: service.consecutiveFailures,
      ...(publicFailed ? { lastError: cut(`through the public URL: ${publicCheck.lastError ?? 'failed'}`, 2000) } : service.lastError ? { lastError: cut(service.lastError, 2000) } : {}),
      via: publicFailed ? 'public-url' : service.via,
      canOpen: spec.proxyPrefix !== undefined,
      history: history.get(service.service) ?? [],
    };
  });
  const reasons = new Set(health.services.filter((s) => s.status === 'unknown').map((s) => s.lastError));
  const allUnknown = services.length > 0 && services.every((s) => s.status === 'unknown') && reasons.size === 1;
  const note = allUnknown ? cut([...reasons][0], 2000) : undefined;
  const checkedAt = health.services[0]?.checkedAt;
  return { target, region, services, checking: false, refreshSeconds, ...(checkedAt ? { checkedAt } : {}), ...(note ? { note } : {}) };
}
