import { z } from 'zod';
import { GeuseError } from '../errors';
import { dataInRds } from '../scale/migrate-needed';
import { SCALE_KEYS, scaleNames } from '../scale/names';
import type { CommandRunner } from '../ssm/run-command';
import type { StackState } from '../state/schema';
import { FLUSH_BEGIN, FLUSH_DIR, FLUSH_END, FLUSH_STEPS, flushScript, type FlushServices, type FlushStep } from './flush-script';

/** One consistent copy the instance wrote onto EFS before the backup. */
export interface FlushItem {
  kind: 'postgres' | 'qdrant';
  /** The database (PostgreSQL) or "full" (Qdrant's whole storage). */
  name: string;
  /** Path on the file system, e.g. backups/postgres/n8n-20261207T101500Z.dump. */
  file: string;
  bytes: number;
}

export type FlushOutput = { ok: true; items: FlushItem[] } | { ok: false; step: FlushStep; words: string; items: FlushItem[] };

const itemSchema = z.object({
  kind: z.enum(['postgres', 'qdrant']),
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  file: z.string().regex(/^(postgres|qdrant)\/[A-Za-z0-9_.-]+$/),
  bytes: z.string().regex(/^\d+$/).transform(Number),
});

function pairs(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split(/\s+/).filter(Boolean).map((pair) => {
    const at = pair.indexOf('=');
    return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
  }));
}

/** The flush script's frame (pure); undefined when there is none (nothing ran, or SSM cut the output). */
export function parseFlushOutput(stdout: string): FlushOutput | undefined {
  const lines = stdout.split('\n').map((line) => line.trimEnd());
  const begin = lines.indexOf(FLUSH_BEGIN);
  const endAt = lines.findIndex((line, index) => index > begin && line.startsWith(`${FLUSH_END} `));
  if (begin < 0 || endAt < 0) return undefined;
  const body = lines.slice(begin + 1, endAt);
  const items = body.filter((line) => line.startsWith('item ')).map((line) => {
    const parsed = itemSchema.safeParse(pairs(line.slice(5)));
    if (!parsed.success) throw unexpected(`an item line the engine cannot read (${line.slice(0, 200)})`);
    return { ...parsed.data, file: `${FLUSH_DIR}/${parsed.data.file}` };
  });
  const end = pairs(lines[endAt]!.slice(FLUSH_END.length));
  if ('ok' in end) return { ok: true, items };
  const step = FLUSH_STEPS.find((known) => known === end.step);
  if (!('failed' in end) || !step) throw unexpected(`an end line the engine cannot read (${lines[endAt]!.slice(0, 200)})`);
  const words = body.filter((line) => line.startsWith('error ')).map((line) => line.slice(6).trim()).join(' ');
  return { ok: false, step, words: words || 'no details', items };
}

function unexpected(what: string): GeuseError {
  return new GeuseError({
    code: 'SSM_UNEXPECTED_ANSWER', kind: 'unknown', operation: 'ssm:GetCommandInvocation',
    message: `The consistency flush on the instance printed ${what}.`,
    nextStep: 'Run the backup again; if it fails the same way, report it with this message.',
  });
}

/** What each step means for a person, and what to do about it. */
const STEP_WORDS: Record<FlushStep, { what: string; next: string }> = {
  'efs-mount': { what: 'the file system is not mounted on the instance', next: 'Check the stack with `geusemaker status <name>` (the bootstrap mounts EFS); once it is healthy, back up again.' },
  'postgres-list': { what: 'PostgreSQL did not list its databases', next: 'Check PostgreSQL with `geusemaker status <name>` and `geusemaker logs <name> postgres`, then back up again.' },
  'postgres-name': { what: 'a database name cannot name a dump file', next: 'Rename that database (or drop it if it is not needed), then back up again.' },
  'postgres-dump': { what: 'pg_dump failed', next: 'Check PostgreSQL with `geusemaker logs <name> postgres` and the space left on EFS (`geusemaker status <name>`), then back up again.' },
  'qdrant-key': { what: 'the instance has no Qdrant API key', next: 'Deploy the stack again (it rewrites /etc/geusemaker/stack.env), then back up again.' },
  'qdrant-snapshot': { what: 'Qdrant did not make its snapshot', next: 'Check Qdrant with `geusemaker status <name>` and `geusemaker logs <name> qdrant`, then back up again.' },
  'qdrant-download': { what: 'the Qdrant snapshot could not be copied onto EFS', next: 'Check the space left on the instance and on EFS (`geusemaker status <name>`), then back up again.' },
};

