import {
  type BootstrapStatus, type ComputeLive, type Engine, GeuseError, type HourlyNow, publicUrlOf, type ServiceCheck, type ServiceHealth, servicesOf, type StackHealth, type StackState,
  type StackStatus, type Tier,
} from '../engine';
import type { Session } from './session';

type PoolView = Awaited<ReturnType<Engine['workers']['pools']>>[number];

/**
 * `geusemaker status --json`: one document per round, the same shape every time (absent values are null, never
 * left out). docs/cli-output.md documents it; add fields, never rename or remove them.
 */
export interface StatusDocument {
  name: string;
  region: string;
  tier: Tier;
  /** The status as recorded in the state file (deployed, paused…); `compute` says what AWS says now. */
  status: StackStatus;
  checkedAt: string;
  compute: {
    /** EC2's word for the instance in service: running, pending, none, terminated… */
    instanceState: string;
    /** The Auto Scaling group's condition (null for a stack from before groups). */
    condition: ComputeLive['condition'] | null;
    group: string | null;
    instanceId: string | null;
    instanceType: string | null;
    market: 'spot' | 'on-demand';
    zone: string | null;
    summary: string;
  };
  bootstrap: {
    state: 'running' | 'ok' | 'failed' | 'interrupted' | 'absent' | 'unknown';
    step: string | null;
    at: string | null;
    /** health-check: seen on the instance this round; status-parameter: what the instance last reported. */
    source: 'health-check' | 'status-parameter' | null;
  };
  services: ServiceRow[];
  /** Why the services are unknown (no instance running, the check could not run); null when they were checked. */
  servicesNote: string | null;
  /** The stack's public URL and each service checked through it this round (null when the stack has none). */
  publicUrl: { url: string; checks: CheckRow[] } | null;
  cost: HourlyNow;
  /** Secrets due for rotation under the stack's rotateAfterDays, from Parameter Store's ages this round. */
  secrets: {
    /** The stack's rotateAfterDays; null when it is not set (then nothing is read and nothing is due). */
    rotateAfterDays: number | null;
    due: DueSecretRow[];
    /** Why the ages are unknown this round (Parameter Store could not be read), else null. */
    note: string | null;
  };
  /** A scaled stack's worker pools as EC2 Auto Scaling says this round; null for a stack without a scale section. */
  workers: {
    pools: WorkerPoolRow[];
    /** Why the pools are unknown this round (Auto Scaling could not be read), else null. */
    note: string | null;
  } | null;
}

/** One worker pool's health: degraded when an instance is unhealthy or fewer are in service than desired. */
export interface WorkerPoolRow {
  pool: string;
  group: string;
  /** ok | degraded | missing (no group) | not-ours (a group of the name carries another stack id, or none). */
  condition: PoolView['condition'];
  severity: 'ok' | 'warning' | 'critical';
  desired: number;
  inService: number;
  pending: number;
  unhealthy: number;
  min: number;
  max: number;
  /** The types launching or in service now. */
  instanceTypes: string[];
  summary: string;
}

export interface DueSecretRow {
  /** The parameter's short name, e.g. postgres-password. */
  name: string;
  /** What `secrets rotate --only` calls it. */
  rotate: string;
  ageDays: number;
  lastChangedAt: string;
  version: number;
}

export interface CheckRow {
  service: string;
  status: ServiceCheck['status'];
  latencyMs: number | null;
  lastError: string | null;
  checkedAt: string;
}

export interface ServiceRow extends CheckRow {
  consecutiveFailures: number;
  severity: ServiceHealth['severity'];
}

type LiveStatus = { instanceState: string; bootstrap?: BootstrapStatus; compute?: ComputeLive };

const checkRow = (check: ServiceCheck): CheckRow => ({
  service: check.service, status: check.status, latencyMs: check.latencyMs ?? null, lastError: check.lastError ?? null, checkedAt: check.checkedAt,
});

function computeOf(state: StackState, live: LiveStatus): StatusDocument['compute'] {
  const { compute } = live;
  if (compute) {
    return {
      instanceState: live.instanceState, condition: compute.condition, group: compute.group, instanceId: compute.instanceId ?? null,
      instanceType: compute.instanceType ?? null, market: compute.market, zone: compute.zone ?? null, summary: compute.summary,
    };
  }
  // A stack from before groups: its one recorded instance, as the last deploy saw it.
  const record = state.resources.instance;
  const id = record?.status === 'created' ? record.id ?? null : null;
  return {
    instanceState: live.instanceState, condition: null, group: null, instanceId: id, instanceType: id ? record?.attrs.instanceType ?? state.config.instanceType : null,
    market: record?.attrs.market === 'on-demand' || record?.attrs.market === 'spot' ? record.attrs.market : state.config.market, zone: id ? record?.attrs.zone || null : null,
    summary: id ? `instance ${id} ${live.instanceState}` : 'no instance',
  };
}

