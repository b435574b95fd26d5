import { CATALOGUE, type CatalogueService, type GeuseError, type StackHealth } from '../../engine';
import { HISTORY_LENGTH, type HealthSnapshot, type HistoryPoint, type PoolRow, type ServiceRow, type StackTarget } from '../../protocol/health';
import { editorWords, isEndpointGap, plainError } from '../error-words';

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

/** Why no check could run (the endpoint lacks the API, nothing ran), when the engine says so. */
export function unknownBecause(health: StackHealth): GeuseError | undefined {
  return health.services.find((s) => s.unknownBecause)?.unknownBecause;
}

const sentence = (text: string) => text.replace(/[.\s]+$/, '');

/**
 * Why every service is unknown, in editor words, once for the panel (and the tree): the endpoint's gap, the
 * agent not online yet, or the one reason the checks gave.
 */
export function unknownNote(health: StackHealth): string | undefined {
  const unknown = health.services.filter((s) => s.status === 'unknown');
  if (unknown.length === 0 || unknown.length !== health.services.length) return undefined;
  const because = unknownBecause(health);
  if (because) {
    const words = plainError(because);
    return isEndpointGap(because) ? `${sentence(words.title)}, so service health is unknown.` : `Service health is unknown: ${words.title} ${words.detail}`;
  }
  if (health.agent.pingStatus === 'ConnectionLost') return 'The instance\'s SSM agent lost its connection, so service health is unknown. Is the instance running?';
  if (health.agent.pingStatus !== 'Online') return 'The instance\'s SSM agent is not online yet, so service health is unknown. A new instance needs a few minutes.';
  const reasons = new Set(unknown.map((s) => s.lastError));
  const [reason] = [...reasons];
  return reasons.size === 1 && reason ? editorWords(reason) : undefined;
}

/** Restart and Open need the agent; "unknown" when the endpoint cannot say where it stands. */
export function agentOf(health: StackHealth): HealthSnapshot['agent'] {
  if (health.agent.pingStatus === 'Online') return 'online';
  return unknownBecause(health)?.code === 'ENDPOINT_API_MISSING' ? 'unknown' : 'offline';
}

/** A scaled stack's pools for the panel (absent for a stack without pools), and why they are unknown when unread. */
export function poolsOf(health: StackHealth): Pick<HealthSnapshot, 'pools' | 'poolsNote'> {
  if (!health.pools) return {};
  const pools = health.pools.map((pool): PoolRow => ({ ...pool, group: cut(pool.group, 128) ?? '', summary: cut(pool.summary, 500) ?? '' }));
  const because = health.poolsUnknownBecause;
  if (!because) return { pools };
  const words = plainError(because);
  return { pools, poolsNote: cut(`The worker pools were not read from EC2 Auto Scaling: ${sentence(words.title)}. ${words.detail}`.trim(), 2000) };
}

/**
 * What the panel shows for one round. A service that is fine on the instance but fails through the public
 * URL is shown as unhealthy: that is how users reach it. A reason every service shares is said once, in the
 * note, not on each card.
 */
export function toSnapshot(target: StackTarget, region: string, health: StackHealth, history: History, refreshSeconds: number): HealthSnapshot {
  const note = cut(unknownNote(health), 2000);
  const services: ServiceRow[] = health.services.map((service) => {
    const spec = CATALOGUE[service.service];
    const publicCheck = health.publicChecks?.find((check) => check.service === service.service);
    const publicFailed = publicCheck?.status === 'unhealthy' && service.status === 'healthy';
    const lastError = publicFailed ? `through the public URL: ${publicCheck.lastError ?? 'failed'}` : note ? undefined : service.lastError;
    return {
      name: service.service,
      displayName: spec.displayName,
      status: publicFailed ? 'unhealthy' : service.status,
      severity: publicFailed && service.severity === 'ok' ? 'warning' : service.severity,
      ...(service.latencyMs === undefined ? {} : { latencyMs: service.latencyMs }),
      checkedAt: service.checkedAt,
      consecutiveFailures: service.consecutiveFailures,
      ...(lastError ? { lastError: cut(lastError, 2000) } : {}),
      via: publicFailed ? 'public-url' : service.via,
      canOpen: spec.proxyPrefix !== undefined,
      history: history.get(service.service) ?? [],
    };
  });
  const because = unknownBecause(health);
  const checkedAt = health.services[0]?.checkedAt;
  const disks = (health.disks ?? []).map((disk) => ({ ...disk }));
  return {
    target, region, services, disks, checking: false, refreshSeconds, errorFixes: [], agent: agentOf(health), autoRefresh: !(because && isEndpointGap(because)),
    ...(checkedAt ? { checkedAt } : {}), ...(note ? { note } : {}), ...poolsOf(health),
  };
}
