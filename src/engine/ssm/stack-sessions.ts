import type { OpenedSession, SessionKind } from '../operate';
import { pluginInvocation } from './plugin';
import type { PluginSession } from './plugin-process';
import { runShell, type ShellEnd } from './shell';
import { openTunnel, type ReconnectPolicy, type Tunnel, type TunnelEvent } from './tunnel';

/** Starting and ending a stack's SSM sessions; the Engine is one. */
export interface StackSessions {
  startSession(name: string, kind: SessionKind, options?: { signal?: AbortSignal }): Promise<OpenedSession & { region: string; profile?: string; endpoint?: string }>;
  endSession(name: string, sessionId: string): Promise<void>;
}

/** Starts a session on the stack's instance in service now and says how to run the plugin for it (the token only in its environment). */
export async function startPluginSession(sessions: StackSessions, stack: string, kind: SessionKind, pluginPath: string): Promise<PluginSession> {
  const opened = await sessions.startSession(stack, kind);
  return {
    sessionId: opened.session.SessionId,
    invocation: pluginInvocation({ pluginPath, session: opened.session, request: opened.request, region: opened.region, profile: opened.profile, endpoint: opened.endpoint }),
  };
}

/** An interactive shell on the stack's instance through the plugin, on this process's terminal; the session is ended when it stops. */
export async function stackShell(sessions: StackSessions, stack: string, options: { pluginPath: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal; onStarted?: (sessionId: string) => void }): Promise<ShellEnd & { sessionId: string }> {
  const session = await startPluginSession(sessions, stack, { kind: 'shell' }, options.pluginPath);
  options.onStarted?.(session.sessionId);
  const end = await runShell({ session, end: (id) => sessions.endSession(stack, id), env: options.env, signal: options.signal });
  return { ...end, sessionId: session.sessionId };
}

export interface StackTunnelOptions {
  pluginPath: string;
  remotePort: number;
  localPort: number;
  /** Names it in messages, e.g. "n8n". */
  service: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onEvent?: (event: TunnelEvent) => void;
  reconnect?: Partial<ReconnectPolicy>;
}

/** A port forward from localhost to a port on the stack's instance, reconnected when it drops (each time to the instance in service then). */
export function stackTunnel(sessions: StackSessions, stack: string, options: StackTunnelOptions): Tunnel {
  return openTunnel({
    localPort: options.localPort,
    label: `${options.service} of ${stack}`,
    start: () => startPluginSession(sessions, stack, { kind: 'port', remotePort: options.remotePort, localPort: options.localPort }, options.pluginPath),
    end: (id) => sessions.endSession(stack, id),
    env: options.env,
    signal: options.signal,
    onEvent: options.onEvent,
    reconnect: options.reconnect,
  });
}
