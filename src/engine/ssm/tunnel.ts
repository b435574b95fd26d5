import type { ChildProcess } from 'node:child_process';
import { classifyIfAws } from '../aws/classify';
import { cancelled, GeuseError } from '../errors';
import { sleep } from '../wait';
import { describeExit, killOnExit, pluginExit, spawnPlugin, waitForPort, type PluginExit, type PluginSession } from './plugin-process';

export interface ReconnectPolicy {
  /** Reconnects in a row (without a session that lasted `stableMs`) before giving up. */
  maxAttempts: number;
  /** Wait before the first reconnect; doubled for each one after, up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** A session that lasted this long was working: the count of reconnects starts again. */
  stableMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { maxAttempts: 5, firstDelayMs: 1_000, maxDelayMs: 30_000, stableMs: 60_000 };

export type TunnelEvent =
  | { type: 'open'; sessionId: string; reconnected: boolean }
  /** The plugin ended on its own (idle timeout, network, instance replaced): a new session follows after retryInMs. */
  | { type: 'dropped'; sessionId: string; exit: PluginExit; retryInMs: number; attempt: number; maxAttempts: number }
  /** A reconnect failed before its plugin ran (StartSession refused, …); tried again after retryInMs. */
  | { type: 'retry-failed'; error: GeuseError; retryInMs: number; attempt: number; maxAttempts: number }
  /** A line the plugin wrote to stderr. */
  | { type: 'output'; text: string }
  /** The session was ended on the AWS side (TerminateSession), or that failed (it then times out on its own). */
  | { type: 'ended'; sessionId: string; error?: GeuseError };

export interface TunnelOptions {
  localPort: number;
  /** Names the tunnel in errors, e.g. "n8n of demo". */
  label: string;
  /** Starts a port-forward session to localPort (a new one for each reconnect). */
  start(): Promise<PluginSession>;
  /** Ends a session on the AWS side. */
  end(sessionId: string): Promise<void>;
  /** The plugin's environment before the session's response is added (default: this process's). */
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: TunnelEvent) => void;
  reconnect?: Partial<ReconnectPolicy>;
  /** How long a new session may take to accept connections. */
  readyTimeoutMs?: number;
  /** Aborting closes the tunnel, like close(). */
  signal?: AbortSignal;
}

export interface Tunnel {
  readonly localPort: number;
  /** Settles once: the first session accepts connections, or it failed to (TUNNEL_NOT_OPEN, StartSession's error, CANCELLED). */
  readonly ready: Promise<void>;
  /** Resolves when the tunnel is closed for good, with the error when reconnecting gave up (TUNNEL_DROPPED) or it never opened. */
  readonly closed: Promise<{ error?: GeuseError }>;
  /** Stops the plugin, ends every session on the AWS side, and resolves when done. */
  close(): Promise<void>;
}

function asGeuseError(error: unknown): GeuseError {
  if (error instanceof GeuseError) return error;
  return classifyIfAws(error) ?? new GeuseError({ code: 'INTERNAL', kind: 'unknown', message: error instanceof Error ? error.message : String(error), nextStep: 'Report it with this output.', cause: error });
}

/**
 * An SSM port forward kept open until closed: session-manager-plugin on a started session, the session ended
 * on the AWS side whenever its plugin stops, and a session whose plugin ends on its own (SSM's idle timeout, a
 * network drop, a replaced instance) replaced by a new one after a bounded backoff. The extension and the CLI
 * both open tunnels through this.
 */
