import type { GeuseError } from '../errors';
import type { ComputeInterval, ResourceKind, ResourceRecord, StackState, StackStatus } from './schema';

export interface StateWriter {
  write(state: StackState): Promise<void>;
}

/**
 * The stack's journal: every resource's intent is written before its AWS call, its id the moment
 * AWS returns it. Writes are serialized so concurrent steps never lose each other's entries.
 */
export class Journal {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly store: StateWriter, private current: StackState) {}

  get state(): StackState {
    return this.current;
  }

  record(key: string): ResourceRecord | undefined {
    return this.current.resources[key];
  }

  records(): ResourceRecord[] {
    return Object.values(this.current.resources);
  }

  intent(key: string, kind: ResourceKind, token?: string): Promise<void> {
    return this.update((state) => {
      const previous = state.resources[key];
      state.resources[key] = { key, kind, status: 'intent', token, attrs: previous?.attrs ?? {}, external: false, updatedAt: now() };
    });
  }

  created(key: string, kind: ResourceKind, id: string, attrs: Record<string, string> = {}, external = false): Promise<void> {
    return this.update((state) => {
      const previous = state.resources[key];
      // Re-journaling the same resource (a resume reuses it) keeps when it was made: cost to date counts from it.
      const same = previous?.status === 'created' && previous.id === id;
      const createdAt = same ? previous.attrs.createdAt ?? previous.updatedAt : now();
      state.resources[key] = { key, kind, status: 'created', id, token: previous?.token, attrs: { ...previous?.attrs, ...attrs, createdAt }, external, updatedAt: now() };
    });
  }

  deleted(key: string): Promise<void> {
    return this.update((state) => {
      const previous = state.resources[key];
      if (previous) state.resources[key] = { ...previous, status: 'deleted', updatedAt: now() };
    });
  }

  /** Drops entries (used when a destroy has confirmed them gone and the stack lives on with kept data). */
  forget(keys: readonly string[]): Promise<void> {
    return this.update((state) => {
      for (const key of keys) delete state.resources[key];
    });
  }

  setStatus(status: StackStatus, error?: GeuseError): Promise<void> {
    return this.update((state) => {
      state.status = status;
      state.lastError = error ? { code: error.code, message: error.message, nextStep: error.nextStep, at: now() } : undefined;
    });
  }

  /**
   * An instance is running: a re-run of deploy that reuses it adds nothing while its run is open. One whose run
   * ended (it was stopped, and started again since) runs anew from its latest start, never over the ended run.
   */
  computeStarted(interval: Omit<ComputeInterval, 'endedAt'>): Promise<void> {
    return this.update((state) => {
      const runs = state.compute.filter((c) => c.instanceId === interval.instanceId);
      if (runs.some((c) => !c.endedAt)) return;
      const lastEnd = runs.map((c) => c.endedAt!).sort().at(-1);
      const startedAt = lastEnd && lastEnd > interval.startedAt ? lastEnd : interval.startedAt;
      state.compute = [...state.compute, { ...interval, startedAt }];
    });
  }

  /** Instances confirmed gone: their open intervals end now. */
  computeEnded(instanceIds: readonly string[], at: string = now()): Promise<void> {
    return this.update((state) => {
      state.compute = state.compute.map((c) => (instanceIds.includes(c.instanceId) && !c.endedAt ? { ...c, endedAt: at } : c));
    });
  }

  note(message: string): Promise<void> {
    return this.update((state) => {
      state.notes = [...state.notes.slice(-19), message];
    });
  }

  update(mutate: (state: StackState) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const copy = structuredClone(this.current);
      mutate(copy);
      await this.store.write(copy);
      this.current = copy;
    });
    // A failed write must not block later ones; the caller still sees its own failure.
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function now(): string {
  return new Date().toISOString();
}
