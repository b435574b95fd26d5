import * as vscode from 'vscode';
import { classifyAwsError, type GeuseError, invalidInput } from '../../engine';
import type { EngineHost } from '../engine-host';
import { loadStacks, type StackEntry, type StackListingResult } from '../stacks-source';
import { childrenOf, keyOf, rootNodes, viewOf, type NodeView, type StackHealthView, type TreeNode } from './nodes';

/** Checks one stack's services; the tree calls it for running stacks on each refresh. */
export type HealthSource = (entry: StackEntry, signal: AbortSignal) => Promise<StackHealthView>;

/** Health goes over SSM and costs API calls: opening and closing the view must not trigger a round each time. */
const HEALTH_MIN_GAP_MS = 5_000;

export class StacksTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private listing?: StackListingResult;
  private loadError?: GeuseError;
  private readonly health = new Map<string, StackHealthView>();
  private healthInFlight?: AbortController;
  private lastHealthRound = 0;

  constructor(private readonly host: EngineHost, private readonly healthSource?: HealthSource) {}

  /** Every stack known after the last refresh (workspace first), for the commands' quick picks. */
  get entries(): StackEntry[] {
    return this.listing ? [...this.listing.workspace, ...this.listing.other] : [];
  }

  get lastError(): GeuseError | undefined {
    return this.loadError;
  }

  /** Re-reads the state files; throws nothing: a failure becomes the error node. */
  async refresh(options: { health?: boolean; force?: boolean } = {}): Promise<void> {
    try {
      this.listing = await loadStacks(this.host);
      this.loadError = this.host.problems.length > 0 ? settingsError(this.host.problems.map((p) => p.message)) : undefined;
    } catch (error) {
      this.loadError = classifyAwsError(error);
    }
    this.forgetStaleHealth();
    this.changed.fire(undefined);
    if (options.health !== false) await this.refreshHealth(options.force ?? false);
  }

  /** True when the last round could not read the state files or reach AWS for some stack: the refresher backs off. */
  get lastRoundFailed(): boolean {
    return (this.loadError !== undefined && this.loadError.code !== 'SETTINGS_INVALID') || [...this.health.values()].some((h) => h.error !== undefined);
  }

  /** Health shown only for stacks that run: a paused or destroyed stack must not keep its last "healthy". */
  private forgetStaleHealth(): void {
    const running = new Set(this.entries.filter((entry) => entry.state?.status === 'deployed').map(keyOf));
    for (const key of this.health.keys()) if (!running.has(key)) this.health.delete(key);
  }

  /**
   * Health of running stacks, over SSM; one round at a time, at most one per HEALTH_MIN_GAP_MS unless forced
   * (Refresh), and each stack's result lands in the tree as soon as it is in.
   */
  private async refreshHealth(force: boolean): Promise<void> {
    if (!this.healthSource || this.healthInFlight) return;
    if (!force && Date.now() - this.lastHealthRound < HEALTH_MIN_GAP_MS) return;
    try {
      this.host.assertUsable();
    } catch {
      return;
    }
    const controller = new AbortController();
    this.healthInFlight = controller;
    this.lastHealthRound = Date.now();
    try {
      const running = this.entries.filter((entry) => entry.state?.status === 'deployed');
      await Promise.all(running.map(async (entry) => {
        try {
          this.health.set(keyOf(entry), await this.healthSource!(entry, controller.signal));
        } catch (error) {
          this.health.set(keyOf(entry), { checkedAt: new Date().toISOString(), services: {}, error: classifyAwsError(error) });
        }
        this.changed.fire(undefined);
      }));
    } finally {
      this.healthInFlight = undefined;
    }
  }

  /** The cost engine's hourly price of a running stack from the last health round, if there was one. */
  hourlyOf(entry: StackEntry): number | undefined {
    return this.health.get(keyOf(entry))?.hourly?.usd;
  }

  /** Whether any stack is mid-change, so the refresher polls faster. */
  get anyTransitional(): boolean {
    return this.entries.some((entry) => ['deploying', 'pausing', 'destroying'].includes(entry.state?.status ?? ''));
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (node) return childrenOf(node, this.health);
    if (!this.listing && !this.loadError) return [{ kind: 'loading' }];
    const roots = this.listing ? rootNodes(this.listing, this.health) : [];
    // A load error with no stacks shows only the error; with stacks, it sits on top of them.
    return this.loadError ? [{ kind: 'error', error: this.loadError, scope: 'root' }, ...roots] : roots;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = toTreeItem(viewOf(node));
    if (item.command && viewOf(node).command?.withNode) item.command.arguments = [node];
    return item;
  }

  dispose(): void {
    this.healthInFlight?.abort();
    this.changed.dispose();
  }
}

function settingsError(messages: string[]): GeuseError {
  return invalidInput('SETTINGS_INVALID', messages.join(' '), 'Fix the setting in Settings (search "geusemaker"); the view refreshes by itself.');
}

const COLLAPSE = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
} as const;

export function toTreeItem(view: NodeView): vscode.TreeItem {
  const item = new vscode.TreeItem(view.label, COLLAPSE[view.collapsible]);
  item.id = view.id;
  item.description = view.description;
  if (view.tooltip) item.tooltip = new vscode.MarkdownString(view.tooltip);
  if (view.icon) item.iconPath = new vscode.ThemeIcon(view.icon.id, view.icon.color ? new vscode.ThemeColor(view.icon.color) : undefined);
  item.contextValue = view.contextValue;
  if (view.command) item.command = { command: view.command.command, title: view.command.title };
  return item;
}
