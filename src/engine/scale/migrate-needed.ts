import type { StackConfig } from '../stack/config';
import type { StackState } from '../state/schema';
import { SCALE_KEYS } from './names';

/* Whether a stack's PostgreSQL still has to move into RDS: read at deploy time by the kinds, so kept light (no scripts). */

/** The attrs of the database record (key SCALE_KEYS.database) that say n8n's data was moved into that database. */
export const MIGRATION_ATTRS = {
  at: 'migratedAt',
  rows: 'migratedRows',
  tables: 'migratedTables',
  /** The RDS instance the rows went into: a database made anew later under the same key holds none of them. */
  into: 'migratedInto',
  dump: 'migrationDump',
} as const;

export interface MigrationRecord {
  migratedAt: string;
  rows: number;
  tables: number;
  into: string;
}

/** The journal's word that n8n's data is in the stack's RDS database now, if it says so. */
export function migrationRecord(state: Pick<StackState, 'resources'>): MigrationRecord | undefined {
  const record = state.resources[SCALE_KEYS.database];
  if (record?.status !== 'created' || !record.id) return undefined;
  const attrs = record.attrs;
  const at = attrs[MIGRATION_ATTRS.at];
  if (!at || attrs[MIGRATION_ATTRS.into] !== record.id) return undefined;
  return { migratedAt: at, rows: Number(attrs[MIGRATION_ATTRS.rows] ?? 0), tables: Number(attrs[MIGRATION_ATTRS.tables] ?? 0), into: record.id };
}

/**
 * Whether n8n's data lives in the stack's RDS database, so that nothing may take the database away or change its
 * password behind its back: the applied config keeps it there (a stack made with scale.database rds, or one whose
 * move was applied), or the journal says it was moved (a change whose move finished before the rest of it did).
 */
export function dataInRds(state: Pick<StackState, 'config' | 'resources'>): boolean {
  return state.config.scale?.database === 'rds' || migrationRecord(state) !== undefined;
}

/**
 * Whether n8n's data must be moved into RDS before n8n is switched to it: the config wants RDS, PostgreSQL is on,
 * the configuration last applied kept the data on the instance (state.config, which stays the old one while a
 * change is pending; a new stack's is the wanted one, so it starts on an empty RDS), an instance ran it (an
 * instance record, in service or not: the data is on EFS either way), and the journal does not say it was moved.
 */
export function migrationNeeded(state: StackState, config: StackConfig): boolean {
  if (config.scale?.database !== 'rds' || !config.services.postgres) return false;
  if (state.config.scale?.database === 'rds') return false;
  if (state.resources.instance === undefined) return false;
  return migrationRecord(state) === undefined;
}