export function openTunnel(options: TunnelOptions): Tunnel {
  const policy = { ...DEFAULT_RECONNECT, ...options.reconnect };
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const emit = (event: TunnelEvent): void => options.onEvent?.(event);
  const controller = new AbortController();
  const { signal } = controller;
  let child: ChildProcess | undefined;
  const onOuterAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted) controller.abort();
  signal.addEventListener('abort', () => child?.kill(), { once: true });

  let settle: { resolve: () => void; reject: (error: GeuseError) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The caller may only look at `closed`; the rejection is still delivered to whoever awaits `ready`.
  ready.catch(() => undefined);

  const end = async (sessionId: string): Promise<void> => {
    try {
      await options.end(sessionId);
      emit({ type: 'ended', sessionId });
    } catch (error) {
      emit({ type: 'ended', sessionId, error: asGeuseError(error) });
    }
  };

  const notOpen = (exit: PluginExit | undefined): GeuseError => new GeuseError({
    code: 'TUNNEL_NOT_OPEN', kind: 'transient',
    message: exit
      ? `The tunnel to ${options.label} closed before it opened on localhost:${options.localPort}: session-manager-plugin ended (${describeExit(exit)}).`
      : `The tunnel to ${options.label} did not open on localhost:${options.localPort} within ${Math.round(readyTimeoutMs / 1000)} s.`,
    nextStep: 'session-manager-plugin\'s own messages say why (the CLI prints them, the editor logs them); the SSM agent may still be starting, so try again in a minute.',
  });

  let opens = 0;
  /** One session: start it, run its plugin until it stops, end it. Says whether it opened and how long it lasted. */
  const runSession = async (): Promise<{ opened: boolean; exit: PluginExit; lastedMs: number; sessionId: string }> => {
    // Not abortable: a session AWS started must be known, so that it can be ended.
    const session = await options.start();
    if (signal.aborted) {
      await end(session.sessionId);
      throw cancelled();
    }
    const started = Date.now();
    const proc = spawnPlugin(session.invocation, { env: options.env, stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    const unhook = killOnExit(proc);
    // stdout is not read: the plugin prints a line per connection, and a full pipe would stall the tunnel.
    proc.stderr?.on('data', (data: Buffer) => {
      for (const line of data.toString().split('\n')) if (line.trim() !== '') emit({ type: 'output', text: line.trimEnd() });
    });
    let exited: PluginExit | undefined;
    const exit = pluginExit(proc).then((how) => (exited = how));
    const opened = await waitForPort(options.localPort, readyTimeoutMs, () => exited !== undefined, signal);
    if (opened) {
      opens += 1;
      emit({ type: 'open', sessionId: session.sessionId, reconnected: opens > 1 });
      if (opens === 1) settle?.resolve();
    } else if (!signal.aborted) {
      proc.kill();
    }
    const how = await exit;
    unhook();
    child = undefined;
    await end(session.sessionId);
    return { opened, exit: how, lastedMs: Date.now() - started, sessionId: session.sessionId };
  };

  const run = async (): Promise<{ error?: GeuseError }> => {
    let everOpened = false;
    let attempt = 0;
    for (;;) {
      let outcome: Awaited<ReturnType<typeof runSession>> | undefined;
      let failure: GeuseError | undefined;
      try {
        outcome = await runSession();
      } catch (error) {
        failure = asGeuseError(error);
      }
      if (signal.aborted) return {};
      if (!everOpened) {
        // The first session decides whether there is a tunnel at all: its failure is the caller's error.
        if (failure) throw failure;
        if (!outcome?.opened) throw notOpen(outcome?.exit);
        everOpened = true;
      }
      // Asking again cannot help a refusal (the stack was paused, no instance), missing rights or bad input.
      if (failure && ['refused', 'permission', 'invalid-input'].includes(failure.kind)) return { error: failure };
      if (outcome && outcome.lastedMs >= policy.stableMs) attempt = 0;
      attempt += 1;
      if (attempt > policy.maxAttempts) {
        return {
          error: new GeuseError({
            code: 'TUNNEL_DROPPED', kind: 'transient',
            message: `The tunnel to ${options.label} on localhost:${options.localPort} closed ${policy.maxAttempts + 1} times in a row and could not be kept open${failure ? `: ${failure.message}` : ''}.`,
            nextStep: 'Check that the instance is running and its SSM agent is online, then open the tunnel again.',
          }),
        };
      }
      const retryInMs = Math.min(policy.firstDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
      if (failure) emit({ type: 'retry-failed', error: failure, retryInMs, attempt, maxAttempts: policy.maxAttempts });
      else if (outcome) emit({ type: 'dropped', sessionId: outcome.sessionId, exit: outcome.exit, retryInMs, attempt, maxAttempts: policy.maxAttempts });
      try {
        await sleep(retryInMs, signal);
      } catch {
        return {};
      }
    }
  };

  const closed = (async (): Promise<{ error?: GeuseError }> => {
    try {
      const result = await run();
      if (opens === 0) settle?.reject(result.error ?? cancelled());
      return result;
    } catch (error) {
      const classified = asGeuseError(error);
      settle?.reject(classified);
      return { error: classified };
    } finally {
      options.signal?.removeEventListener('abort', onOuterAbort);
    }
  })();

  return {
    localPort: options.localPort,
    ready,
    closed,
    async close() {
      controller.abort();
      await closed;
    },
  };
}
