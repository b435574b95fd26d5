import type { StepContext } from '../context';
import { cancelled, GeuseError } from '../errors';
import type { CommandRunner } from '../ssm/run-command';
import { compareCounts, describeDifference, parseStepOutput, type CountDifference, type StepDone } from './migrate-output';
import { countScript, dumpScript, MIGRATION_TIMEOUT_SECONDS, restoreScript, startScript, stopScript, type MigrationStep, type RestoreTarget } from './migrate-script';
import { SCALE_KEYS } from './names';
import { MIGRATION_ATTRS } from './migrate-needed';

export { dataInRds, MIGRATION_ATTRS, migrationNeeded, migrationRecord, type MigrationRecord } from './migrate-needed';

/*
 * Moving an existing stack's PostgreSQL (the postgres container on the instance, data on EFS) into RDS, over Run
 * Command: stop n8n → pg_dump onto EFS → pg_restore into RDS → exact row counts on both sides. Equal: the database
 * record is journaled as migrated and n8n stays stopped until the deploy switches it to RDS. Anything else after
 * n8n was asked to stop (a failed step, different counts, cancellation) starts n8n again on the instance's
 * PostgreSQL, whose data nothing here changes, and fails.
 */

export interface MigrationTarget {
  /** RDS's endpoint address and port, as AWS describes them. */
  host: string;
  port: number;
  /** The instance in service, which runs the postgres container. */
  instanceId: string;
}

export interface MigrationResult {
  tables: number;
  rows: number;
  /** Rows per table ("schema.table"), the same on both sides. */
  counts: Record<string, number>;
  /** The dump on EFS the rows came from (kept), e.g. backups/migration/n8n-20261207T101500Z.dump. */
  dumpFile: string;
  migratedAt: string;
}

/** A step the instance reported failed (or SSM could not run). */
class StepFailed extends Error {
  constructor(readonly step: MigrationStep, readonly words: string, readonly original?: unknown) {
    super(words);
  }
}

class CountsDiffer extends Error {
  constructor(readonly differences: CountDifference[]) {
    super('row counts differ');
  }
}

function isCancellation(error: unknown, signal: AbortSignal | undefined): boolean {
  return (error instanceof GeuseError && error.kind === 'cancelled') || signal?.aborted === true;
}

function wordsOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function runStep<S extends MigrationStep>(ctx: StepContext, runner: CommandRunner, instanceId: string, step: S, lines: readonly string[], signal?: AbortSignal): Promise<StepDone<S>> {
  if (signal?.aborted) throw cancelled();
  let result;
  try {
    result = await runner.run(instanceId, lines, { timeoutSeconds: MIGRATION_TIMEOUT_SECONDS[step], signal, comment: `GeuseMaker database migration (${step}) of ${ctx.stack}` });
  } catch (error) {
    if (isCancellation(error, signal)) throw error;
    throw new StepFailed(step, wordsOf(error), error);
  }
  const output = parseStepOutput(step, result.stdout, result.truncated);
  if (!output.ok) throw new StepFailed(step, output.words);
  return output.done;
}

const STEP_WORDS: Record<MigrationStep, { what: string; next: string }> = {
  stop: { what: 'stopping n8n', next: 'Check n8n with `geusemaker status <stack>` and `geusemaker logs <stack> n8n`, then deploy again.' },
  dump: { what: 'pg_dump of database n8n onto EFS', next: 'Check PostgreSQL with `geusemaker logs <stack> postgres` and the file system with `geusemaker status <stack>`, then deploy again.' },
  restore: {
    what: 'pg_restore into RDS',
    next: 'Check that the RDS database is available and admits the instance on its port (security group sg-database), and what pg_restore said above; then deploy again: the restore replaces whatever an earlier attempt left in RDS.',
  },
  count: { what: 'counting rows on both sides', next: 'Check that the RDS database is available (`geusemaker status <stack>`), then deploy again.' },
  start: { what: 'starting n8n', next: 'Start n8n with `geusemaker restart <stack> n8n`.' },
};

const back = (instanceId: string) => `n8n runs again on ${instanceId}'s own PostgreSQL, whose data the migration did not change; RDS is not used yet`;

