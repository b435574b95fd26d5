import type * as vscode from 'vscode';
import { activateExtension } from './vscode/activate';

export function activate(context: vscode.ExtensionContext): void {
  activateExtension(context);
}

export function deactivate(): void {}
