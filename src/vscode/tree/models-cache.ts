import { classifyAwsError, type StackModel } from '../../engine';
import type { StackEntry } from '../stacks-source';
import { modelsLive, type ModelsView } from './models-nodes';
import { keyOf } from './nodes';

/** Reads a stack's models (over SSM Run Command). */
export type ModelSource = (entry: StackEntry, signal: AbortSignal) => Promise<StackModel[]>;

/**
 * The models the tree shows, per stack: read when VS Code asks for the Models section's rows (it does so only
 * for an expanded row), kept until Refresh Models, a pull or removal, or a forced refresh.
 */
export class ModelsCache {
  private readonly views = new Map<string, ModelsView>();
  private readonly reads = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(private readonly source: ModelSource, private readonly changed: () => void) {}

  get map(): ReadonlyMap<string, ModelsView> {
    return this.views;
  }

  /** Starts a read unless the stack's models were read or are being read; a failure stays until asked again. */
  ensure(entry: StackEntry): void {
    if (modelsLive(entry) && !this.views.has(keyOf(entry))) void this.read(entry);
  }

  /** Reads them again now; resolves when the tree shows the result. */
  reload(entry: StackEntry): Promise<void> {
    this.reads.get(keyOf(entry))?.controller.abort();
    return this.read(entry);
  }

  /** Drops what is not kept (stacks that stopped running; everything on a forced refresh), so it is read again when shown. */
  forget(keep: (key: string) => boolean): void {
    for (const key of [...this.views.keys()]) {
      if (keep(key)) continue;
      this.reads.get(key)?.controller.abort();
      this.reads.delete(key);
      this.views.delete(key);
    }
  }

  dispose(): void {
    for (const read of this.reads.values()) read.controller.abort();
    this.reads.clear();
  }

  private read(entry: StackEntry): Promise<void> {
    const key = keyOf(entry);
    const controller = new AbortController();
    this.views.set(key, { state: 'loading' });
    // Not at once: VS Code may be inside getChildren for this very row.
    queueMicrotask(this.changed);
    const done = this.source(entry, controller.signal).then(
      (models) => ({ state: 'loaded' as const, models, at: new Date().toISOString() }),
      (error: unknown) => ({ state: 'failed' as const, error: classifyAwsError(error), at: new Date().toISOString() }),
    ).then((view) => {
      if (controller.signal.aborted || this.reads.get(key)?.controller !== controller) return;
      this.reads.delete(key);
      this.views.set(key, view);
      this.changed();
    });
    this.reads.set(key, { controller, done });
    return done;
  }
}
