import type * as vscode from 'vscode';

// The UI arrives in later issues; activation registers nothing yet.
export function activate(_context: vscode.ExtensionContext): void {}

export function deactivate(): void {}
