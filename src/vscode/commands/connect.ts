import * as vscode from 'vscode';
import { keyOf } from '../tree/nodes';
import { showError } from '../ui-errors';
import { pickStack, type CommandContext } from './context';
import { LogFollowers, showBootstrapLogCommand, showLogsCommand } from './logs';
import { openServiceCommand, openTerminalCommand, Sessions } from './sessions';

type Register = (id: string, run: (...args: unknown[]) => unknown) => void;

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

/** Terminals, tunnels and followed logs, ended together when the extension stops. */
export interface Connections extends vscode.Disposable {
  shutdown(): Promise<void>;
}

export function registerConnectCommands(ctx: CommandContext, register: Register): Connections {
  const sessions = new Sessions();
  const logs = new LogFollowers();
  register('geusemaker.openTerminal', (arg) => openTerminalCommand(ctx, sessions, arg));
  register('geusemaker.openService', (arg) => openServiceCommand(ctx, sessions, arg));
  register('geusemaker.showLogs', (arg) => showLogsCommand(ctx, logs, arg));
  register('geusemaker.showBootstrapLog', (arg) => showBootstrapLogCommand(ctx, logs, arg));
  register('geusemaker.stopFollowingLogs', () => logs.stopCommand());
  register('geusemaker.copyOwnerPassword', (arg) => copyOwnerPasswordCommand(ctx, arg));
  // A stack that stops running (paused, destroyed) takes its followed logs with it.
  const watch = ctx.tree.onDidChangeTreeData(() => {
    const runningKeys = new Set(ctx.tree.entries.filter((entry) => entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed').map(keyOf));
    logs.stopStacksNotIn(runningKeys);
  });
  return {
    shutdown: () => sessions.endAll(),
    dispose: () => {
      watch.dispose();
      logs.dispose();
      sessions.dispose();
    },
  };
}
