import { z } from 'zod';
import { DUMP_FILE, MIGRATE_MARK, MIGRATION_STEPS, type MigrationStep } from './migrate-script';

/** Rows per table ("schema.table"), as psql's json_object_agg printed them. */
const countsSchema = z.record(z.string().min(1), z.number().int().nonnegative());

const doneSchemas = {
  stop: z.strictObject({ step: z.literal('stop'), ok: z.literal(true) }),
  dump: z.strictObject({ step: z.literal('dump'), ok: z.literal(true), file: z.string().regex(DUMP_FILE), bytes: z.number().int().positive() }),
  restore: z.strictObject({ step: z.literal('restore'), ok: z.literal(true) }),
  count: z.strictObject({ step: z.literal('count'), ok: z.literal(true), source: countsSchema, target: countsSchema }),
  start: z.strictObject({ step: z.literal('start'), ok: z.literal(true) }),
} as const satisfies Record<MigrationStep, z.ZodType>;

const failedSchema = z.strictObject({ step: z.enum(MIGRATION_STEPS), ok: z.literal(false), error: z.string() });

export type StepDone<S extends MigrationStep> = z.output<(typeof doneSchemas)[S]>;

export type StepOutput<S extends MigrationStep> =
  | { ok: true; done: StepDone<S> }
  | { ok: false; words: string };

/**
 * A step script's frame, the last `GM_MIGRATE_V1 <json>` line it printed (pure). ok false: the script said what
 * failed, or printed no frame of this step, or one of the wrong shape (words say which).
 */
export function parseStepOutput<S extends MigrationStep>(step: S, stdout: string, truncated = false): StepOutput<S> {
  const line = stdout.split('\n').map((each) => each.trim()).filter((each) => each.startsWith(`${MIGRATE_MARK} `)).at(-1);
  if (line === undefined) {
    return { ok: false, words: stdout.trim() === '' && !truncated ? 'SSM reported the command done but it printed nothing (it did not run on the instance)' : 'the command ended without its result' };
  }
  let json: unknown;
  try {
    json = JSON.parse(line.slice(MIGRATE_MARK.length + 1));
  } catch {
    return { ok: false, words: `the instance printed a result the engine cannot read (${line.slice(0, 200)})` };
  }
  const failed = failedSchema.safeParse(json);
  if (failed.success) return { ok: false, words: failed.data.error.trim() || 'no details' };
  const done = doneSchemas[step].safeParse(json);
  if (!done.success) {
    const issues = done.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ');
    return { ok: false, words: `the instance printed a result of the wrong shape for step ${step} (${issues})` };
  }
  return { ok: true, done: done.data as StepDone<S> };
}

/** A table whose rows differ between the two sides (undefined: the table is not there). */
export interface CountDifference {
  table: string;
  instance: number | undefined;
  rds: number | undefined;
}

/** Every table whose count differs, or that one side lacks, in name order. */
export function compareCounts(source: Readonly<Record<string, number>>, target: Readonly<Record<string, number>>): CountDifference[] {
  const tables = [...new Set([...Object.keys(source), ...Object.keys(target)])].sort();
  return tables.filter((table) => source[table] !== target[table]).map((table) => ({ table, instance: source[table], rds: target[table] }));
}

export function describeDifference(each: CountDifference): string {
  if (each.rds === undefined) return `${each.table} (${each.instance} rows on the instance, missing on RDS)`;
  if (each.instance === undefined) return `${each.table} (only on RDS, ${each.rds} rows)`;
  return `${each.table} (${each.instance} rows on the instance, ${each.rds} on RDS)`;
}
