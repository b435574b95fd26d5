import { randomBytes } from 'node:crypto';
import { open, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { z } from 'zod';
import { refused, type GeuseError } from '../errors';
import { errnoCode, FILE_MODE } from './atomic';

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

interface LockSnapshot {
  raw: string;
  ino: number;
  mtimeMs: number;
  info?: LockInfo;
}

/**
 * Takes the lock file at `path` for `operation` (e.g. "deploy") and renews it until released.
 * A lock left by a dead process on this machine is taken over. A live one refuses with
 * STACK_LOCKED. One from another machine whose lease ran out refuses with STACK_LOCK_EXPIRED,
 * unless `takeOver` is set: pids mean nothing across machines, so only the user can say it is gone.
 */
export async function acquireLock(path: string, name: string, operation: string, options: LockOptions, timing: LockTiming): Promise<StackLock> {
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    operation,
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
    leaseSeconds: timing.leaseMs / 1000,
  };
  const deadline = Date.now() + LOCK_CONTENTION_MS;
  let last: LockSnapshot | undefined;
  while (Date.now() < deadline) {
    if (await createExclusive(path, JSON.stringify(info))) return new HeldLock(path, info, timing.renewMs);
    const seen = await inspectLock(path);
    if (!seen) continue; // Released between our attempt and the look: try again.
    last = seen;
    const verdict = judgeLock(seen, timing.leaseMs);
    if (verdict === 'live') throw busyError(name, path, seen, timing.leaseMs);
    if (verdict === 'expired' && !options.takeOver) throw expiredError(name, seen, timing.leaseMs);
    // The guard re-checks the file is unchanged, so a holder that renewed meanwhile keeps its lock.
    await breakStaleLock(path, seen);
  }
  throw busyError(name, path, last, timing.leaseMs);
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

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
