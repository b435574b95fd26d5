import { hostname } from 'node:os';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ensureDir, errnoCode, FILE_MODE, writeFileAtomic } from './atomic';
import { GeuseError } from '../errors';
import { geusemakerHome } from './paths';
import { STACK_STATUSES } from './schema';

const indexEntrySchema = z.strictObject({
  name: z.string().min(1),
  stateDir: z.string().min(1),
  region: z.string(),
  status: z.enum(STACK_STATUSES),
  updatedAt: z.string(),
});
export type IndexEntry = z.output<typeof indexEntrySchema>;

const INDEX_VERSION = 1;
const indexFileSchema = z.object({ version: z.literal(INDEX_VERSION), entries: z.array(z.unknown()) });

/** Read-modify-write takes milliseconds; a lock held this long belongs to a crashed process. */
const LOCK_WAIT_MS = 2_000;
const LOCK_POLL_MS = 20;

/**
 * Every stack this machine knows about, across state directories, so the UI can list them
 * without scanning the disk. It is a cache of the state files: a corrupt index is treated as
 * empty and rebuilt by the next write, never an error.
 */
export class MachineIndex {
  readonly home: string;

  constructor(home: string = geusemakerHome()) {
    this.home = resolve(home);
  }

  get path(): string {
    return join(this.home, 'index.json');
  }

  async list(): Promise<IndexEntry[]> {
    const entries = await this.load();
    return entries.sort((a, b) => a.name.localeCompare(b.name) || a.stateDir.localeCompare(b.stateDir));
  }

  async upsert(entry: IndexEntry): Promise<void> {
    const next = indexEntrySchema.parse({ ...entry, stateDir: resolve(entry.stateDir) });
    await this.modify((entries) => [...entries.filter((e) => !sameKey(e, next.stateDir, next.name)), next]);
  }

  async remove(stateDir: string, name: string): Promise<void> {
    const dir = resolve(stateDir);
    await this.modify((entries) => entries.filter((e) => !sameKey(e, dir, name)));
  }

  private async load(): Promise<IndexEntry[]> {
    let raw: string;
    try {
      raw = await readFile(this.path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return [];
    }
    const file = indexFileSchema.safeParse(json);
    if (!file.success) return [];
    // Drop only the entries that do not parse (e.g. a status from a newer version), keep the rest.
    return file.data.entries.flatMap((candidate) => {
      const entry = indexEntrySchema.safeParse(candidate);
      return entry.success ? [entry.data] : [];
    });
  }

  private async modify(change: (entries: IndexEntry[]) => IndexEntry[]): Promise<void> {
    await ensureDir(this.home);
    const release = await this.acquire();
    try {
      const entries = change(await this.load());
      await writeFileAtomic(this.path, `${JSON.stringify({ version: INDEX_VERSION, entries }, null, 2)}\n`);
    } finally {
      await release();
    }
  }

  /** A short exclusive lock around read-modify-write, so two processes' upserts do not drop each other. */
  private async acquire(): Promise<() => Promise<void>> {
    const lockPath = join(this.home, 'index.lock');
    const deadline = Date.now() + LOCK_WAIT_MS;
    let broken = false;
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx', FILE_MODE);
        try {
          // Only for a human looking at a left-over lock; nothing reads it.
          await handle.writeFile(JSON.stringify({ pid: process.pid, hostname: hostname() }));
        } catch (error) {
          await handle.close();
          await unlink(lockPath).catch(() => undefined);
          throw error;
        }
        await handle.close();
        return async () => {
          await unlink(lockPath).catch(() => undefined);
        };
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw error;
      }
      if (Date.now() >= deadline) {
        // Held for the whole wait: a crashed holder, unless the file is fresh (then it is just busy).
        const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => LOCK_WAIT_MS);
        if (age < LOCK_WAIT_MS || broken) {
          throw new GeuseError({
            code: 'INDEX_LOCKED',
            kind: 'transient',
            message: `Could not update the stack index ${this.path}: ${lockPath} stayed locked for ${LOCK_WAIT_MS / 1000} s.`,
            nextStep: `Try again; if it keeps happening and no GeuseMaker is running, delete ${lockPath}.`,
          });
        }
        await unlink(lockPath).catch(() => undefined);
        broken = true;
        continue;
      }
      await sleep(LOCK_POLL_MS + Math.floor(Math.random() * LOCK_POLL_MS));
    }
  }
}

function sameKey(entry: IndexEntry, stateDir: string, name: string): boolean {
  return entry.name === name && entry.stateDir === stateDir;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
