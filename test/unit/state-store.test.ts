import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GeuseError } from '../../src/engine/errors';
import { deadPid, liveChild } from '../harness/processes';
import { rejectsWith } from '../harness/refusal';
import { stackConfigSchema } from '../../src/engine/stack/config';
import { writeFileAtomic } from '../../src/engine/state/atomic';
import { MachineIndex } from '../../src/engine/state/index-file';
import { migrateDocument, MIGRATIONS, type MigrationTable } from '../../src/engine/state/migrations';
import { defaultStateDir, geusemakerHome } from '../../src/engine/state/paths';
import { CURRENT_SCHEMA_VERSION, stackStateSchema, type StackState } from '../../src/engine/state/schema';
import { MAX_BACKUPS, StateStore } from '../../src/engine/state/store';

function demoState(overrides: Partial<StackState> = {}): StackState {
  const at = new Date().toISOString();
  return stackStateSchema.parse({
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: 'demo',
    stackId: 'abc',
    status: 'new',
    region: 'us-east-1',
    config: stackConfigSchema.parse({ name: 'demo' }),
    resources: {},
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
}

describe('state store', () => {
  let root: string;
  let dir: string;
  let store: StateStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'gm-state-'));
    dir = join(root, 'stacks');
    store = new StateStore(dir);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('writeFileAtomic', () => {
    it('replaces the file and leaves no temp files behind', async () => {
      const target = join(dir, 'file.json');
      for (let i = 0; i < 5; i++) await writeFileAtomic(target, `{"n":${i}}`);
      assert.deepEqual(await readdir(dir), ['file.json']);
      assert.equal(await readFile(target, 'utf8'), '{"n":4}');
      if (process.platform !== 'win32') {
        assert.equal((await stat(target)).mode & 0o777, 0o600);
        assert.equal((await stat(dir)).mode & 0o777, 0o700);
      }
    });
  });

  describe('read and write', () => {
    it('returns undefined for a stack without state', async () => {
      assert.equal(await store.read('demo'), undefined);
    });

    it('round-trips state, stamps updatedAt and keeps at most MAX_BACKUPS backups', async () => {
      const first = demoState({ updatedAt: '2000-01-01T00:00:00.000Z' });
      await store.write(first);
      const saved = await store.read('demo');
      assert.ok(saved);
      assert.notEqual(saved.updatedAt, first.updatedAt);
      assert.deepEqual({ ...saved, updatedAt: '' }, { ...first, updatedAt: '' });

      for (let i = 0; i < MAX_BACKUPS + 4; i++) await store.write(demoState({ notes: [`write ${i}`] }));
      const backups = (await readdir(store.backupDir('demo'))).sort();
      assert.equal(backups.length, MAX_BACKUPS);
      const newest = JSON.parse(await readFile(join(store.backupDir('demo'), backups.at(-1) ?? ''), 'utf8')) as StackState;
      assert.deepEqual(newest.notes, [`write ${MAX_BACKUPS + 3}`], 'the newest backup is what was last written');
      assert.deepEqual((await store.read('demo'))?.notes, [`write ${MAX_BACKUPS + 3}`]);
      assert.deepEqual((await readdir(dir)).sort(), ['.backups', 'demo.json']);
    });

    it('refuses to write invalid state', async () => {
      const bad = { ...demoState(), status: 'bogus' } as unknown as StackState;
      await rejectsWith(store.write(bad), 'STATE_INVALID');
      assert.equal(await store.read('demo'), undefined);
    });

    it('rejects stack names that are not safe file names', async () => {
      await rejectsWith(store.read('../etc'), 'INVALID_STACK_NAME');
    });

    it('reports corrupt JSON naming the file and the newest good backup', async () => {
      await store.write(demoState({ notes: ['good'] }));
      await store.write(demoState({ notes: ['newer'] }));
      await writeFile(store.filePath('demo'), '{"schemaVersion": 1, "name": ');
      const error = await rejectsWith(store.read('demo'), 'STATE_CORRUPT');
      assert.equal(error.kind, 'invalid-input');
      assert.match(error.message, /demo\.json/);
      assert.match(error.message, /not valid JSON/);
      const [newest] = (await readdir(store.backupDir('demo'))).sort().reverse();
      assert.ok(newest);
      assert.ok(error.nextStep.includes('geusemaker state restore demo'), error.nextStep);
      assert.ok(error.nextStep.includes(join(store.backupDir('demo'), newest)), error.nextStep);
    });

    it('names the field of a hand-edited invalid value', async () => {
      // Written by hand, never through the store: there is no backup to restore.
      await writeFileAtomic(store.filePath('demo'), JSON.stringify({ ...demoState(), status: 'bogus' }));
      const error = await rejectsWith(store.read('demo'), 'STATE_CORRUPT');
      assert.match(error.message, /field status:/);
      assert.match(error.nextStep, /no good backup/);
      assert.match(error.nextStep, /geusemaker destroy demo/);
    });

    it('a hand edit the store never wrote is kept as a backup before the next write replaces it', async () => {
      await store.write(demoState({ notes: ['written'] }));
      const doc = JSON.parse(await readFile(store.filePath('demo'), 'utf8')) as Record<string, unknown>;
      await writeFile(store.filePath('demo'), JSON.stringify({ ...doc, notes: ['edited by hand'] }));
      await store.write(demoState({ notes: ['next'] }));
      const kept = await Promise.all((await readdir(store.backupDir('demo'))).map((f) => readFile(join(store.backupDir('demo'), f), 'utf8')));
      assert.equal(kept.filter((text) => text.includes('edited by hand')).length, 1);
      assert.equal(kept.filter((text) => text.includes('"written"')).length, 1, 'each version once');
    });

    it('refuses a state file from a newer GeuseMaker with an upgrade message', async () => {
      await store.write(demoState());
      const doc = JSON.parse(await readFile(store.filePath('demo'), 'utf8')) as Record<string, unknown>;
      await writeFile(store.filePath('demo'), JSON.stringify({ ...doc, schemaVersion: CURRENT_SCHEMA_VERSION + 1 }));
      const error = await rejectsWith(store.read('demo'), 'STATE_TOO_NEW');
      assert.equal(error.kind, 'refused');
      assert.match(error.message, /newer GeuseMaker/);
      assert.match(error.nextStep, /Upgrade GeuseMaker/);
    });

    it('lists every stack, corrupt ones with their error', async () => {
      await store.write(demoState());
      await writeFile(join(dir, 'broken.json'), 'not json');
      const listing = await store.list();
      assert.deepEqual(listing.map((l) => l.name), ['broken', 'demo']);
      assert.equal(listing[0]?.error?.code, 'STATE_CORRUPT');
      assert.equal(listing[1]?.state?.name, 'demo');
      assert.deepEqual(await new StateStore(join(root, 'missing')).list(), []);
    });

    it('remove deletes the current file but keeps its last version as a backup', async () => {
      await store.write(demoState({ notes: ['last'] }));
      await store.remove('demo');
      assert.equal(await store.read('demo'), undefined);
      const { restoredFrom } = await store.restore('demo');
      assert.ok(restoredFrom.startsWith(store.backupDir('demo')));
      assert.deepEqual((await store.read('demo'))?.notes, ['last']);
    });
  });

  describe('restore', () => {
    it('brings back the last version written before the damage (not the one before it) and keeps the corrupt file as a backup', async () => {
      await store.write(demoState({ notes: ['older'] }));
      await store.write(demoState({ notes: ['current'] }));
      await writeFile(store.filePath('demo'), 'garbage');
      const { restoredFrom } = await store.restore('demo');
      assert.deepEqual((await store.read('demo'))?.notes, ['current']);
      assert.ok(restoredFrom.startsWith(store.backupDir('demo')));
      const corrupt = (await readdir(store.backupDir('demo'))).filter((f) => f.endsWith('-corrupt.json'));
      assert.equal(corrupt.length, 1);
      assert.equal(await readFile(join(store.backupDir('demo'), corrupt[0] ?? ''), 'utf8'), 'garbage');
    });

    it('fails with NO_GOOD_BACKUP when no backup validates', async () => {
      await writeFile(join(await mkdirp(dir), 'demo.json'), 'garbage');
      const error = await rejectsWith(store.restore('demo'), 'NO_GOOD_BACKUP');
      assert.equal(error.kind, 'invalid-input');
      assert.equal(await readFile(store.filePath('demo'), 'utf8'), 'garbage');
    });

    it('refuses to roll back a valid state file', async () => {
      await store.write(demoState({ notes: ['old'] }));
      await store.write(demoState({ notes: ['new'] }));
      await rejectsWith(store.restore('demo'), 'STATE_NOT_CORRUPT');
      assert.deepEqual((await store.read('demo'))?.notes, ['new']);
    });
  });

  describe('migrations', () => {
    // A made-up version 0 (the name was "stackName") in front of the real steps.
    const table: MigrationTable = {
      ...MIGRATIONS,
      0: (doc) => {
        const { stackName, ...rest } = doc;
        return { ...rest, name: stackName };
      },
    };

    it('migrates a version-0 document step by step', () => {
      const current = JSON.parse(JSON.stringify(demoState())) as Record<string, unknown>;
      const { name, ...withoutName } = current;
      const result = migrateDocument({ ...withoutName, schemaVersion: 0, stackName: name }, table);
      assert.ok(result.ok);
      assert.equal(result.migratedFrom, 0);
      assert.deepEqual(stackStateSchema.parse(result.doc), demoState({ createdAt: current.createdAt as string, updatedAt: current.updatedAt as string }));
    });

    it('reports a missing step and a too-new version', () => {
      const missing = migrateDocument({ schemaVersion: 0 }, {});
      assert.equal(missing.ok, false);
      assert.equal(!missing.ok && missing.reason, 'no-migration');
      const tooNew = migrateDocument({ schemaVersion: CURRENT_SCHEMA_VERSION + 1 }, table);
      assert.equal(!tooNew.ok && tooNew.reason, 'too-new');
    });

    it('a version-1 stack with a running instance gets an open compute interval from its journal', () => {
      const v1: Record<string, unknown> = { ...JSON.parse(JSON.stringify(demoState())) as Record<string, unknown>, schemaVersion: 1, compute: undefined };
      v1.resources = { instance: { key: 'instance', kind: 'instance', status: 'created', id: 'i-1', attrs: { zone: 'us-east-1b', market: 'spot' }, external: false, updatedAt: '2026-11-01T00:00:00.000Z' } };
      const result = migrateDocument(v1);
      assert.ok(result.ok);
      assert.deepEqual(stackStateSchema.parse(result.doc).compute, [{ instanceId: 'i-1', instanceType: 't3.xlarge', market: 'spot', zone: 'us-east-1b', startedAt: '2026-11-01T00:00:00.000Z' }]);
    });

    it('store.read runs the migrations', async () => {
      const migrating = new StateStore(dir, { migrations: table });
      await migrating.write(demoState());
      const { name, ...doc } = JSON.parse(await readFile(migrating.filePath('demo'), 'utf8')) as Record<string, unknown>;
      await writeFile(migrating.filePath('demo'), JSON.stringify({ ...doc, schemaVersion: 0, stackName: name }));
      assert.equal((await migrating.read('demo'))?.name, 'demo');
      // Without the step, the old document cannot be read.
      await rejectsWith(store.read('demo'), 'STATE_CORRUPT');
    });
  });

  describe('lock', () => {
    it('refuses while a live process holds the lock, naming its pid', async () => {
      const child = liveChild();
      try {
        await mkdirp(dir);
        const since = new Date().toISOString();
        await writeFile(store.lockPath('demo'), JSON.stringify({ pid: child.pid, hostname: hostname(), operation: 'deploy', since }));
        const error = await rejectsWith(store.lock('demo', 'destroy'), 'STACK_LOCKED');
        assert.equal(error.kind, 'refused');
        assert.match(error.message, new RegExp(`process ${child.pid}\\b`));
        assert.match(error.message, /a deploy started at/);
        assert.ok(error.nextStep.includes(store.lockPath('demo')));
      } finally {
        child.stop();
      }
    });

    it('takes over a lock left by a dead process', async () => {
      const pid = await deadPid();
      await mkdirp(dir);
      await writeFile(store.lockPath('demo'), JSON.stringify({ pid, hostname: hostname(), operation: 'deploy', since: new Date().toISOString() }));
      const lock = await store.lock('demo', 'destroy');
      const held = JSON.parse(await readFile(store.lockPath('demo'), 'utf8')) as { pid: number; operation: string };
      assert.equal(held.pid, process.pid);
      assert.equal(held.operation, 'destroy');
      await lock.release();
    });

    it('never takes over a lock from another machine', async () => {
      const pid = await deadPid();
      await mkdirp(dir);
      await writeFile(store.lockPath('demo'), JSON.stringify({ pid, hostname: `not-${hostname()}`, operation: 'deploy', since: 'x' }));
      await rejectsWith(store.lock('demo', 'destroy'), 'STACK_LOCKED');
    });

    it('treats an unreadable lock as stale only once it is old', async () => {
      await mkdirp(dir);
      await writeFile(store.lockPath('demo'), '');
      await rejectsWith(store.lock('demo', 'deploy'), 'STACK_LOCKED');
      const old = new Date(Date.now() - 11 * 60_000);
      await utimes(store.lockPath('demo'), old, old);
      const lock = await store.lock('demo', 'deploy');
      await lock.release();
    });

    it('is exclusive within one process, and release is idempotent', async () => {
      const first = await store.lock('demo', 'deploy');
      await rejectsWith(store.lock('demo', 'destroy'), 'STACK_LOCKED');
      await first.release();
      await first.release();
      const second = await store.lock('demo', 'destroy');
      // A late release of the first lock must not free the second.
      await first.release();
      await rejectsWith(store.lock('demo', 'deploy'), 'STACK_LOCKED');
      await second.release();
      assert.deepEqual(await readdir(dir), []);
    });

    it('lets exactly one of many concurrent contenders win a stale lock', async () => {
      const pid = await deadPid();
      await mkdirp(dir);
      await writeFile(store.lockPath('demo'), JSON.stringify({ pid, hostname: hostname(), operation: 'deploy', since: 'x' }));
      const contenders = Array.from({ length: 8 }, (_, i) => new StateStore(dir).lock('demo', `op${i}`));
      const results = await Promise.allSettled(contenders);
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as GeuseError).code, 'STACK_LOCKED');
    });
  });

  describe('machine index', () => {
    it('lists stacks from two state directories and forgets removed ones', async () => {
      const index = new MachineIndex(join(root, 'home'));
      const a = new StateStore(join(root, 'a'), { index });
      const b = new StateStore(join(root, 'b'), { index });
      await a.write(demoState());
      await b.write(demoState({ status: 'deployed', region: 'eu-west-1' }));
      const entries = await index.list();
      assert.deepEqual(entries.map((e) => [e.name, e.stateDir, e.region, e.status]), [
        ['demo', join(root, 'a'), 'us-east-1', 'new'],
        ['demo', join(root, 'b'), 'eu-west-1', 'deployed'],
      ]);
      await a.remove('demo');
      assert.deepEqual((await index.list()).map((e) => e.stateDir), [join(root, 'b')]);
    });

    it('rebuilds a corrupt index instead of failing', async () => {
      const index = new MachineIndex(join(root, 'home'));
      await mkdirp(index.home);
      await writeFile(index.path, '{ nope');
      assert.deepEqual(await index.list(), []);
      await index.upsert({ name: 'demo', stateDir: dir, region: 'us-east-1', status: 'new', updatedAt: 'now' });
      assert.equal((await index.list()).length, 1);
    });

    it('does not lose entries under concurrent upserts', async () => {
      const home = join(root, 'home');
      const upserts = Array.from({ length: 20 }, (_, i) =>
        new MachineIndex(home).upsert({ name: `stack-${i}`, stateDir: dir, region: 'us-east-1', status: 'new', updatedAt: 'now' }),
      );
      await Promise.all(upserts);
      assert.equal((await new MachineIndex(home).list()).length, 20);
    });
  });

  describe('paths', () => {
    it('derives home and state dir from the environment', () => {
      assert.equal(geusemakerHome({ GEUSEMAKER_HOME: '/x/home' }), resolve('/x/home'));
      assert.equal(defaultStateDir({ GEUSEMAKER_HOME: '/x/home' }), resolve('/x/home', 'stacks'));
      assert.equal(defaultStateDir({ GEUSEMAKER_HOME: '/x/home', GEUSEMAKER_STATE_DIR: '/y/state' }), resolve('/y/state'));
      // Empty means unset, not "the current directory".
      assert.ok(geusemakerHome({ GEUSEMAKER_HOME: '' }).endsWith('.geusemaker'));
    });
  });
});

async function mkdirp(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}
