import { readdir, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { GeuseError, invalidInput, refused } from '../errors';
import { stackNameSchema } from '../stack/config';
import { ensureDir, errnoCode, writeFileAtomic } from './atomic';
import type { LiveView } from '../live';
import type { MachineIndex } from './index-file';
import { migrateDocument, MIGRATIONS, type MigrationTable } from './migrations';
import { stackStateSchema, type StackState } from './schema';
import { acquireLock, LOCK_LEASE_MS, LOCK_RENEW_MS, type LockOptions, type LockTiming, type StackLock } from './lock';

export type { LockInfo, LockOptions, StackLock } from './lock';

/** Rolling backups kept per stack; snapshots taken by `restore` are kept on top of these. */
export const MAX_BACKUPS = 10;
const BACKUP_NAME = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)-(\d{6})(-corrupt)?\.json$/;

export interface StackListing {
  name: string;
  state?: StackState;
  error?: GeuseError;
  /** What EC2 says about the stack's instance now (set by the engine's list, not the store). */
  live?: LiveView;
}

export interface StateStoreOptions {
  /** Kept up to date on every write, remove and restore; failures there never fail the store. */
  index?: MachineIndex;
  /** Only tests pass their own table. */
  migrations?: MigrationTable;
  /** Only tests shorten these; defaults are LOCK_RENEW_MS and LOCK_LEASE_MS. */
  lockTiming?: Partial<LockTiming>;
}

type Parsed = { ok: true; state: StackState } | { ok: false; problem: string };

/**
 * Stack state on disk, one JSON file per stack:
 *   <dir>/<name>.json                          current state
 *   <dir>/.backups/<name>/<time>-<seq>.json    previous versions (newest MAX_BACKUPS kept)
 *   <dir>/<name>.lock                          held while an operation runs
 * The store does not lock by itself: callers take `lock()` around whole operations.
 */
export class StateStore {
  private readonly index?: MachineIndex;
  private readonly migrations: MigrationTable;
  private readonly lockTiming: LockTiming;

  constructor(readonly dir: string, options: StateStoreOptions = {}) {
    this.index = options.index;
    this.migrations = options.migrations ?? MIGRATIONS;
    this.lockTiming = { renewMs: options.lockTiming?.renewMs ?? LOCK_RENEW_MS, leaseMs: options.lockTiming?.leaseMs ?? LOCK_LEASE_MS };
  }

  filePath(name: string): string {
    return join(this.dir, `${checkName(name)}.json`);
  }

  backupDir(name: string): string {
    return join(this.dir, '.backups', checkName(name));
  }

  lockPath(name: string): string {
    return join(this.dir, `${checkName(name)}.lock`);
  }

  /** The stack's state, or undefined if it has none. Throws STATE_CORRUPT / STATE_TOO_NEW. */
  async read(name: string): Promise<StackState | undefined> {
    const file = this.filePath(name);
    const parsed = await this.parseFile(file, name);
    if (!parsed) return undefined;
    if (parsed.ok) return parsed.state;
    throw await this.corruptError(name, file, parsed.problem);
  }

  /**
   * Saves `state` as current (with `updatedAt` set to now) and as the newest backup, so a restore after the
   * file is damaged brings back exactly what was last written (not the version before it).
   */
  async write(state: StackState): Promise<void> {
    const result = stackStateSchema.safeParse({ ...state, updatedAt: new Date().toISOString() });
    if (!result.success) {
      // The engine built this state itself, so this is a bug, not something the user can fix.
      throw new GeuseError({
        code: 'STATE_INVALID',
        kind: 'unknown',
        message: `Refusing to save invalid state for stack ${String(state.name)}: ${describeIssue(result.error)}.`,
        nextStep: 'This is a bug in GeuseMaker; please report it together with the command you ran.',
      });
    }
    const next = result.data;
    const name = checkName(next.name);
    // A current file that no backup holds (edited by hand, or written before backups held each write) is kept too.
    await this.backupCurrent(name, { onlyIfUnsaved: true });
    const text = serialize(next);
    await writeFileAtomic(this.filePath(name), text);
    await this.writeBackup(name, text);
    await this.prune(name);
    await this.indexUpsert(next);
  }

