import { cancelled, GeuseError } from '../errors';
import type { EngineHost } from '../host';
import { isFailure } from '../health/types';
import type { ProgressListener } from '../progress';

/** Rounds in a row a service may fail before the upgrade is judged broken (the health tracker's "critical"). */
const FAILED_ROUNDS = 3;
const DEFAULT_TIMEOUT_MS = 15 * 60_000;
const STEP = 'upgrade-health';

export type HealthVerdict = { ok: true } | { ok: false; reason: string };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * Health rounds on the instance in service (host.health, over SSM) until every service is healthy: passed. Failed
 * when the bootstrap failed, when a service fails 3 rounds in a row, or when not all are healthy in time (a booting
 * replacement is "starting" or "unknown" for a while, which is waited for). The tracker's own history is not used:
 * failures from before the upgrade must not count.
 */
export async function verifyHealth(host: EngineHost, name: string, options: { signal?: AbortSignal; onProgress?: ProgressListener; timeoutMs?: number; title: string }): Promise<HealthVerdict> {
  const report = options.onProgress ?? (() => undefined);
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? host.timing.upgradeHealthTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const failing = new Map<string, number>();
  let last: string;
  report({ type: 'step-started', step: STEP, title: options.title });
  const done = (verdict: HealthVerdict): HealthVerdict => {
    report({ type: 'step-done', step: STEP, title: options.title, outcome: 'done', detail: verdict.ok ? 'every service is healthy' : verdict.reason, elapsedMs: Date.now() - started });
    return verdict;
  };
  for (;;) {
    try {
      const health = await host.health(name, { signal: options.signal });
      if (health.bootstrap?.bootstrap === 'failed') return done({ ok: false, reason: `the bootstrap on the instance failed${health.bootstrap.step ? ` at step ${health.bootstrap.step}` : ''}` });
      const services = health.services;
      if (services.length > 0 && services.every((s) => s.status === 'healthy')) return done({ ok: true });
      for (const s of services) failing.set(s.service, isFailure(s.status) ? (failing.get(s.service) ?? 0) + 1 : 0);
      const broken = services.filter((s) => (failing.get(s.service) ?? 0) >= FAILED_ROUNDS);
      if (broken.length > 0) {
        return done({ ok: false, reason: `${broken.map((s) => `${s.service} ${s.status}${s.lastError ? ` (${s.lastError})` : ''}`).join('; ')} in ${FAILED_ROUNDS} health rounds in a row` });
      }
      last = services.filter((s) => s.status !== 'healthy').map((s) => `${s.service} ${s.status}${s.lastError ? ` (${s.lastError})` : ''}`).join('; ') || 'no services reported';
    } catch (error) {
      if (error instanceof GeuseError && error.kind === 'cancelled') throw error;
      if (options.signal?.aborted) throw cancelled();
      // No instance in service yet (a replacement booting), or SSM not answering: another round.
      last = error instanceof Error ? error.message : String(error);
    }
    const elapsedMs = Date.now() - started;
    if (elapsedMs >= timeoutMs) return done({ ok: false, reason: `not every service was healthy within ${Math.round(timeoutMs / 60_000) || 1} minutes: ${last}` });
    report({ type: 'step-waiting', step: STEP, waitingFor: `every service to be healthy (${last})`, elapsedMs });
    await sleep(Math.max(2 * host.timing.pollIntervalMs, 10), options.signal);
  }
}