/**
 * The consistency flush failed: no backup job is started (a backup of live database files that may be mid-write
 * is never taken silently). The step and the instance's own words are named.
 */
export function flushFailed(stack: string, instanceId: string, step: FlushStep | 'run', words: string, cause?: unknown): GeuseError {
  const known = step === 'run' ? undefined : STEP_WORDS[step];
  return new GeuseError({
    code: 'BACKUP_FLUSH_FAILED', kind: 'unknown', operation: 'ssm:SendCommand', cause,
    message: `The consistency flush on ${instanceId} failed at step ${step}${known ? ` (${known.what})` : ''}: ${words}. No backup was started, so nothing inconsistent was saved.`,
    nextStep: (known?.next ?? 'Check that the instance is running and its SSM agent is online (`geusemaker status <name>`), then back up again.').replaceAll('<name>', stack),
  });
}

export interface FlushResult {
  items: FlushItem[];
  /** In words, for the backup's summary ("PostgreSQL dump of n8n (1.2 MB, backups/postgres/…)"). */
  flushed: string[];
}

function size(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export function describeItem(item: FlushItem): string {
  return item.kind === 'postgres'
    ? `PostgreSQL dump of ${item.name} (${size(item.bytes)}, ${item.file})`
    : `Qdrant snapshot (${size(item.bytes)}, ${item.file})`;
}

/** What a backup's flush copies on the stack's instance, and what it leaves out and why (for the backup's summary). */
export interface FlushChoice {
  services: FlushServices;
  /** Said with the backup: a database the file system's backup does not hold, and what keeps it instead. */
  notes: string[];
}

/**
 * The databases whose copies the flush makes: PostgreSQL only while n8n's data is in the instance's postgres
 * container. Once it is in RDS the container is gone from the instance (or holds the data as it was before the move),
 * so a dump would fail or copy stale rows; RDS backs itself up.
 */
export function flushChoice(state: Pick<StackState, 'name' | 'config' | 'resources'>): FlushChoice {
  const { services } = state.config;
  if (!services.postgres || !dataInRds(state)) return { services: { postgres: services.postgres, qdrant: services.qdrant }, notes: [] };
  const database = state.resources[SCALE_KEYS.database]?.id ?? scaleNames.database(state.name);
  return {
    services: { postgres: false, qdrant: services.qdrant },
    notes: [`PostgreSQL is not in this backup: n8n's database is in RDS (${database}), not on the file system. RDS keeps its own automated backups (7 days, restorable to any point in that time), and destroy takes a final snapshot of it unless --delete-data`],
  };
}

/** Runs the flush on the instance in service and reads its frame; every failure is BACKUP_FLUSH_FAILED naming the step. */
export async function flushOnInstance(runner: CommandRunner, stack: string, instanceId: string, services: FlushServices, signal?: AbortSignal): Promise<FlushResult> {
  let stdout: string;
  let truncated: boolean;
  try {
    ({ stdout, truncated } = await runner.run(instanceId, flushScript(services), { timeoutSeconds: 3600, signal, comment: `GeuseMaker backup flush of stack ${stack}` }));
  } catch (error) {
    if (error instanceof GeuseError && error.kind === 'cancelled') throw error;
    throw flushFailed(stack, instanceId, 'run', error instanceof Error ? error.message : String(error), error);
  }
  const output = parseFlushOutput(stdout);
  if (!output) {
    const words = stdout.trim() === '' && !truncated ? 'SSM reported the command done but it printed nothing (it did not run on the instance)' : 'the command ended without its result';
    throw flushFailed(stack, instanceId, 'run', words);
  }
  if (!output.ok) throw flushFailed(stack, instanceId, output.step, output.words);
  const missing = [services.postgres && !output.items.some((item) => item.kind === 'postgres') ? 'PostgreSQL' : '', services.qdrant && !output.items.some((item) => item.kind === 'qdrant') ? 'Qdrant' : ''].filter(Boolean);
  if (missing.length > 0) throw flushFailed(stack, instanceId, 'run', `the flush reported no copy of ${missing.join(' or ')}`);
  return { items: output.items, flushed: output.items.map(describeItem) };
}
