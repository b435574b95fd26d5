import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import * as vscode from 'vscode';
import { classifyAwsError, findPlugin, freeLocalPort, GeuseError, pluginInvocation, publicServiceUrl } from '../../engine';
import { keyOf, publicBaseUrl } from '../tree/nodes';
import { pickStack, type CommandContext, type PickedStack } from './context';
import type { CommandRun } from './registry';
import { pickService } from './pick-service';

const running = (entry: { state?: { status: string } }) => entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed';

interface Tunnel {
  process: ChildProcess;
  localPort: number;
  end: () => Promise<void>;
}

/** Live SSM sessions (terminals and tunnels); each is ended on the AWS side when its terminal or process ends. */
export class Sessions implements vscode.Disposable {
  private readonly terminals = new Map<vscode.Terminal, () => Promise<void>>();
  /** One tunnel per stack and service: opening the service again reuses it. */
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly subscription = vscode.window.onDidCloseTerminal((terminal) => {
    const end = this.terminals.get(terminal);
    this.terminals.delete(terminal);
    void end?.();
  });

  addTerminal(terminal: vscode.Terminal, end: () => Promise<void>): void {
    this.terminals.set(terminal, end);
  }

  tunnel(key: string): Tunnel | undefined {
    return this.tunnels.get(key);
  }

  addTunnel(key: string, tunnel: Tunnel): void {
    this.tunnels.set(key, tunnel);
    const gone = () => {
      if (this.tunnels.get(key) === tunnel) this.tunnels.delete(key);
      void tunnel.end();
    };
    tunnel.process.once('exit', gone);
    tunnel.process.once('error', gone);
  }

  /** Ends every session and waits for AWS to hear it (called on deactivate, which VS Code awaits). */
  async endAll(): Promise<void> {
    const ends = [...this.terminals.values(), ...[...this.tunnels.values()].map((t) => t.end)];
    for (const tunnel of this.tunnels.values()) tunnel.process.kill();
    this.terminals.clear();
    this.tunnels.clear();
    await Promise.allSettled(ends.map((end) => end()));
  }

  dispose(): void {
    this.subscription.dispose();
    void this.endAll();
  }
}

/** Ends an SSM session once, logging (not showing) a failure: an idle session also times out on its own. */
function ender(ctx: CommandContext, target: PickedStack, sessionId: string): () => Promise<void> {
  let ended: Promise<void> | undefined;
  return () => {
    ended ??= target.engine.endSession(target.name, sessionId).then(
      () => ctx.log.info(`Ended SSM session ${sessionId} of stack ${target.name}`),
      (error: unknown) => ctx.log.warn(`Could not end SSM session ${sessionId}: ${classifyAwsError(error).message}`),
    );
    return ended;
  };
}

function pluginPath(ctx: CommandContext): string {
  return findPlugin({ configuredPath: ctx.host.settings.sessionManagerPluginPath || undefined });
}

export async function openTerminalCommand(ctx: CommandContext, sessions: Sessions, arg?: unknown): Promise<void> {
  const target = await pickStack(ctx, arg, 'open a terminal on', running);
  if (!target) return;
  // Found before the session starts, so a missing plugin never leaves a session open.
  const plugin = pluginPath(ctx);
  const opened = await target.engine.startSession(target.name, { kind: 'shell' });
  const invocation = pluginInvocation({ pluginPath: plugin, session: opened.session, request: opened.request, region: opened.region, profile: opened.profile, endpoint: opened.endpoint });
  const terminal = vscode.window.createTerminal({
    name: `GeuseMaker: ${target.name}`, shellPath: invocation.command, shellArgs: invocation.args, env: invocation.env,
    iconPath: new vscode.ThemeIcon('vm'),
    // The token lives in this terminal's environment: never persist or revive it.
    isTransient: true,
  });
  sessions.addTerminal(terminal, ender(ctx, target, opened.session.SessionId));
  ctx.log.info(`Opened SSM shell session ${opened.session.SessionId} on stack ${target.name}`);
  terminal.show();
}

function waitForPort(port: number, timeoutMs: number, exited: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const attempt = () => {
      if (exited()) return resolve(false);
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

export async function openServiceCommand(ctx: CommandRun, sessions: Sessions, arg?: unknown): Promise<void> {
  const target = await pickStack(ctx, arg, 'open a service of', running);
  if (!target?.entry.state) return;
  const spec = await pickService(target, arg, 'Open which service?', (s) => s.proxyPrefix !== undefined);
  if (!spec) return;
  const base = publicBaseUrl(target.entry.state);
  const publicUrl = base ? publicServiceUrl(base, spec) : undefined;
  if (publicUrl) {
    await vscode.env.openExternal(vscode.Uri.parse(publicUrl));
    return;
  }
  const key = `${keyOf(target.entry)}::${spec.name}`;
  const existing = sessions.tunnel(key);
  if (existing) {
    await vscode.env.openExternal(vscode.Uri.parse(`http://localhost:${existing.localPort}/`));
    return;
  }
  const plugin = pluginPath(ctx);
  const localPort = await freeLocalPort(spec.port);
  const opened = await target.engine.startSession(target.name, { kind: 'port', remotePort: spec.port, localPort });
  const invocation = pluginInvocation({ pluginPath: plugin, session: opened.session, request: opened.request, region: opened.region, profile: opened.profile, endpoint: opened.endpoint });
  // stdout is not read: the plugin prints a line per connection and a full pipe would stall the tunnel.
  const child = spawn(invocation.command, invocation.args, { env: { ...process.env, ...invocation.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let exited = false;
  child.once('exit', (code) => {
    exited = true;
    ctx.log.info(`Tunnel to ${spec.displayName} on localhost:${localPort} closed (exit ${code ?? 'signal'})`);
  });
  child.once('error', (error) => {
    exited = true;
    ctx.log.error(`The session-manager-plugin could not start: ${error.message}`);
  });
  child.stderr?.on('data', (data: Buffer) => ctx.log.warn(`[tunnel ${spec.name}] ${data.toString().trimEnd()}`));
  sessions.addTunnel(key, { process: child, localPort, end: ender(ctx, target, opened.session.SessionId) });
  const ready = await ctx.progress(`Opening a tunnel to ${spec.displayName} on localhost:${localPort}…`, () => waitForPort(localPort, 30_000, () => exited));
  if (!ready) {
    child.kill();
    throw new GeuseError({
      code: 'TUNNEL_NOT_OPEN', kind: 'transient',
      message: `The tunnel to ${spec.displayName} of ${target.name} did not open on localhost:${localPort} within 30 s.`,
      nextStep: 'Check the "GeuseMaker" log for the plugin\'s message; the SSM agent may still be starting, so try again in a minute.',
    });
  }
  ctx.log.info(`Tunnel to ${spec.displayName}: http://localhost:${localPort}/ (session ${opened.session.SessionId})`);
  await vscode.env.openExternal(vscode.Uri.parse(`http://localhost:${localPort}/`));
  void vscode.window.showInformationMessage(`${spec.displayName} of ${target.name} is open at http://localhost:${localPort}/ through an SSM tunnel.`, 'Close Tunnel').then((close) => {
    if (close) child.kill();
  });
}
