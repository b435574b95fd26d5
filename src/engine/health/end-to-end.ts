import { cancelled } from '../errors';
import { publicCheckUrl, type ServiceSpec } from './catalogue';
import type { ServiceCheck } from './types';

export interface PublicCheckOptions {
  /** The proxy's basic-auth login; without it, services behind it are reported as "unknown". */
  auth?: { user: string; password: string };
  signal?: AbortSignal;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  now?: () => Date;
}

/** Bodies we look into are small; never read more than this of an unexpected page. */
const MAX_BODY_CHARS = 64 * 1024;

function timeoutSignal(ms: number, outer?: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timeout')), ms);
  const onAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose: () => { clearTimeout(timer); outer?.removeEventListener('abort', onAbort); } };
}

async function checkOne(url: string, spec: ServiceSpec, options: PublicCheckOptions, checkedAt: string): Promise<ServiceCheck> {
  const base = { service: spec.name, checkedAt, via: 'public-url' as const };
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = {};
  if (options.auth) headers.authorization = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`;
  const { signal, dispose } = timeoutSignal(spec.timeoutSeconds * 1000, options.signal);
  const started = Date.now();
  try {
    const response = await doFetch(url, { headers, signal, redirect: 'manual' });
    const body = (await response.text()).slice(0, MAX_BODY_CHARS);
    const latencyMs = Date.now() - started;
    if (response.status === 401 && spec.proxyAuth && !options.auth) {
      return { ...base, status: 'unknown', latencyMs, lastError: 'Behind the proxy password; give the login to check it through the public URL' };
    }
    if (response.status !== 200) {
      const proxy = response.status === 502 || response.status === 504 ? ' (the proxy could not reach it)' : '';
      return { ...base, status: 'unhealthy', latencyMs, lastError: `${url} answered HTTP ${response.status}${proxy}` };
    }
    const expected = spec.probe.kind === 'http' ? spec.probe.bodyContains : undefined;
    if (expected && !body.includes(expected)) return { ...base, status: 'unhealthy', latencyMs, lastError: `${url} answered 200 without the expected content` };
    return { ...base, status: 'healthy', latencyMs };
  } catch (error) {
    if (options.signal?.aborted) throw cancelled();
    const latencyMs = Date.now() - started;
    const words = signal.aborted ? `no answer within ${spec.timeoutSeconds} s` : `no answer (${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)})`;
    return { ...base, status: 'unhealthy', latencyMs, lastError: `${url}: ${words}` };
  } finally {
    dispose();
  }
}

/** Checks every exposed service through the stack's public URL, concurrently. PostgreSQL is never exposed and is skipped. */
export async function checkPublicUrl(publicUrl: string, services: readonly ServiceSpec[], options: PublicCheckOptions = {}): Promise<ServiceCheck[]> {
  const checkedAt = (options.now ?? (() => new Date()))().toISOString();
  const targets = services.flatMap((spec) => {
    const url = publicCheckUrl(publicUrl, spec);
    return url === undefined ? [] : [{ spec, url }];
  });
  return Promise.all(targets.map(({ spec, url }) => checkOne(url, spec, options, checkedAt)));
}
