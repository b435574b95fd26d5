import * as z from 'zod';
import { CATALOGUE_SERVICES } from '../engine/health/catalogue';
import { HEALTH_STATUSES } from '../engine/health/types';
import { isoTime, readySchema, rejectedSchema, requestId, responseSchema, text } from './common';
import { FIX_IDS } from './fixes';

/** The health panel's messages, both ways; the panel's view type and its persisted state. */

export { HEALTH_VIEW_TYPE } from './view-types';
/** Checks kept per service for the history chart. */
export const HISTORY_LENGTH = 40;

const serviceName = z.enum(CATALOGUE_SERVICES);
const status = z.enum(HEALTH_STATUSES);
const latencyMs = z.number().nonnegative().max(3_600_000);

export const historyPointSchema = z.strictObject({ at: isoTime, status, latencyMs: latencyMs.optional() });
export type HistoryPoint = z.infer<typeof historyPointSchema>;

export const serviceRowSchema = z.strictObject({
  name: serviceName,
  displayName: text(64),
  status,
  severity: z.enum(['ok', 'warning', 'critical']),
  latencyMs: latencyMs.optional(),
  checkedAt: isoTime,
  consecutiveFailures: z.number().int().nonnegative().max(1_000_000),
  lastError: text(2000).optional(),
  via: z.enum(['instance', 'public-url']),
  /** Reachable in a browser (PostgreSQL is not). */
  canOpen: z.boolean(),
  history: z.array(historyPointSchema).max(HISTORY_LENGTH),
});
export type ServiceRow = z.infer<typeof serviceRowSchema>;

const bytes = z.number().nonnegative().max(Number.MAX_VALUE);

/** Space left on the instance's root volume or on EFS (EFS is elastic: its size is df's 8 EiB). */
export const diskRowSchema = z.strictObject({
  volume: z.enum(['root', 'efs']),
  path: text(64),
  totalBytes: bytes,
  usedBytes: bytes,
  availableBytes: bytes,
  mounted: z.boolean(),
});
export type DiskRow = z.infer<typeof diskRowSchema>;

const workers = z.number().int().nonnegative().max(1_000);

/** One worker pool of a scaled stack (engine health/pools.ts): desired, in service, unhealthy, and its verdict. */
export const poolRowSchema = z.strictObject({
  pool: z.enum(['n8n', 'ollama']),
  group: text(128),
  desired: workers,
  inService: workers,
  unhealthy: workers,
  /** ok; degraded (an instance unhealthy, or fewer in service than desired); missing (no group); not-ours. */
  condition: z.enum(['ok', 'degraded', 'missing', 'not-ours']),
  severity: z.enum(['ok', 'warning', 'critical']),
  summary: text(500),
});
export type PoolRow = z.infer<typeof poolRowSchema>;

/** The row of one pool as the engine's `workers.pools` reads it (its PoolView carries the verdict already). */
export function poolRowOf(view: Omit<PoolRow, 'group'> & { groupName: string }): PoolRow {
  return { pool: view.pool, group: view.groupName, desired: view.desired, inService: view.inService, unhealthy: view.unhealthy, condition: view.condition, severity: view.severity, summary: view.summary };
}

export const stackTargetSchema = z.strictObject({ name: text(128).min(1), stateDir: text(4096).min(1) });
export type StackTarget = z.infer<typeof stackTargetSchema>;

export const healthSnapshotSchema = z.strictObject({
  target: stackTargetSchema,
  region: text(32),
  /** When the last round finished; absent before the first. */
  checkedAt: isoTime.optional(),
  services: z.array(serviceRowSchema).max(16),
  /** Disk space from the last round's report; empty before it, and from instances whose script did not measure it. */
  disks: z.array(diskRowSchema).max(4).default([]),
  /** A scaled stack's worker pools as Auto Scaling said at the last round; absent for a stack without pools. */
  pools: z.array(poolRowSchema).max(2).optional(),
  /** Why the pools are unknown this round (EC2 Auto Scaling could not be read); the services' round stands. */
  poolsNote: text(2000).optional(),
  /** Why every service is unknown (e.g. the SSM agent is not online yet). */
  note: text(2000).optional(),
  /** The round failed as a whole (AWS unreachable, stack gone): what happened and what to do. */
  error: text(2000).optional(),
  /** Buttons that fix that error (choose a profile, open the endpoint setting). */
  errorFixes: z.array(z.enum(FIX_IDS)).max(FIX_IDS.length).default([]),
  /**
   * The instance's SSM agent: Restart and Open need it online. Unknown before the first round, and when the
   * endpoint cannot say (an emulator).
   */
  agent: z.enum(['online', 'offline', 'unknown']).default('unknown'),
  /** Rounds are not repeated by themselves: the endpoint lacks what they need, so asking again changes nothing. */
  autoRefresh: z.boolean().default(true),
  checking: z.boolean(),
  refreshSeconds: z.number().int().min(1).max(86_400),
});
export type HealthSnapshot = z.infer<typeof healthSnapshotSchema>;

export const healthUpdateSchema = z.strictObject({ type: z.literal('health'), snapshot: healthSnapshotSchema });

export const hostToHealthSchema = z.discriminatedUnion('type', [healthUpdateSchema, responseSchema]);
export type HostToHealth = z.infer<typeof hostToHealthSchema>;

const serviceRequest = <K extends string>(type: K) => z.strictObject({ type: z.literal(type), id: requestId, service: serviceName });

export const healthToHostSchema = z.discriminatedUnion('type', [
  readySchema,
  rejectedSchema,
  z.strictObject({ type: z.literal('refresh'), id: requestId }),
  serviceRequest('showLogs'),
  serviceRequest('restart'),
  serviceRequest('open'),
  z.strictObject({ type: z.literal('fix'), id: requestId, fix: z.enum([...FIX_IDS, 'showLog']) }),
]);
export type HealthToHost = z.infer<typeof healthToHostSchema>;
export type HealthRequest = Extract<HealthToHost, { id: number }>;

/** What the webview keeps with setState, and the serializer gets back after a reload. */
export const healthPanelStateSchema = z.strictObject({ version: z.literal(1), snapshot: healthSnapshotSchema });
export type HealthPanelState = z.infer<typeof healthPanelStateSchema>;