  /** Deletes the current state; its last version stays among the backups. */
  async remove(name: string): Promise<void> {
    await this.backupCurrent(name, { onlyIfUnsaved: true });
    await this.prune(name);
    try {
      await unlink(this.filePath(name));
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
    if (this.index) await this.index.remove(resolve(this.dir), name).catch(() => undefined);
  }

  /** Every stack in the directory; unreadable ones carry their error instead of throwing. */
  async list(): Promise<StackListing[]> {
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw error;
    }
    const names = files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -'.json'.length)).sort();
    return Promise.all(
      names.map(async (name): Promise<StackListing> => {
        try {
          const state = await this.read(name);
          // Vanished between readdir and read: report it like any other unreadable entry.
          return state ? { name, state } : { name, error: unreadable(join(this.dir, `${name}.json`), 'it was deleted while listing') };
        } catch (error) {
          return { name, error: error instanceof GeuseError ? error : unreadable(join(this.dir, `${name}.json`), describeError(error)) };
        }
      }),
    );
  }

  /**
   * Replaces a corrupt (or missing) state file with the newest backup that parses and validates.
   * The corrupt file is kept as a `-corrupt` backup. A readable current file is never rolled back:
   * that would forget resources created since the backup.
   */
  async restore(name: string): Promise<{ restoredFrom: string }> {
    const file = this.filePath(name);
    const current = await this.parseFile(file, name);
    if (current?.ok) {
      throw refused(
        'STATE_NOT_CORRUPT',
        `The state file ${file} for stack ${name} is readable and valid, so there is nothing to restore; rolling it back would forget resources created since the backup.`,
        `If you really want an older version, copy one from ${this.backupDir(name)} over ${file} by hand.`,
      );
    }
    const good = await this.newestGoodBackup(name);
    if (!good) {
      throw invalidInput(
        'NO_GOOD_BACKUP',
        `No backup of stack ${name} in ${this.backupDir(name)} parses and validates, so there is nothing to restore.`,
        noBackupAdvice(name, file),
      );
    }
    if (current) await this.backupCurrent(name, { corrupt: true });
    await writeFileAtomic(file, serialize(good.state));
    await this.indexUpsert(good.state);
    return { restoredFrom: good.path };
  }

  /**
   * Takes the stack's lock for `operation` (e.g. "deploy") and renews it until released; see acquireLock.
   */
  async lock(name: string, operation: string, options: LockOptions = {}): Promise<StackLock> {
    await ensureDir(this.dir);
    return acquireLock(this.lockPath(name), name, operation, options, this.lockTiming);
  }

  /** Parses, migrates and validates one file; undefined if it does not exist. */
  private async parseFile(file: string, name: string): Promise<Parsed | undefined> {
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw unreadable(file, describeError(error), errnoCode(error) === 'EACCES' || errnoCode(error) === 'EPERM');
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      return { ok: false, problem: `it is not valid JSON (${describeError(error)})` };
    }
    const migrated = migrateDocument(json, this.migrations);
    if (!migrated.ok) {
      if (migrated.reason === 'too-new') {
        throw refused(
          'STATE_TOO_NEW',
          `The state file ${file} was written by a newer GeuseMaker: ${migrated.problem}.`,
          'Upgrade GeuseMaker to the version that wrote it (or newer), then try again.',
        );
      }
      return { ok: false, problem: migrated.problem };
    }
    const result = stackStateSchema.safeParse(migrated.doc);
    if (!result.success) return { ok: false, problem: describeIssue(result.error) };
    if (result.data.name !== name) {
      return { ok: false, problem: `it holds stack "${result.data.name}", but its file name says "${name}"` };
    }
    return { ok: true, state: result.data };
  }

  private async corruptError(name: string, file: string, problem: string): Promise<GeuseError> {
    const good = await this.newestGoodBackup(name);
    const nextStep = good
      ? `Run \`geusemaker state restore ${name}\` to restore ${good.path} (saved ${good.state.updatedAt}).`
      : noBackupAdvice(name, file);
    return invalidInput('STATE_CORRUPT', `The state file ${file} for stack ${name} is corrupt: ${problem}.`, nextStep);
  }

  /** Backup file names, newest first. */
  private async backups(name: string): Promise<string[]> {
    try {
      const files = await readdir(this.backupDir(name));
      return files.filter((f) => BACKUP_NAME.test(f)).sort().reverse();
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw error;
    }
  }

  private async newestGoodBackup(name: string): Promise<{ path: string; state: StackState } | undefined> {
    for (const backup of await this.backups(name)) {
      const path = join(this.backupDir(name), backup);
      const parsed = await this.parseFile(path, name).catch(() => undefined);
      if (parsed?.ok) return { path, state: parsed.state };
    }
    return undefined;
  }

  /**
   * Copies the current file, byte for byte, into the backups; returns its path, or undefined if there was none.
   * `onlyIfUnsaved` skips the copy when the newest backup already holds these bytes (every write saves one).
   */
  private async backupCurrent(name: string, options: { corrupt?: boolean; onlyIfUnsaved?: boolean } = {}): Promise<string | undefined> {
    let raw: Buffer;
    try {
      raw = await readFile(this.filePath(name));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    if (options.onlyIfUnsaved && (await this.newestBackupBytes(name))?.equals(raw)) return undefined;
    return this.writeBackup(name, raw, options.corrupt);
  }

  private async newestBackupBytes(name: string): Promise<Buffer | undefined> {
    const newest = (await this.backups(name)).find((f) => !BACKUP_NAME.exec(f)?.[3]);
    if (!newest) return undefined;
    return readFile(join(this.backupDir(name), newest)).catch(() => undefined);
  }

  private async writeBackup(name: string, data: string | Buffer, corrupt = false): Promise<string> {
    const existing = await this.backups(name);
    const highest = Math.max(0, ...existing.map((f) => Number(BACKUP_NAME.exec(f)?.[2] ?? 0)));
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const path = join(this.backupDir(name), `${stamp}-${String(highest + 1).padStart(6, '0')}${corrupt ? '-corrupt' : ''}.json`);
    await writeFileAtomic(path, data);
    return path;
  }

  private async prune(name: string): Promise<void> {
    const rolling = (await this.backups(name)).filter((f) => !BACKUP_NAME.exec(f)?.[3]);
    for (const old of rolling.slice(MAX_BACKUPS)) {
      await unlink(join(this.backupDir(name), old)).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') throw error;
      });
    }
  }

  private async indexUpsert(state: StackState): Promise<void> {
    if (!this.index) return;
    const entry = { name: state.name, stateDir: resolve(this.dir), region: state.region, status: state.status, updatedAt: state.updatedAt };
    // The index is a cache of these files: a failure there must not fail a write that succeeded.
    await this.index.upsert(entry).catch(() => undefined);
  }
}

