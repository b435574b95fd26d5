import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { connect } from 'node:net';
import type { PluginInvocation } from './plugin';

/** A started SSM session and how to run session-manager-plugin for it. */
export interface PluginSession {
  sessionId: string;
  invocation: PluginInvocation;
}

export interface PluginExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The plugin could not be started at all (spawn failed). */
  error?: Error;
}

/** Starts the plugin with the session's response in its environment (on top of `env`), never in argv. */
export function spawnPlugin(invocation: PluginInvocation, options: { env?: NodeJS.ProcessEnv; stdio: StdioOptions }): ChildProcess {
  return spawn(invocation.command, invocation.args, { env: { ...(options.env ?? process.env), ...invocation.env }, stdio: options.stdio });
}

/** Resolves once the plugin has exited, or could not start. */
export function pluginExit(child: ChildProcess): Promise<PluginExit> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Kills the plugin if this process exits first (Ctrl-C twice), so no session's plugin outlives it; returns the undo. */
export function killOnExit(child: ChildProcess): () => void {
  const kill = (): void => {
    child.kill();
  };
  process.once('exit', kill);
  return () => process.off('exit', kill);
}

/** "exit code 1", "signal SIGTERM", or why it could not start. */
export function describeExit(exit: PluginExit): string {
  if (exit.error) return `could not start (${exit.error.message})`;
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
}

/** Waits until something accepts connections on the local port; false when the plugin exited, time ran out, or the signal aborted. */
export function waitForPort(port: number, timeoutMs: number, exited: () => boolean, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = (): void => {
      if (exited() || signal?.aborted) return resolve(false);
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) resolve(false);
        else setTimeout(attempt, 250);
      });
    };
    attempt();
  });
}
