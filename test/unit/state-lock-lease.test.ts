import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadPid } from '../harness/processes';
import { rejectsWith } from '../harness/refusal';
import { LOCK_LEASE_MS, type LockInfo } from '../../src/engine/state/lock';
import { StateStore } from '../../src/engine/state/store';

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

const OTHER_HOST = 'old-container-1234';
const LONG_AGO = new Date('2026-01-01T00:00:00.000Z');

describe('state lock lease', () => {
  let root: string;
  let dir: string;
  let store: StateStore;
  let lockFile: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'gm-lease-'));
    dir = join(root, 'stacks');
    await mkdir(dir, { recursive: true });
    store = new StateStore(dir);
    lockFile = store.lockPath('demo');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Writes a lock file by hand and sets its mtime, i.e. when it was last renewed. */
  async function plantLock(content: Record<string, unknown>, renewedAt: Date): Promise<string> {
    const raw = JSON.stringify(content);
    await writeFile(lockFile, raw);
    await utimes(lockFile, renewedAt, renewedAt);
    return raw;
  }

  it('refuses a foreign lock whose lease expired, and takes it over when asked', async () => {
    // The exact lock a restarted container leaves behind: no pid, no operation, no token.
    const raw = await plantLock({ hostname: OTHER_HOST, since: '2026-01-01' }, LONG_AGO);

    const error = await rejectsWith(store.lock('demo', 'deploy'), 'STACK_LOCK_EXPIRED');
    assert.equal(error.kind, 'refused');
    assert.match(error.message, /old-container-1234/);
    assert.match(error.message, /2026-01-01T00:00:00\.000Z \(\d+ days ago\)/);
    assert.match(error.message, /last renewed at 2026-01-01T00:00:00\.000Z/);
    assert.match(error.message, /lease has expired/);
    assert.match(error.message, /probably gone/);
    assert.equal(
      error.nextStep,
      'If no deploy or destroy of demo is running on old-container-1234, take the lock over: run the command again with --take-over-lock (in VS Code: Take Over Lock).',
    );
    // Refusing must leave the foreign lock alone.
    assert.equal(await readFile(lockFile, 'utf8'), raw);

    const lock = await store.lock('demo', 'deploy', { takeOver: true });
    try {
      assert.equal(lock.info.hostname, hostname());
      assert.equal(lock.info.pid, process.pid);
      assert.equal(lock.info.operation, 'deploy');
      assert.equal(lock.info.leaseSeconds, LOCK_LEASE_MS / 1000);
      const held = JSON.parse(await readFile(lockFile, 'utf8')) as LockInfo;
      assert.ok(lock.info.token);
      assert.equal(held.token, lock.info.token);
      assert.equal(held.hostname, hostname());
    } finally {
      await lock.release();
    }
    assert.deepEqual(await readdir(dir), []);
  });

  it('refuses a foreign lock renewed just now, even with takeOver, and leaves it untouched', async () => {
    const raw = await plantLock({ pid: 4242, hostname: OTHER_HOST, operation: 'destroy', since: new Date().toISOString(), token: 'theirs' }, new Date());
    const before = await stat(lockFile);

    const error = await rejectsWith(store.lock('demo', 'deploy', { takeOver: true }), 'STACK_LOCKED');
    assert.equal(error.kind, 'refused');
    assert.match(error.message, /a destroy started at/);
    assert.match(error.message, /process 4242 on old-container-1234/);
    assert.match(error.message, /renewed \d+ s ago/);
    assert.equal(await readFile(lockFile, 'utf8'), raw);
    assert.equal((await stat(lockFile)).mtimeMs, before.mtimeMs);
  });

  it("judges a foreign lock by its own leaseSeconds, in both directions", async () => {
    // A 1 s lease last renewed 5 s ago has expired, though the default lease would still cover it.
    await plantLock({ hostname: OTHER_HOST, operation: 'deploy', since: new Date().toISOString(), leaseSeconds: 1 }, new Date(Date.now() - 5_000));
    await rejectsWith(store.lock('demo', 'deploy'), 'STACK_LOCK_EXPIRED');

    // A 1 h lease last renewed 20 min ago is live, though the default lease would have expired.
    await plantLock({ hostname: OTHER_HOST, operation: 'deploy', since: new Date().toISOString(), leaseSeconds: 3600 }, new Date(Date.now() - 20 * 60_000));
    await rejectsWith(store.lock('demo', 'deploy', { takeOver: true }), 'STACK_LOCKED');
  });

  it('judges a lock without a pid by its lease even on this host', async () => {
    await plantLock({ hostname: hostname(), since: new Date().toISOString() }, new Date());
    await rejectsWith(store.lock('demo', 'deploy', { takeOver: true }), 'STACK_LOCKED');
    await utimes(lockFile, LONG_AGO, LONG_AGO);
    await rejectsWith(store.lock('demo', 'deploy'), 'STACK_LOCK_EXPIRED');
  });

  it('still takes over a fresh lock left by a dead process on this host, without asking', async () => {
    await plantLock({ pid: await deadPid(), hostname: hostname(), operation: 'deploy', since: new Date().toISOString() }, new Date());
    const lock = await store.lock('demo', 'destroy');
    try {
      const held = JSON.parse(await readFile(lockFile, 'utf8')) as LockInfo;
      assert.equal(held.pid, process.pid);
      assert.equal(held.operation, 'destroy');
    } finally {
      await lock.release();
    }
  });

  it('the holder renews its lock until it releases it', async () => {
    const renewMs = 30;
    const fast = new StateStore(dir, { lockTiming: { renewMs, leaseMs: 60_000 } });
    const lock = await fast.lock('demo', 'deploy');
    const ours = await readFile(lockFile, 'utf8');
    assert.equal((JSON.parse(ours) as LockInfo).leaseSeconds, 60);

    await utimes(lockFile, LONG_AGO, LONG_AGO);
    let renewed = false;
    for (let i = 0; i < 200 && !renewed; i++) {
      await sleep(renewMs);
      renewed = (await stat(lockFile)).mtimeMs > LONG_AGO.getTime();
    }
    assert.ok(renewed, 'the lock file mtime was never moved forward');
    // Another contender now sees a live lock, not an expired one.
    await rejectsWith(new StateStore(dir).lock('demo', 'destroy', { takeOver: true }), 'STACK_LOCKED');

    await lock.release();
    assert.deepEqual(await readdir(dir), []);

    // Put our exact content back: a timer still running would touch it.
    await plantLock(JSON.parse(ours) as Record<string, unknown>, LONG_AGO);
    await sleep(renewMs * 10);
    assert.equal((await stat(lockFile)).mtimeMs, LONG_AGO.getTime());
  });

  it('the holder never renews a lock file that no longer holds its token', async () => {
    const renewMs = 30;
    const fast = new StateStore(dir, { lockTiming: { renewMs, leaseMs: 60_000 } });
    const lock = await fast.lock('demo', 'deploy');
    try {
      // Someone else broke our lock and took it; their lock must keep its own mtime.
      await plantLock({ pid: 4242, hostname: OTHER_HOST, operation: 'destroy', since: new Date().toISOString(), token: 'theirs' }, LONG_AGO);
      await sleep(renewMs * 10);
      assert.equal((await stat(lockFile)).mtimeMs, LONG_AGO.getTime());
    } finally {
      await lock.release();
    }
    // Their lock survives our release.
    assert.equal((JSON.parse(await readFile(lockFile, 'utf8')) as LockInfo).token, 'theirs');
  });
});
