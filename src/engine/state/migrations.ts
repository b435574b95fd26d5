import { CURRENT_SCHEMA_VERSION } from './schema';

export type StateDocument = Record<string, unknown>;

/** Turns a version-N document into a version-N+1 one; the runner stamps the new version. */
export type Migration = (doc: StateDocument) => StateDocument;

/** Key N holds the step from version N to N+1. */
export type MigrationTable = Readonly<Partial<Record<number, Migration>>>;

/**
 * 1 → 2 adds `compute` (instance running intervals for cost to date). A version-1 stack with a live instance
 * gets an open interval from when its journal recorded the instance: the best start time it has.
 */
export const MIGRATIONS: MigrationTable = {
  1: (doc) => {
    const resources = (doc.resources ?? {}) as Record<string, { kind?: string; status?: string; id?: string; attrs?: Record<string, string>; updatedAt?: string }>;
    const config = (doc.config ?? {}) as { instanceType?: string };
    const compute = Object.values(resources)
      .filter((r) => r.kind === 'instance' && r.status === 'created' && r.id)
      .map((r) => ({
        instanceId: r.id, instanceType: config.instanceType ?? 'unknown',
        market: r.attrs?.market === 'spot' ? 'spot' : 'on-demand', zone: r.attrs?.zone ?? '', startedAt: r.updatedAt ?? String(doc.createdAt ?? ''),
      }));
    return { ...doc, compute };
  },
};

export type MigrationResult =
  | { ok: true; doc: unknown; migratedFrom?: number }
  /** `problem` completes a sentence about the file: "<file> cannot be used: <problem>". */
  | { ok: false; reason: 'too-new' | 'no-migration' | 'failed'; version: number; problem: string };

/**
 * Brings a parsed state document up to `target` one version at a time. Documents without a
 * usable integer `schemaVersion` are passed through untouched so the schema reports them.
 */
export function migrateDocument(
  doc: unknown,
  table: MigrationTable = MIGRATIONS,
  target: number = CURRENT_SCHEMA_VERSION,
): MigrationResult {
  if (!isDocument(doc)) return { ok: true, doc };
  const start = doc.schemaVersion;
  if (typeof start !== 'number' || !Number.isSafeInteger(start)) return { ok: true, doc };
  if (start > target) {
    return {
      ok: false,
      reason: 'too-new',
      version: start,
      problem: `it uses state schema version ${start}, but this GeuseMaker understands versions up to ${target}`,
    };
  }
  let current: StateDocument = doc;
  for (let version = start; version < target; version++) {
    const step = table[version];
    if (!step) {
      return {
        ok: false,
        reason: 'no-migration',
        version: start,
        problem: `it uses state schema version ${start}, and there is no migration from version ${version} to ${version + 1}`,
      };
    }
    try {
      const next = step(current);
      if (!isDocument(next)) throw new Error('the migration did not return an object');
      current = { ...next, schemaVersion: version + 1 };
    } catch (error) {
      return {
        ok: false,
        reason: 'failed',
        version: start,
        problem: `migrating it from schema version ${version} to ${version + 1} failed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  return start < target ? { ok: true, doc: current, migratedFrom: start } : { ok: true, doc: current };
}

function isDocument(value: unknown): value is StateDocument {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