/**
 * The rollback on its own: n8n started again on the instance's PostgreSQL and answering /healthz. Not cancellable
 * (it is what a cancellation runs); throws MIGRATION_FAILED (step start) when n8n does not come back.
 */
export async function startN8nOnInstance(ctx: StepContext, instanceId: string): Promise<void> {
  const runner = requireRunner(ctx);
  try {
    await runStep(ctx, runner, instanceId, 'start', startScript());
  } catch (error) {
    const words = error instanceof StepFailed ? error.words : wordsOf(error);
    throw new GeuseError({
      code: 'MIGRATION_FAILED', kind: 'unknown', cause: error,
      message: `Starting n8n again on ${instanceId} failed: ${words}.`,
      nextStep: STEP_WORDS.start.next.replaceAll('<stack>', ctx.stack),
    });
  }
}

function requireRunner(ctx: StepContext): CommandRunner {
  if (!ctx.runner) throw new GeuseError({ code: 'INTERNAL', kind: 'unknown', message: 'The database migration needs Run Command on the instance, and this deploy has none.', nextStep: 'Report this with the message.' });
  return ctx.runner;
}

/**
 * Moves n8n's database from the instance into RDS (see the top of this file). Call it after RDS is available and
 * journaled under SCALE_KEYS.database, and before anything runs n8n against RDS. Returns what both sides counted;
 * n8n stays stopped on the instance. Throws MIGRATION_VERIFY_FAILED (counts differ), MIGRATION_FAILED (a step),
 * CANCELLED (the signal), each after n8n was started again; MIGRATION_NOT_ROLLED_BACK when that start failed too.
 */
export async function migrateIntoRds(ctx: StepContext, target: MigrationTarget): Promise<MigrationResult> {
  const runner = requireRunner(ctx);
  const record = ctx.journal.record(SCALE_KEYS.database);
  if (record?.status !== 'created' || !record.id) {
    throw new GeuseError({ code: 'INTERNAL', kind: 'unknown', message: `The database migration ran before the RDS database was journaled (record ${SCALE_KEYS.database}).`, nextStep: 'Report this with the message.' });
  }
  const { instanceId } = target;
  const rds: RestoreTarget = { stack: ctx.stack, region: ctx.config.region, host: target.host, port: target.port };
  let countLines: string[];
  try {
    countLines = countScript(rds);
  } catch (error) {
    throw new GeuseError({ code: 'MIGRATION_FAILED', kind: 'unknown', cause: error, message: `The RDS endpoint ${target.host}:${target.port} cannot be used: ${wordsOf(error)}. Nothing was changed.`, nextStep: `Check the database with \`geusemaker status ${ctx.stack}\`, then deploy again.` });
  }
  const signal = ctx.report.signal;
  if (signal?.aborted) throw cancelled();

  let stopSent = false;
  let result: MigrationResult;
  try {
    ctx.report.waiting(`stopping n8n on ${instanceId}: nothing may write to its database while it moves`);
    stopSent = true;
    await runStep(ctx, runner, instanceId, 'stop', stopScript(), signal);
    await ctx.report.note(`n8n is stopped on ${instanceId} while its database moves into RDS.`);
    ctx.report.waiting('pg_dump of database n8n onto EFS');
    const dump = await runStep(ctx, runner, instanceId, 'dump', dumpScript(), signal);
    ctx.report.waiting(`pg_restore of ${dump.file} into RDS (${target.host})`);
    await runStep(ctx, runner, instanceId, 'restore', restoreScript(rds, dump.file), signal);
    ctx.report.waiting('counting the rows of every table on the instance and on RDS');
    const counts = await runStep(ctx, runner, instanceId, 'count', countLines, signal);
    const differences = compareCounts(counts.source, counts.target);
    if (differences.length > 0) throw new CountsDiffer(differences);
    const rows = Object.values(counts.source).reduce((sum, each) => sum + each, 0);
    const tables = Object.keys(counts.source).length;
    const migratedAt = new Date().toISOString();
    // Only this record says the data is in RDS: written after the counts agree, never before.
    await ctx.journal.created(SCALE_KEYS.database, record.kind, record.id, {
      [MIGRATION_ATTRS.at]: migratedAt, [MIGRATION_ATTRS.rows]: String(rows), [MIGRATION_ATTRS.tables]: String(tables),
      [MIGRATION_ATTRS.into]: record.id, [MIGRATION_ATTRS.dump]: dump.file,
    });
    result = { tables, rows, counts: counts.source, dumpFile: dump.file, migratedAt };
  } catch (error) {
    if (!stopSent) throw error;
    throw await rolledBack(ctx, runner, instanceId, target, error);
  }
  // After the journal says migrated: a failure here must not start n8n on the instance's (now stale) data.
  await ctx.report.note(`Moved ${result.tables} tables (${result.rows} rows) of n8n's database from ${instanceId} into RDS (${target.host}); every table has the same row count on both sides. The dump stays on EFS at ${result.dumpFile}.`).catch(() => undefined);
  return result;
}

