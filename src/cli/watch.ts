/** Waits ms, or less when the signal aborts first (never rejects: a stopped watch is not an error). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs `round` now and then every intervalMs, start to start, until the signal aborts. */
export async function everyUntilAborted(signal: AbortSignal, intervalMs: number, round: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    const started = Date.now();
    await round();
    await pause(Math.max(0, intervalMs - (Date.now() - started)), signal);
  }
}
