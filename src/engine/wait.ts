import { cancelled, GeuseError } from './errors';

/** Sleeps, waking early (with a cancellation error) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface PollOptions {
  /** Plain words for progress and for the timeout message, e.g. "EFS mount target in us-east-1b to become available". */
  what: string;
  intervalMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  onWaiting?: (elapsedMs: number) => void;
  /** What to do once the timeout passes. */
  timeoutNextStep?: string;
}

/** Polls until check() returns a value; backs off gently, to at most 2× the interval so a wait never ends long after AWS is ready. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const started = Date.now();
  let interval = options.intervalMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    const elapsed = Date.now() - started;
    if (elapsed >= options.timeoutMs) {
      throw new GeuseError({
        code: 'WAIT_TIMEOUT',
        kind: 'transient',
        message: `Timed out after ${Math.round(elapsed / 1000)} s waiting for ${options.what}.`,
        nextStep: options.timeoutNextStep ?? 'Run the command again; it picks up where it stopped.',
      });
    }
    options.onWaiting?.(elapsed);
    await sleep(Math.min(interval, Math.max(0, options.timeoutMs - elapsed)), options.signal);
    interval = Math.min(interval * 1.5, options.intervalMs * 2);
  }
}
