import { z } from 'zod';
import type { ServiceSpec } from './catalogue';
import { diskReportSchema } from './disks';
import { HEALTH_MARKER } from './script';
import type { ServiceCheck } from './types';

const containerFields = {
  name: z.string(),
  /** docker's State.Status, or "missing" when compose has not created the container. */
  state: z.string(),
  /** docker's health check state, or "none". */
  health: z.string(),
  restarts: z.number().int().nonnegative(),
  exit: z.number().int(),
  ms: z.number().nonnegative(),
};

const probeSchema = z.discriminatedUnion('probe', [
  z.object({ ...containerFields, probe: z.literal('http'), code: z.number().int(), bodyOk: z.boolean() }),
  z.object({ ...containerFields, probe: z.literal('pg_isready') }),
]);
export type ProbeResult = z.infer<typeof probeSchema>;

export const healthReportSchema = z.object({
  docker: z.boolean(),
  bootstrap: z.enum(['absent', 'running', 'done', 'failed']),
  step: z.string(),
  services: z.array(probeSchema),
  /** df of the root volume and EFS; absent from reports of scripts before it (and when df printed nothing). */
  disks: z.array(diskReportSchema).optional(),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

/** Finds and validates the script's JSON line; undefined when it is missing or malformed (with the reason). */
export function parseHealthOutput(stdout: string): { report: HealthReport } | { problem: string } {
  const line = stdout.split('\n').reverse().find((l) => l.startsWith(HEALTH_MARKER));
  if (line === undefined) return { problem: stdout.trim() === '' ? 'the health check printed nothing' : 'the health check printed no result line' };
  let json: unknown;
  try {
    json = JSON.parse(line.slice(HEALTH_MARKER.length));
  } catch {
    return { problem: 'the health check printed a result that is not valid JSON' };
  }
  const parsed = healthReportSchema.safeParse(json);
  if (!parsed.success) return { problem: `the health check result has an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'})` };
  return { report: parsed.data };
}

const CURL_ERRORS: Record<number, string> = {
  6: 'could not resolve the address',
  7: 'connection refused',
  28: 'no answer in time',
  52: 'empty reply',
  56: 'connection reset while reading the answer',
};

function probeError(spec: ServiceSpec, probe: ProbeResult): string | undefined {
  const where = `127.0.0.1:${spec.port}`;
  if (probe.probe === 'pg_isready') {
    if (probe.exit === 0) return undefined;
    if (probe.exit === 1) return `${spec.displayName} is rejecting connections (usually still starting up)`;
    if (probe.exit === 2) return `${spec.displayName} did not answer on ${where}`;
    return `pg_isready could not run (exit ${probe.exit})`;
  }
  const path = spec.probe.kind === 'http' ? spec.probe.path : '';
  if (probe.exit !== 0) {
    const words = CURL_ERRORS[probe.exit] ?? `curl failed with exit code ${probe.exit}`;
    return `${where}${path}: ${words}${probe.exit === 28 ? ` (limit ${spec.timeoutSeconds} s)` : ''}`;
  }
  if (probe.code !== 200) return `${where}${path} answered HTTP ${probe.code}, expected 200`;
  if (!probe.bodyOk) return `${where}${path} answered 200 without the expected content`;
  return undefined;
}

function bootstrapWords(report: HealthReport): string {
  return report.step ? `the bootstrap is at step ${report.step}` : 'the bootstrap has not started yet';
}

/** Turns what the script saw for one service into a status and plain words (pure). */
export function interpretService(spec: ServiceSpec, report: HealthReport, checkedAt: string): ServiceCheck {
  const base = { service: spec.name, checkedAt, via: 'instance' as const };
  const booting = report.bootstrap === 'running' || report.bootstrap === 'absent';
  if (!report.docker) {
    if (booting) return { ...base, status: 'starting', lastError: `Docker is not installed yet; ${bootstrapWords(report)}` };
    if (report.bootstrap === 'failed') return { ...base, status: 'stopped', lastError: `The bootstrap failed at step ${report.step || 'unknown'}; see the bootstrap log` };
    return { ...base, status: 'stopped', lastError: 'Docker is not installed on the instance' };
  }
  const probe = report.services.find((p) => p.name === spec.name);
  if (!probe) return { ...base, status: 'unknown', lastError: 'The health check did not report this service' };
  switch (probe.state) {
    case 'missing':
      if (booting) return { ...base, status: 'starting', lastError: `Not started yet; ${bootstrapWords(report)}` };
      if (report.bootstrap === 'failed') return { ...base, status: 'stopped', lastError: `Not running: the bootstrap failed at step ${report.step || 'unknown'}; see the bootstrap log` };
      return { ...base, status: 'stopped', lastError: 'Its container does not exist' };
    case 'created':
      return { ...base, status: 'starting', lastError: 'Its container is created but not started yet' };
    case 'restarting':
      return { ...base, status: 'unhealthy', lastError: `Its container keeps restarting (${probe.restarts} restarts); see its logs` };
    case 'running':
      break;
    default:
      // exited, dead, paused, removing
      return { ...base, status: 'stopped', lastError: `Its container is ${probe.state || 'not running'}` };
  }
  const error = probeError(spec, probe);
  if (error === undefined) return { ...base, status: 'healthy', latencyMs: probe.ms };
  // Docker's own check still in its start period (or PostgreSQL still recovering) means "give it time".
  const stillStarting = probe.health === 'starting' || (probe.probe === 'pg_isready' && probe.exit === 1);
  return { ...base, status: stillStarting ? 'starting' : 'unhealthy', latencyMs: probe.ms, lastError: error };
}
