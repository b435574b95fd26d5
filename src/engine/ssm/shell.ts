import { GeuseError } from '../errors';
import { describeExit, killOnExit, pluginExit, spawnPlugin, type PluginExit, type PluginSession } from './plugin-process';

export interface ShellOptions {
  session: PluginSession;
  /** Ends the session on the AWS side; called once, whichever way the shell ends. */
  end(sessionId: string): Promise<void>;
  /** The plugin's environment before the session's response is added (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Aborting stops the plugin (SIGTERM), then the session is ended. */
  signal?: AbortSignal;
}

export interface ShellEnd {
  exit: PluginExit;
  /** TerminateSession failed: the session then ends on its own after SSM's idle timeout. */
  endError?: unknown;
}

/**
 * An interactive shell on the terminal this process runs in: the plugin gets stdin, stdout and stderr as they
 * are, and the session is ended on the AWS side when it stops — by the user's `exit`, a dropped connection,
 * or the signal.
 */
export async function runShell(options: ShellOptions): Promise<ShellEnd> {
  const child = spawnPlugin(options.session.invocation, { env: options.env, stdio: 'inherit' });
  const unhook = killOnExit(child);
  const stop = (): void => {
    child.kill('SIGTERM');
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  let exit: PluginExit;
  try {
    exit = await pluginExit(child);
  } finally {
    options.signal?.removeEventListener('abort', stop);
    unhook();
  }
  let endError: unknown;
  try {
    await options.end(options.session.sessionId);
  } catch (error) {
    endError = error;
  }
  if (exit.error) {
    throw new GeuseError({
      code: 'SSM_PLUGIN_FAILED', kind: 'unknown', cause: exit.error,
      message: `session-manager-plugin ${describeExit(exit)}; the SSM session ${options.session.sessionId} was ended.`,
      nextStep: 'Check that session-manager-plugin runs (`session-manager-plugin --version`), then try again.',
    });
  }
  return { exit, ...(endError === undefined ? {} : { endError }) };
}
