import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ensureDir, writeFileAtomic } from '../state/atomic';

/** How long a fetched price is trusted: spot moves within minutes, list prices change rarely. */
export const PRICE_TTL_MS = { spot: 10 * 60_000, list: 24 * 3_600_000 } as const;

const entrySchema = z.object({ value: z.unknown(), fetchedAt: z.number() });
const fileSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), entrySchema) });

export interface Cached<T> {
  value: T;
  ageMs: number;
}

/**
 * Prices on disk (in the engine's data folder) so the UI answers at once and offline. A corrupt or foreign
 * cache file is treated as empty: it is only a cache.
 */
export class PriceCache {
  private loading?: Promise<Record<string, z.infer<typeof entrySchema>>>;
  /** Writes run one after another, each with every entry so far: parallel lookups must not lose each other's. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string, private readonly now: () => number = Date.now) {}

  private get path(): string {
    return join(this.dir, 'prices.json');
  }

  /** Read once, shared: parallel first lookups must all see (and add to) the same entries. */
  private load(): Promise<Record<string, z.infer<typeof entrySchema>>> {
    this.loading ??= readFile(this.path, 'utf8').then((text) => {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.entries : {};
    }).catch(() => ({}));
    return this.loading;
  }

  /** The cached value if younger than `ttlMs` (or any age with `stale: true`, for when the API fails). */
  async get<T>(key: string, schema: z.ZodType<T>, ttlMs: number, options: { stale?: boolean } = {}): Promise<Cached<T> | undefined> {
    const entry = (await this.load())[key];
    if (!entry) return undefined;
    const ageMs = this.now() - entry.fetchedAt;
    if (ageMs > ttlMs && !options.stale) return undefined;
    const value = schema.safeParse(entry.value);
    return value.success ? { value: value.data, ageMs } : undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    const entries = await this.load();
    entries[key] = { value, fetchedAt: this.now() };
    const write = this.writing.then(async () => {
      await ensureDir(this.dir);
      await writeFileAtomic(this.path, `${JSON.stringify({ version: 1, entries })}\n`);
    });
    this.writing = write.catch(() => undefined);
    await write;
  }
}
