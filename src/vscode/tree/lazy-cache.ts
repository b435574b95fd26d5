import { classifyAwsError, type GeuseError } from '../../engine';
import type { StackEntry } from '../stacks-source';
import { keyOf } from './nodes';

/** What the tree knows of something it reads per stack only when asked (a section expanded, Refresh). */
export type LazyView<T> =
  | { state: 'loading' }
  | { state: 'loaded'; value: T; at: string }
  | { state: 'failed'; error: GeuseError; at: string };

/** Reads one stack's value (AWS calls): the cache aborts the signal when the read is no longer wanted. */
export type LazySource<T> = (entry: StackEntry, signal: AbortSignal) => Promise<T>;

/**
 * Per-stack values the tree reads only when asked (ModelsCache's pattern, for any value): `ensure` reads once
 * (a failure stays until asked again, so it is never retried in a loop), `reload` reads again now, `forget` drops
 * what is not kept. A read never throws: a failure becomes the view's error.
 */
export class LazyCache<T> {
  private readonly views = new Map<string, LazyView<T>>();
  private readonly reads = new Map<string, AbortController>();

  /** `readable`: whether the stack's value can be read at all (e.g. its backups are on); nothing is read otherwise. */
  constructor(private readonly source: LazySource<T>, private readonly changed: () => void, private readonly readable: (entry: StackEntry) => boolean) {}

  get map(): ReadonlyMap<string, LazyView<T>> {
    return this.views;
  }

  /** Starts a read unless the stack's value was read or is being read. */
  ensure(entry: StackEntry): void {
    if (this.readable(entry) && !this.views.has(keyOf(entry))) void this.read(entry);
  }

  /** Reads it again now; resolves when the tree shows the result. */
  reload(entry: StackEntry): Promise<void> {
    if (!this.readable(entry)) return Promise.resolve();
    this.reads.get(keyOf(entry))?.abort();
    return this.read(entry);
  }

  /** Drops what is not kept, so it is read again when next asked for. */
  forget(keep: (key: string) => boolean): void {
    for (const key of [...this.views.keys()]) {
      if (keep(key)) continue;
      this.reads.get(key)?.abort();
      this.reads.delete(key);
      this.views.delete(key);
    }
  }

  dispose(): void {
    for (const controller of this.reads.values()) controller.abort();
    this.reads.clear();
  }

  private read(entry: StackEntry): Promise<void> {
    const key = keyOf(entry);
    const controller = new AbortController();
    this.reads.set(key, controller);
    this.views.set(key, { state: 'loading' });
    // Not at once: VS Code may be inside getChildren for this very row.
    queueMicrotask(this.changed);
    return this.source(entry, controller.signal).then(
      (value): LazyView<T> => ({ state: 'loaded', value, at: new Date().toISOString() }),
      (error: unknown): LazyView<T> => ({ state: 'failed', error: classifyAwsError(error), at: new Date().toISOString() }),
    ).then((view) => {
      if (controller.signal.aborted || this.reads.get(key) !== controller) return;
      this.reads.delete(key);
      this.views.set(key, view);
      this.changed();
    });
  }
}
