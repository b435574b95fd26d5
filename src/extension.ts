import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { PANEL_VIEW_TYPES } from './protocol/view-types';
import type { CommandEntry, CoreModule, ShellParts } from './vscode/shell-parts';

/**
 * Activation is a shell: the view, a proxy for every contributed command and the panel serializers, with no
 * engine. The core (dist/extension-core.js: the engine, the tree, the status bar) loads the first time the view
 * asks for rows or a command runs, or shortly after start-up so the status bar can count running stacks.
 */
const CORE_AFTER_MS = 1500;

let core: Promise<ReturnType<CoreModule['activateExtension']>> | undefined;

function contributedCommands(extensionPath: string): string[] {
  const manifest = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8')) as { contributes?: { commands?: { command?: unknown }[] } };
  return (manifest.contributes?.commands ?? []).flatMap((entry) => (typeof entry.command === 'string' ? [entry.command] : []));
}

export function activate(context: vscode.ExtensionContext): void {
  const changed = new vscode.EventEmitter<unknown>();
  let tree: vscode.TreeDataProvider<unknown> | undefined;
  const commands = new Map<string, CommandEntry>();
  const serializers = new Map<string, vscode.WebviewPanelSerializer>();
  const view = vscode.window.createTreeView<unknown>('geusemaker.stacks', {
    showCollapseAll: true,
    treeDataProvider: {
      onDidChangeTreeData: changed.event,
      getChildren: async (node) => {
        await load();
        return tree?.getChildren(node) ?? [];
      },
      // Only rows the core's tree returned reach here, so the core is loaded.
      getTreeItem: (node) => tree!.getTreeItem(node),
    },
  });
  const shell: ShellParts = {
    view, commands, serializers,
    setTree: (provider) => {
      tree = provider;
      context.subscriptions.push(provider.onDidChangeTreeData?.((event) => changed.fire(event)) ?? { dispose: () => undefined });
    },
  };
  const load = () => (core ??= new Promise((resolve) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the core is its own bundle beside this one, loaded on first use
    const module = require('./extension-core.js') as CoreModule;
    resolve(module.activateExtension(context, shell));
  }));
  for (const id of contributedCommands(context.extensionPath)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, async (arg?: unknown) => {
      await load();
      const entry = commands.get(id);
      if (!entry) throw new Error(`GeuseMaker registered no handler for ${id}.`);
      return entry(arg);
    }));
  }
  for (const type of PANEL_VIEW_TYPES) {
    context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(type, {
      deserializeWebviewPanel: async (panel, state) => {
        await load();
        await serializers.get(type)?.deserializeWebviewPanel(panel, state);
      },
    }));
  }
  const timer = setTimeout(() => void load().catch((error: unknown) => {
    void vscode.window.showErrorMessage(`GeuseMaker could not start: ${error instanceof Error ? error.message : String(error)}`);
  }), CORE_AFTER_MS);
  context.subscriptions.push(view, changed, { dispose: () => clearTimeout(timer) });
}

export async function deactivate(): Promise<void> {
  const running = core;
  core = undefined;
  if (running) await (await running).deactivate();
}
