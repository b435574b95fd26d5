import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { GeuseError, invalidInput, refused } from '../errors';
import { stackNameSchema } from '../stack/config';
import { ensureDir, errnoCode, FILE_MODE, writeFileAtomic } from './atomic';
import type { MachineIndex } from './index-file';
import { migrateDocument, MIGRATIONS, type MigrationTable } from './migrations';
import { stackStateSchema, type StackState } from './schema';

/** Rolling backups kept per stack; snapshots taken by `restore` are kept on top of these. */
export const MAX_BACKUPS = 10;
/** A lock whose content cannot be read may still be in the middle of being written; give it time. */
const UNREADABLE_LOCK_STALE_MS = 10 * 60_000;
/** How long `lock` keeps retrying while other processes are creating or breaking the same lock. */
const LOCK_CONTENTION_MS = 5_000;
/** The break guard is held for milliseconds; one older than this was left by a crashed process. */
const BREAK_GUARD_STALE_MS = 1_000;
/** How often a holder touches its lock file, so other machines can see it is still alive. */
export const LOCK_RENEW_MS = 60_000;
/**
 * How long after its last renewal a lock from another machine (or without a pid) counts as live.
 * Many missed renewals, so a busy event loop or a slow disk never makes a live lock look expired.
 */
export const LOCK_LEASE_MS = 10 * 60_000;

const BACKUP_NAME = /^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)-(\d{6})(-corrupt)?\.json$/;

// pid, operation and token are optional: locks written by hand or by older tools may lack them, and
// are then judged by host and age instead of being called unreadable.
const lockInfoSchema = z.object({
  pid: z.number().int().positive().optional(),
  hostname: z.string(),
  operation: z.string().optional(),
  since: z.string(),
  /** Tells two locks taken by the same process apart, so a late release never frees a newer lock. */
  token: z.string().optional(),
  /** The holder's promise: it renews the file's mtime at least this often while it runs. */
  leaseSeconds: z.number().positive().optional(),
});
export type LockInfo = z.output<typeof lockInfoSchema>;

export interface LockOptions {
  /** Break and take a lock whose lease has expired (STACK_LOCK_EXPIRED). Live locks still refuse. */
  takeOver?: boolean;
}

export interface LockTiming {
  renewMs: number;
  leaseMs: number;
}

export interface StackLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Removes the lock file if it is still ours; safe to call more than once. */
  release(): Promise<void>;
}

export interface StackListing {
  name: string;
  state?: StackState;
  error?: GeuseError;
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

interface LockSnapshot {
  raw: string;
  ino: number;
  mtimeMs: number;
  info?: LockInfo;
}

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

