import * as vscode from 'vscode';
import { keyOf } from '../tree/nodes';
import { pickStack, type CommandContext } from './context';
import { LogFollowers, showBootstrapLogCommand, showLogsCommand } from './logs';
import type { CommandRegistry } from './registry';
import { restartServiceCommand } from './restart';
import { openServiceCommand, openTerminalCommand, Sessions } from './sessions';

/** Hands the n8n owner password to the clipboard only: never shown, never logged. */
async function copyOwnerPasswordCommand(ctx: CommandContext, arg?: unknown): Promise<void> {
  const target = await pickStack(ctx, arg, 'copy the n8n owner password of', (entry) => Boolean(entry.state?.config.services.n8n));
  if (!target) return;
  const password = await target.engine.readSecret(target.name, 'n8n-owner-password');
  await vscode.env.clipboard.writeText(password);
  ctx.log.info(`Copied the n8n owner password of stack ${target.name} to the clipboard`);
  void vscode.window.showInformationMessage(`The n8n owner password of ${target.name} is on the clipboard. Sign in as admin@${target.name}.local.`);
}

/** Terminals, tunnels and followed logs, ended together when the extension stops. */
export interface Connections extends vscode.Disposable {
  shutdown(): Promise<void>;
}

export function registerConnectCommands(ctx: CommandContext, commands: CommandRegistry): Connections {
  const sessions = new Sessions();
  const logs = new LogFollowers();
  commands.register('geusemaker.openTerminal', (run, arg) => openTerminalCommand(run, sessions, arg));
  commands.register('geusemaker.openService', (run, arg) => openServiceCommand(run, sessions, arg));
  commands.register('geusemaker.showLogs', (run, arg) => showLogsCommand(run, logs, arg));
  commands.register('geusemaker.showBootstrapLog', (run, arg) => showBootstrapLogCommand(run, logs, arg));
  commands.register('geusemaker.stopFollowingLogs', () => logs.stopCommand());
  commands.register('geusemaker.copyOwnerPassword', copyOwnerPasswordCommand);
  commands.register('geusemaker.restartService', restartServiceCommand);
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
