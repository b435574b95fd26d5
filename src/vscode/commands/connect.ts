import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import * as vscode from 'vscode';
import { classifyAwsError } from '../../engine/aws/classify';
import { servicesOf, publicServiceUrl, type ServiceSpec } from '../../engine/health/catalogue';
import { bootstrapCursor, containerCursor, type LogCursor } from '../../engine/ssm/logs';
import { findPlugin, pluginInvocation } from '../../engine/ssm/plugin';
import { freeLocalPort } from '../../engine/ssm/ports';
import { publicBaseUrl, type TreeNode } from '../tree/nodes';
import { showError } from '../ui-errors';
import { pickStack, type CommandContext, type PickedStack } from './context';

type Register = (id: string, run: (...args: unknown[]) => unknown) => void;

const running = (entry: { state?: { status: string } }) => entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed';

/** A service from the tree node the command ran on, or a pick among the stack's services. */
async function pickService(target: PickedStack, arg: unknown, purpose: string, filter: (spec: ServiceSpec) => boolean = () => true): Promise<ServiceSpec | undefined> {
  const specs = servicesOf(target.entry.state!.config).filter(filter);
  const node = arg as TreeNode | undefined;
  if (node && typeof node === 'object' && (node.kind === 'service' || node.kind === 'endpoint')) {
    const name = node.kind === 'service' ? node.service.name : node.service;
    const spec = specs.find((s) => s.name === name);
    if (spec) return spec;
  }
  const picked = await vscode.window.showQuickPick(specs.map((spec) => ({ label: spec.displayName, description: `port ${spec.port}`, spec })), { title: `${purpose} (${target.name})` });
  return picked?.spec;
}

/** Live SSM sessions (terminals and tunnels), ended on the AWS side when their terminal or process ends. */
class Sessions implements vscode.Disposable {
  private readonly terminals = new Map<vscode.Terminal, () => Promise<void>>();
  private readonly tunnels = new Set<{ process: ChildProcess; end: () => Promise<void> }>();
  private readonly subscription = vscode.window.onDidCloseTerminal((terminal) => {
    const end = this.terminals.get(terminal);
    this.terminals.delete(terminal);
    void end?.();
  });

  constructor(private readonly log: vscode.LogOutputChannel) {}

  addTerminal(terminal: vscode.Terminal, end: () => Promise<void>): void {
    this.terminals.set(terminal, end);
  }

  addTunnel(process: ChildProcess, end: () => Promise<void>): void {
    const tunnel = { process, end };
    this.tunnels.add(tunnel);
    process.once('exit', () => {
      this.tunnels.delete(tunnel);
      void end();
    });
  }

  dispose(): void {
    this.subscription.dispose();
    for (const end of this.terminals.values()) void end();
    for (const tunnel of this.tunnels) tunnel.process.kill();
    this.log.info('Ended open SSM sessions');
  }
}

/** Ends an SSM session once, logging (not showing) a failure: the session times out on its own anyway. */
function ender(ctx: CommandContext, target: PickedStack, sessionId: string): () => Promise<void> {
  let ended = false;
  return async () => {
    if (ended) return;
    ended = true;
    try {
      await target.engine.endSession(target.name, sessionId);
      ctx.log.info(`Ended SSM session ${sessionId} of stack ${target.name}`);
    } catch (error) {
      ctx.log.warn(`Could not end SSM session ${sessionId}: ${classifyAwsError(error).message}`);
    }
  };
}

function pluginPath(ctx: CommandContext): string {
  return findPlugin({ configuredPath: ctx.host.settings.sessionManagerPluginPath || undefined });
}