  /** Saves `state` as current (with `updatedAt` set to now), keeping the previous version as a backup. */
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
    await this.backupCurrent(name);
    await this.prune(name);
    await writeFileAtomic(this.filePath(name), serialize(next));
    await this.indexUpsert(next);
  }

  /** Deletes the current state; its last version stays among the backups. */
  async remove(name: string): Promise<void> {
    await this.backupCurrent(name);
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
    if (current) await this.backupCurrent(name, true);
    await writeFileAtomic(file, serialize(good.state));
    await this.indexUpsert(good.state);
    return { restoredFrom: good.path };
  }

  /**
   * Takes the stack's lock for `operation` (e.g. "deploy") and renews it until released.
   * A lock left by a dead process on this machine is taken over. A live one refuses with
   * STACK_LOCKED. One from another machine whose lease ran out refuses with STACK_LOCK_EXPIRED,
   * unless `takeOver` is set: pids mean nothing across machines, so only the user can say it is gone.
   */
  async lock(name: string, operation: string, options: LockOptions = {}): Promise<StackLock> {
    const path = this.lockPath(name);
    await ensureDir(this.dir);
    const info: LockInfo = {
      pid: process.pid,
      hostname: hostname(),
      operation,
      since: new Date().toISOString(),
      token: randomBytes(8).toString('hex'),
      leaseSeconds: this.lockTiming.leaseMs / 1000,
    };
    const deadline = Date.now() + LOCK_CONTENTION_MS;
    let last: LockSnapshot | undefined;
    while (Date.now() < deadline) {
      if (await createExclusive(path, JSON.stringify(info))) return new HeldLock(path, info, this.lockTiming.renewMs);
      const seen = await inspectLock(path);
      if (!seen) continue; // Released between our attempt and the look: try again.
      last = seen;
      const verdict = judgeLock(seen, this.lockTiming.leaseMs);
      if (verdict === 'live') throw busyError(name, path, seen, this.lockTiming.leaseMs);
      if (verdict === 'expired' && !options.takeOver) throw expiredError(name, seen, this.lockTiming.leaseMs);
      // The guard re-checks the file is unchanged, so a holder that renewed meanwhile keeps its lock.
      await breakStaleLock(path, seen);
    }
    throw busyError(name, path, last, this.lockTiming.leaseMs);
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

  /** Copies the current file, byte for byte, into the backups; returns its path, or undefined if there was none. */
  private async backupCurrent(name: string, corrupt = false): Promise<string | undefined> {
    let raw: Buffer;
    try {
      raw = await readFile(this.filePath(name));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    const existing = await this.backups(name);
    const highest = Math.max(0, ...existing.map((f) => Number(BACKUP_NAME.exec(f)?.[2] ?? 0)));
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const path = join(this.backupDir(name), `${stamp}-${String(highest + 1).padStart(6, '0')}${corrupt ? '-corrupt' : ''}.json`);
    await writeFileAtomic(path, raw);
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

class HeldLock implements StackLock {
  private released = false;
  private readonly timer: NodeJS.Timeout;
  private renewing?: Promise<void>;

  constructor(readonly path: string, readonly info: LockInfo, renewMs: number) {
    // unref: a forgotten lock must never keep the process alive.
    this.timer = setInterval(() => {
      this.renewing ??= this.renew().finally(() => {
        this.renewing = undefined;
      });
    }, renewMs);
    this.timer.unref();
  }

  /** Touches the file's mtime, but only while it still holds our token. */
  private async renew(): Promise<void> {
    let handle;
    try {
      // One handle for the check and the touch: if the file is replaced in between, we touch ours, not theirs.
      handle = await open(this.path, 'r+');
    } catch (error) {
      // Gone: nothing of ours left to renew. Anything else may pass; the next tick tries again.
      if (errnoCode(error) === 'ENOENT') clearInterval(this.timer);
      return;
    }
    try {
      const info = parseLockInfo(await handle.readFile('utf8'));
      if (this.released || !info || info.token !== this.info.token || info.pid !== this.info.pid) {
        clearInterval(this.timer);
        return;
      }
      const now = new Date();
      await handle.utimes(now, now);
    } catch {
      // A missed renewal is harmless: the lease covers many intervals, and the next tick tries again.
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.renewing;
    const seen = await inspectLock(this.path);
    if (!seen?.info || seen.info.pid !== this.info.pid || seen.info.token !== this.info.token) return;
    await unlink(this.path).catch((error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw error;
    });
  }
}

/** Creates the lock file only if none exists; false if one does. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', FILE_MODE);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  return true;
}

async function inspectLock(path: string): Promise<LockSnapshot | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    // Stat and content from one handle, so they describe the same file.
    const { ino, mtimeMs } = await handle.stat();
    const raw = await handle.readFile('utf8');
    return { raw, ino, mtimeMs, info: parseLockInfo(raw) };
  } finally {
    await handle.close();
  }
}

/** undefined for unreadable content, which judgeLock judges by age alone. */
function parseLockInfo(raw: string): LockInfo | undefined {
  try {
    const parsed = lockInfoSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * stale: safe to take over without asking. live: someone is using it. expired: probably abandoned,
 * but only the user can confirm that.
 */
type LockVerdict = 'stale' | 'live' | 'expired';

function judgeLock(lock: LockSnapshot, defaultLeaseMs: number): LockVerdict {
  if (!lock.info) return Date.now() - lock.mtimeMs > UNREADABLE_LOCK_STALE_MS ? 'stale' : 'live';
  const { pid, hostname: host } = lock.info;
  if (host === hostname() && pid !== undefined) return isAlive(pid) ? 'live' : 'stale';
  // A pid means nothing on another machine (shared or synced directories): judge by the lease.
  // A future mtime (clock skew) gives a negative age, i.e. live: the safe side.
  return Date.now() - lock.mtimeMs > leaseMsOf(lock.info, defaultLeaseMs) ? 'expired' : 'live';
}

function leaseMsOf(info: LockInfo, defaultLeaseMs: number): number {
  return info.leaseSeconds !== undefined ? info.leaseSeconds * 1000 : defaultLeaseMs;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return errnoCode(error) !== 'ESRCH';
  }
}

/**
 * Removes a stale lock so contenders can race for it with 'wx'. Deleting happens only under a
 * guard file and only if the lock is still the very file judged stale; otherwise two contenders
 * could each delete a lock the other had just taken, and both would think they held it.
 */
async function breakStaleLock(path: string, seen: LockSnapshot): Promise<void> {
  const guard = `${path}.break`;
  let handle;
  try {
    handle = await open(guard, 'wx', FILE_MODE);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > BREAK_GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    else await sleep(20);
    return;
  }
  try {
    await handle.close();
    const now = await inspectLock(path);
    if (now && now.ino === seen.ino && now.mtimeMs === seen.mtimeMs && now.raw === seen.raw) {
      await unlink(path).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') throw error;
      });
    }
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

function busyError(name: string, path: string, seen: LockSnapshot | undefined, defaultLeaseMs: number): GeuseError {
  const nextStep = `Wait for it to finish, or if that process is gone, delete ${path}.`;
  if (seen?.info) {
    const { since, pid, hostname: host } = seen.info;
    if (host === hostname() && pid !== undefined) {
      return refused('STACK_LOCKED', `Stack ${name} is busy: ${describeOperation(seen.info)} started at ${since} by process ${pid} on ${host} still holds its lock.`, nextStep);
    }
    const lease = leaseMsOf(seen.info, defaultLeaseMs);
    return refused(
      'STACK_LOCKED',
      `Stack ${name} is busy: ${describeOperation(seen.info)} started ${describeTime(since)} by ${holder(seen.info)} still holds its lock (renewed ${ago(Date.now() - seen.mtimeMs)}).`,
      `Wait for it to finish. If ${host} is gone, its lock expires ${duration(lease)} after its last renewal; then run the command again with --take-over-lock (in VS Code: Take Over Lock).`,
    );
  }
  if (seen) {
    return refused(
      'STACK_LOCKED',
      `Stack ${name} is busy: its lock file ${path} (last changed ${new Date(seen.mtimeMs).toISOString()}) cannot be read, and is too recent to be presumed abandoned.`,
      nextStep,
    );
  }
  return refused('STACK_LOCKED', `Stack ${name} is busy: other processes kept taking its lock ${path}.`, nextStep);
}

function expiredError(name: string, seen: LockSnapshot, defaultLeaseMs: number): GeuseError {
  const info = seen.info as LockInfo; // Only locks with readable content can expire.
  const renewed = new Date(seen.mtimeMs);
  return refused(
    'STACK_LOCK_EXPIRED',
    `Stack ${name} is locked by ${describeOperation(info)} that ${holder(info)} started ${describeTime(info.since)}. ` +
      `The lock was last renewed at ${renewed.toISOString()} (${ago(Date.now() - seen.mtimeMs)}), so its ${duration(leaseMsOf(info, defaultLeaseMs))} lease has expired: that machine is probably gone.`,
    `If no deploy or destroy of ${name} is running on ${info.hostname}, take the lock over: run the command again with --take-over-lock (in VS Code: Take Over Lock).`,
  );
}

/** "a deploy", "an import", or "an operation" for locks that do not say. */
function describeOperation(info: LockInfo): string {
  const operation = info.operation ?? 'operation';
  return `${/^[aeiou]/i.test(operation) ? 'an' : 'a'} ${operation}`;
}

function holder(info: LockInfo): string {
  return info.pid !== undefined ? `process ${info.pid} on ${info.hostname}` : info.hostname;
}

/** "at <ISO> (3 days ago)"; a hand-written time that does not parse is shown as written. */
function describeTime(text: string): string {
  const at = Date.parse(text);
  return Number.isNaN(at) ? `at ${text}` : `at ${new Date(at).toISOString()} (${ago(Date.now() - at)})`;
}

/** "12 s ago", "4 min ago", "3 days ago". Clock skew can make ages negative: show those as 0 s. */
function ago(ms: number): string {
  return `${duration(Math.max(0, ms))} ago`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  const days = Math.floor(h / 24);
  return `${days} days`;
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
  return `There is no good backup to restore. Fix ${file} by hand, or run \`geusemaker destroy ${name} --adopt\`, which finds the stack's AWS resources by their tags and shows whose they are before deleting.`;
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

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
