import * as vscode from 'vscode';
import { showError } from '../ui-errors';
import { pickStack, type CommandContext } from './context';

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

export function registerConnectCommands(ctx: CommandContext, register: Register): void {
  register('geusemaker.copyOwnerPassword', (arg) => copyOwnerPasswordCommand(ctx, arg));
}
