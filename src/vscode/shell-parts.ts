import type * as vscode from 'vscode';

/** A command's handler as the start-up shell calls it, once the core has registered it. */
export type CommandEntry = (arg?: unknown) => Promise<unknown>;

/**
 * What the start-up shell (src/extension.ts) made before the core loaded, and hands to it: the view, the
 * command table its proxies forward to, the serializers its panel proxies forward to, and the tree events.
 */
export interface ShellParts {
  readonly view: vscode.TreeView<unknown>;
  readonly commands: Map<string, CommandEntry>;
  readonly serializers: Map<string, vscode.WebviewPanelSerializer>;
  /** The core's tree, so the shell's provider answers with it. */
  setTree(tree: vscode.TreeDataProvider<unknown>): void;
}

/** The core bundle (dist/extension-core.js): everything that needs the engine. */
export interface CoreModule {
  activateExtension(context: vscode.ExtensionContext, shell: ShellParts): { deactivate(): Promise<void> };
}
