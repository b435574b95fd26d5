import * as vscode from 'vscode';
import { classifyAwsError, describeExit, findPlugin, freeLocalPort, publicServiceUrl, stackTunnel, startPluginSession, type Tunnel, type TunnelEvent } from '../../engine';
import { keyOf, publicBaseUrl } from '../tree/nodes';
import { pickStack, type CommandContext, type PickedStack } from './context';
import type { CommandRun } from './registry';
import { pickService } from './pick-service';

const running = (entry: { state?: { status: string } }) => entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed';

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

  /** The engine's tunnel ends its sessions itself (and reconnects a dropped one); this only forgets it once closed. */
  addTunnel(key: string, tunnel: Tunnel): void {
    this.tunnels.set(key, tunnel);
    void tunnel.closed.then(() => {
      if (this.tunnels.get(key) === tunnel) this.tunnels.delete(key);
    });
  }

  /** Ends every session and waits for AWS to hear it (called on deactivate, which VS Code awaits). */
  async endAll(): Promise<void> {
    const ends = [...this.terminals.values(), ...[...this.tunnels.values()].map((t) => () => t.close())];
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
  const { sessionId, invocation } = await startPluginSession(target.engine, target.name, { kind: 'shell' }, plugin);
  const terminal = vscode.window.createTerminal({
    name: `GeuseMaker: ${target.name}`, shellPath: invocation.command, shellArgs: invocation.args, env: invocation.env,
    iconPath: new vscode.ThemeIcon('vm'),
    // The token lives in this terminal's environment: never persist or revive it.
    isTransient: true,
  });
  sessions.addTerminal(terminal, ender(ctx, target, sessionId));
  ctx.log.info(`Opened SSM shell session ${sessionId} on stack ${target.name}`);
  terminal.show();
}

/** A tunnel's life in the "GeuseMaker" log: opened, dropped and reconnected, the plugin's messages, sessions ended. */
function tunnelLog(ctx: CommandContext, target: PickedStack, name: string, localPort: number): (event: TunnelEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'open':
        ctx.log.info(`Tunnel to ${name}${event.reconnected ? ' reopened' : ''}: http://localhost:${localPort}/ (session ${event.sessionId})`);
        return;
      case 'dropped':
        ctx.log.warn(`Tunnel to ${name} on localhost:${localPort} closed (${describeExit(event.exit)}); reconnecting in ${Math.round(event.retryInMs / 1000)} s (${event.attempt} of ${event.maxAttempts})`);
        return;
      case 'retry-failed':
        ctx.log.warn(`Reconnecting the tunnel to ${name} failed: ${event.error.message}`);
        return;
      case 'output':
        ctx.log.warn(`[tunnel ${name}] ${event.text}`);
        return;
      case 'ended':
        if (event.error) ctx.log.warn(`Could not end SSM session ${event.sessionId}: ${event.error.message}`);
        else ctx.log.info(`Ended SSM session ${event.sessionId} of stack ${target.name}`);
    }
  };
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
  const tunnel = stackTunnel(target.engine, target.name, {
    pluginPath: plugin, remotePort: spec.port, localPort, service: spec.displayName, onEvent: tunnelLog(ctx, target, spec.displayName, localPort),
  });
  sessions.addTunnel(key, tunnel);
  let opened = false;
  void tunnel.ready.then(() => {
    opened = true;
  }, () => undefined);
  void tunnel.closed.then(({ error }) => {
    // Opening failures are the command's own error; this is a tunnel that worked and could not be kept.
    if (error && opened) void vscode.window.showWarningMessage(`The tunnel to ${spec.displayName} of ${target.name} closed: ${error.message}`);
  });
  await ctx.progress(`Opening a tunnel to ${spec.displayName} on localhost:${localPort}…`, () => tunnel.ready);
  await vscode.env.openExternal(vscode.Uri.parse(`http://localhost:${localPort}/`));
  void vscode.window.showInformationMessage(`${spec.displayName} of ${target.name} is open at http://localhost:${localPort}/ through an SSM tunnel.`, 'Close Tunnel').then((close) => {
    if (close) void tunnel.close();
  });
}