async function openTerminalCommand(ctx: CommandContext, sessions: Sessions, arg?: unknown): Promise<void> {
  try {
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
  } catch (error) {
    await showError(error, ctx.log, ctx.host.profile);
  }
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

async function openServiceCommand(ctx: CommandContext, sessions: Sessions, arg?: unknown): Promise<void> {
  try {
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
    const plugin = pluginPath(ctx);
    const localPort = await freeLocalPort(spec.port);
    const opened = await target.engine.startSession(target.name, { kind: 'port', remotePort: spec.port, localPort });
    const invocation = pluginInvocation({ pluginPath: plugin, session: opened.session, request: opened.request, region: opened.region, profile: opened.profile, endpoint: opened.endpoint });
    const child = spawn(invocation.command, invocation.args, { env: { ...process.env, ...invocation.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let exited = false;
    child.once('exit', (code) => {
      exited = true;
      ctx.log.info(`Tunnel to ${spec.displayName} on localhost:${localPort} closed (exit ${code ?? 'signal'})`);
    });
    child.stderr?.on('data', (data: Buffer) => ctx.log.warn(`[tunnel ${spec.name}] ${data.toString().trimEnd()}`));
    sessions.addTunnel(child, ender(ctx, target, opened.session.SessionId));
    const ready = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Opening a tunnel to ${spec.displayName} on localhost:${localPort}…` },
      () => waitForPort(localPort, 30_000, () => exited));
    if (!ready) {
      child.kill();
      throw new Error(`The tunnel to ${spec.displayName} did not open on localhost:${localPort} within 30 s; see the GeuseMaker log.`);
    }
    ctx.log.info(`Tunnel to ${spec.displayName}: http://localhost:${localPort}/ (session ${opened.session.SessionId})`);
    await vscode.env.openExternal(vscode.Uri.parse(`http://localhost:${localPort}/`));
    const close = await vscode.window.showInformationMessage(`${spec.displayName} of ${target.name} is open at http://localhost:${localPort}/ through an SSM tunnel.`, 'Close Tunnel');
    if (close) child.kill();
  } catch (error) {
    await showError(error, ctx.log, ctx.host.profile);
  }
}

/** One log channel per stack; follows run until stopped (running the command again offers to stop). */
class LogFollowers implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.LogOutputChannel>();
  private readonly follows = new Map<string, AbortController>();

  channel(stack: string): vscode.LogOutputChannel {
    let channel = this.channels.get(stack);
    if (!channel) {
      channel = vscode.window.createOutputChannel(`GeuseMaker: ${stack} logs`, { log: true });
      this.channels.set(stack, channel);
    }
    return channel;
  }

  async toggle(ctx: CommandContext, target: PickedStack, label: string, cursor: LogCursor): Promise<void> {
    const key = `${target.name}::${label}`;
    const channel = this.channel(target.name);
    const existing = this.follows.get(key);
    if (existing) {
      channel.show(true);
      const stop = await vscode.window.showInformationMessage(`Already following ${label} of ${target.name}.`, 'Stop Following');
      if (stop) existing.abort();
      return;
    }
    const controller = new AbortController();
    this.follows.set(key, controller);
    channel.show(true);
    channel.info(`[${label}] following (from the last ${cursor.kind === 'container' ? 'lines' : 'start'}); run the command again to stop`);
    void this.run(ctx, target, label, cursor, channel, controller).finally(() => this.follows.delete(key));
  }

  private async run(ctx: CommandContext, target: PickedStack, label: string, cursor: LogCursor, channel: vscode.LogOutputChannel, controller: AbortController): Promise<void> {
    let current = cursor;
    let failures = 0;
    while (!controller.signal.aborted) {
      try {
        for await (const chunk of await target.engine.followLogs(target.name, current, { signal: controller.signal, intervalMs: 5_000 })) {
          failures = 0;
          current = chunk.cursor;
          if (chunk.note) channel.warn(`[${label}] ${chunk.note}`);
          for (const line of chunk.lines) channel.info(`[${label}] ${line.text}${line.cut ? ' …(line cut)' : ''}`);
        }
        return;
      } catch (error) {
        const classified = classifyAwsError(error);
        failures += 1;
        channel.error(`[${label}] ${classified.message} ${classified.nextStep}`);
        // Refusals (no instance) and repeated failures stop the follow; transient ones retry from the same cursor.
        if (classified.kind === 'refused' || classified.kind === 'cancelled' || failures >= 3) {
          channel.warn(`[${label}] stopped following`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 5_000 * failures));
      }
    }
    ctx.log.info(`Stopped following ${label} of ${target.name}`);
  }

  dispose(): void {
    for (const controller of this.follows.values()) controller.abort();
    for (const channel of this.channels.values()) channel.dispose();
  }
}

async function showLogsCommand(ctx: CommandContext, logs: LogFollowers, arg?: unknown): Promise<void> {
  try {
    const target = await pickStack(ctx, arg, 'show the logs of', running);
    if (!target) return;
    const spec = await pickService(target, arg, 'Logs of which service?');
    if (!spec) return;
    await logs.toggle(ctx, target, spec.name, containerCursor(spec.name));
  } catch (error) {
    await showError(error, ctx.log, ctx.host.profile);
  }
}

async function showBootstrapLogCommand(ctx: CommandContext, logs: LogFollowers, arg?: unknown): Promise<void> {
  try {
    const target = await pickStack(ctx, arg, 'show the bootstrap log of', running);
    if (target) await logs.toggle(ctx, target, 'bootstrap', bootstrapCursor());
  } catch (error) {
    await showError(error, ctx.log, ctx.host.profile);
  }
}

/** Hands the n8n owner password to the clipboard only: never shown, never logged. */
async function copyOwnerPasswordCommand(ctx: CommandContext, arg?: unknown): Promise<void> {
  try {
    const target = await pickStack(ctx, arg, 'copy the n8n owner password of', (entry) => Boolean(entry.state?.config.services.n8n));
    if (!target) return;
    const password = await target.engine.readSecret(target.name, 'n8n-owner-password');
    await vscode.env.clipboard.writeText(password);
    ctx.log.info(`Copied the n8n owner password of stack ${target.name} to the clipboard`);
    void vscode.window.showInformationMessage(`The n8n owner password of ${target.name} is on the clipboard. Sign in as admin@${target.name}.local.`);
  } catch (error) {
    await showError(error, ctx.log, ctx.host.profile);
  }
}

export function registerConnectCommands(ctx: CommandContext, register: Register): vscode.Disposable {
  const sessions = new Sessions(ctx.log);
  const logs = new LogFollowers();
  register('geusemaker.openTerminal', (arg) => openTerminalCommand(ctx, sessions, arg));
  register('geusemaker.openService', (arg) => openServiceCommand(ctx, sessions, arg));
  register('geusemaker.showLogs', (arg) => showLogsCommand(ctx, logs, arg));
  register('geusemaker.showBootstrapLog', (arg) => showBootstrapLogCommand(ctx, logs, arg));
  register('geusemaker.copyOwnerPassword', (arg) => copyOwnerPasswordCommand(ctx, arg));
  return vscode.Disposable.from(sessions, logs);
}