function bootstrapOf(live: LiveStatus, health: StackHealth | undefined, checkedAt: string): StatusDocument['bootstrap'] {
  const seen = health?.bootstrap;
  if (seen) return { state: seen.bootstrap === 'done' ? 'ok' : seen.bootstrap, step: seen.step || null, at: checkedAt, source: 'health-check' };
  if (live.bootstrap) return { state: live.bootstrap.state, step: live.bootstrap.step || null, at: live.bootstrap.at, source: 'status-parameter' };
  return { state: 'unknown', step: null, at: null, source: null };
}

/** Every service of the stack as unknown, for the reason given (nothing was checked). */
function unknownRows(state: StackState, reason: string, checkedAt: string): ServiceRow[] {
  return servicesOf(state.config).map((spec) => ({ service: spec.name, status: 'unknown', latencyMs: null, lastError: reason, checkedAt, consecutiveFailures: 0, severity: 'ok' }));
}

/** One round: the group and instance, then the health round over SSM and the price per hour side by side. */
export async function readStatus(s: Session, name: string, signal?: AbortSignal): Promise<StatusDocument> {
  const state = await s.engine.show(name);
  if (!state) throw s.stackNotFound(name);
  const checkedAt = new Date().toISOString();
  const live = await s.engine.liveStatus(name);
  const running = live.instanceState === 'running';
  const [health, cost, secrets, workers] = await Promise.all([
    running ? s.engine.health(name, { signal, pools: false }).catch((error: unknown) => failedRound(error, signal)) : Promise.resolve(undefined),
    s.engine.hourlyCost(name, { running, market: live.compute?.market, instanceType: live.compute?.instanceType }),
    dueSecrets(s, state, signal),
    workerPools(s, state, signal),
  ]);
  const compute = computeOf(state, live);
  let services: ServiceRow[];
  let servicesNote: string | null = null;
  if (health && 'services' in health) {
    services = health.services.map((service) => ({ ...checkRow(service), consecutiveFailures: service.consecutiveFailures, severity: service.severity }));
    const because = health.services.find((service) => service.unknownBecause)?.unknownBecause;
    if (because) servicesNote = `Service health is unknown: ${because.message}`;
  } else {
    servicesNote = health ? `Service health is unknown: the health round failed: ${health.failed}` : `No instance is running (${compute.summary}), so the services were not checked.`;
    services = unknownRows(state, servicesNote, checkedAt);
  }
  const url = publicUrlOf(state);
  const stackHealth = health && 'services' in health ? health : undefined;
  return {
    name: state.name, region: state.region, tier: state.config.tier, status: state.status, checkedAt, compute,
    bootstrap: bootstrapOf(live, stackHealth, checkedAt), services, servicesNote,
    publicUrl: url ? { url, checks: (stackHealth?.publicChecks ?? []).map(checkRow) } : null,
    cost,
    secrets,
    workers,
  };
}

/** A scaled stack's pools, read back from Auto Scaling; a failed read is a note, never a failed round. */
async function workerPools(s: Session, state: StackState, signal: AbortSignal | undefined): Promise<StatusDocument['workers']> {
  if (!state.config.scale && !state.pending?.config.scale) return null;
  try {
    const views = await s.engine.workers.pools(state.name, { signal });
    const pools = views.map((view): WorkerPoolRow => ({
      pool: view.pool, group: view.groupName, condition: view.condition, severity: view.severity, desired: view.desired, inService: view.inService,
      pending: view.pending, unhealthy: view.unhealthy, min: view.min, max: view.max, instanceTypes: view.instanceTypes, summary: view.summary,
    }));
    return { pools, note: null };
  } catch (error) {
    const { failed } = failedRound(error, signal);
    return { pools: [], note: `The worker pools were not read: ${failed}` };
  }
}

/** The secrets rotateAfterDays says are due, as Parameter Store dates them; a failed read is a note, never a failed round. */
async function dueSecrets(s: Session, state: StackState, signal: AbortSignal | undefined): Promise<StatusDocument['secrets']> {
  const rotateAfterDays = state.config.rotateAfterDays ?? null;
  if (rotateAfterDays === null) return { rotateAfterDays, due: [], note: null };
  try {
    const ages = await s.engine.secrets.ages(state.name, { signal });
    const due = ages.flatMap((age) => (age.due ? [{ name: age.name, rotate: age.rotatable ?? age.name, ageDays: age.ageDays, lastChangedAt: age.lastChangedAt, version: age.version }] : []));
    return { rotateAfterDays, due, note: null };
  } catch (error) {
    const { failed } = failedRound(error, signal);
    return { rotateAfterDays, due: [], note: `The secrets' ages were not read: ${failed}` };
  }
}

/** A health round that failed (not cancelled) leaves the services unknown with the reason; the rest of the round stands. */
function failedRound(error: unknown, signal: AbortSignal | undefined): { failed: string } {
  if (signal?.aborted || (error instanceof GeuseError && error.kind === 'cancelled')) throw error;
  return { failed: error instanceof GeuseError ? `[${error.code}] ${error.message}` : error instanceof Error ? error.message : String(error) };
}
