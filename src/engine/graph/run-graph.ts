import { cancelled, GeuseError } from '../errors';
import { classifyAwsError, type ClassifyContext } from '../aws/classify';
import type { ProgressListener, StepOutcome } from '../progress';

export interface StepResult {
  outcome: StepOutcome;
  detail?: string;
}

export interface GraphStep {
  id: string;
  title: string;
  deps: readonly string[];
  run(waiting: (what: string) => void): Promise<StepResult>;
}

export interface StepTiming {
  id: string;
  deps: readonly string[];
  startedAt: number;
  endedAt: number;
}

export interface GraphRunOptions {
  signal?: AbortSignal;
  onProgress: ProgressListener;
  /** Profile and stack, so a failed step's next step can name them. */
  context?: ClassifyContext;
}

/**
 * Runs steps as a dependency graph: every step starts as soon as its dependencies are done.
 * On a failure or cancellation no new step starts, running steps finish (so the journal records
 * what they created), then the first error is thrown.
 */
export async function runGraph(steps: readonly GraphStep[], options: GraphRunOptions): Promise<StepTiming[]> {
  const byId = new Map(steps.map((step) => [step.id, step]));
  for (const step of steps) {
    for (const dep of step.deps) if (!byId.has(dep)) throw new Error(`Step ${step.id} depends on unknown step ${dep}`);
  }
  const done = new Set<string>();
  const started = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const timings: StepTiming[] = [];
  let firstError: GeuseError | undefined;

  const launch = (step: GraphStep): void => {
    started.add(step.id);
    const startedAt = Date.now();
    options.onProgress({ type: 'step-started', step: step.id, title: step.title });
    const waiting = (what: string): void =>
      options.onProgress({ type: 'step-waiting', step: step.id, waitingFor: what, elapsedMs: Date.now() - startedAt });
    const promise = step
      .run(waiting)
      .then((result) => {
        const endedAt = Date.now();
        timings.push({ id: step.id, deps: step.deps, startedAt, endedAt });
        done.add(step.id);
        options.onProgress({ type: 'step-done', step: step.id, title: step.title, outcome: result.outcome, detail: result.detail, elapsedMs: endedAt - startedAt });
      })
      .catch((error: unknown) => {
        const classified = classifyAwsError(error, options.context);
        firstError ??= classified;
        options.onProgress({ type: 'step-failed', step: step.id, title: step.title, error: classified, elapsedMs: Date.now() - startedAt });
      })
      .finally(() => running.delete(step.id));
    running.set(step.id, promise);
  };

  for (;;) {
    // A cancel only matters while steps remain: once the last one has started, let it finish as a success.
    if (options.signal?.aborted && started.size < steps.length) firstError ??= cancelled();
    if (!firstError) {
      for (const step of steps) {
        if (!started.has(step.id) && step.deps.every((dep) => done.has(dep))) launch(step);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (firstError) throw firstError;
  if (done.size !== steps.length) throw new Error('Dependency cycle in the step graph');
  return timings;
}

/** Length of the longest dependency chain, using each step's own measured duration. */
export function criticalPathMs(timings: readonly StepTiming[]): number {
  const byId = new Map(timings.map((t) => [t.id, t]));
  const memo = new Map<string, number>();
  const finish = (id: string): number => {
    const cached = memo.get(id);
    if (cached !== undefined) return cached;
    const timing = byId.get(id);
    if (!timing) return 0;
    const value = Math.max(0, ...timing.deps.map(finish)) + (timing.endedAt - timing.startedAt);
    memo.set(id, value);
    return value;
  };
  return Math.max(0, ...timings.map((t) => finish(t.id)));
}
