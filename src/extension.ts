import type * as vscode from 'vscode';
import { activateExtension } from './vscode/activate';

let running: { deactivate(): Promise<void> } | undefined;

export function activate(context: vscode.ExtensionContext): void {
  running = activateExtension(context);
}

export async function deactivate(): Promise<void> {
  await running?.deactivate();
  running = undefined;
}