function checkName(name: string): string {
  const result = stackNameSchema.safeParse(name);
  if (result.success) return result.data;
  // Names become file names: this also keeps "../x" out of the paths.
  throw invalidInput(
    'INVALID_STACK_NAME',
    `Stack name "${name}" ${result.error.issues[0]?.message ?? 'is not valid'}.`,
    'Use 3 to 24 lowercase letters, digits and single dashes, like "demo".',
  );
}

function noBackupAdvice(name: string, file: string): string {
  return `There is no good backup to restore. Fix ${file} by hand, or move it out of the state folder and run \`geusemaker destroy ${name} --adopt\`, which finds the stack's AWS resources by their tags and shows whose they are before deleting.`;
}

function unreadable(file: string, problem: string, permission = false): GeuseError {
  return new GeuseError({
    code: 'STATE_UNREADABLE',
    kind: permission ? 'permission' : 'unknown',
    message: `Could not read the state file ${file}: ${problem}.`,
    nextStep: permission ? `Check that your user can read ${file} and its directory.` : `Check ${file} and its directory, then try again.`,
  });
}

/** The first schema problem, as "field status: Invalid option…". */
function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not match the state schema';
  const where = issue.path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
  return where ? `field ${where}: ${issue.message}` : issue.message;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function serialize(state: StackState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}