/** Starts n8n again after a failure, and says what failed and that it is back; or that it is not. */
async function rolledBack(ctx: StepContext, runner: CommandRunner, instanceId: string, target: MigrationTarget, error: unknown): Promise<GeuseError> {
  const wasCancelled = isCancellation(error, ctx.report.signal);
  const reason = wasCancelled ? 'the migration was cancelled'
    : error instanceof CountsDiffer ? `row counts differ in ${error.differences.length} table(s)`
      : error instanceof StepFailed ? `${STEP_WORDS[error.step].what} failed: ${error.words}`
        : wordsOf(error);
  ctx.report.waiting(`starting n8n again on ${instanceId} (${reason})`);
  try {
    await runStep(ctx, runner, instanceId, 'start', startScript());
  } catch (startError) {
    const words = startError instanceof StepFailed ? startError.words : wordsOf(startError);
    return new GeuseError({
      code: 'MIGRATION_NOT_ROLLED_BACK', kind: 'unknown', cause: error,
      message: `Moving stack ${ctx.stack}'s database into RDS failed (${reason}), and starting n8n again on ${instanceId} failed too: ${words}. The instance's PostgreSQL still has n8n's data unchanged, but n8n does not answer there.`,
      nextStep: `Start n8n with \`geusemaker restart ${ctx.stack} n8n\` (it uses the instance's PostgreSQL), check it with \`geusemaker status ${ctx.stack}\`, then deploy again.`,
    });
  }
  await ctx.report.note(`n8n was started again on ${instanceId} (${reason}); it uses the instance's PostgreSQL.`).catch(() => undefined);
  if (wasCancelled) {
    return new GeuseError({
      code: 'CANCELLED', kind: 'cancelled', cause: error,
      message: `Moving stack ${ctx.stack}'s database into RDS was cancelled; ${back(instanceId)}.`,
      nextStep: 'Deploy again when ready: the move starts over, and its restore replaces whatever is in RDS.',
    });
  }
  if (error instanceof CountsDiffer) {
    const shown = error.differences.slice(0, 8).map(describeDifference).join('; ');
    const more = error.differences.length > 8 ? `; and ${error.differences.length - 8} more` : '';
    return new GeuseError({
      code: 'MIGRATION_VERIFY_FAILED', kind: 'unknown',
      message: `After the restore into RDS (${target.host}), row counts differ from the instance's PostgreSQL: ${shown}${more}. ${back(instanceId)}.`,
      nextStep: `Deploy again to repeat the move (n8n is stopped from the dump to the count, and the restore replaces what RDS holds). If the counts differ again, compare those tables on both sides (\`geusemaker shell ${ctx.stack}\`) and report it with this message.`,
    });
  }
  const step = error instanceof StepFailed ? error.step : undefined;
  return new GeuseError({
    code: 'MIGRATION_FAILED', kind: 'unknown', cause: error instanceof StepFailed ? error.original ?? error : error,
    message: `Moving stack ${ctx.stack}'s database into RDS failed${step ? ` at step ${step}` : ''}: ${error instanceof StepFailed ? `${STEP_WORDS[error.step].what} failed: ${error.words}` : wordsOf(error)}. ${back(instanceId)}.`,
    nextStep: (step ? STEP_WORDS[step].next : 'Deploy again; if it fails the same way, report it with this message.').replaceAll('<stack>', ctx.stack),
  });
}
