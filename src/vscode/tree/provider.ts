import * as vscode from 'vscode';
import { classifyAwsError, explainEndpoint, type GeuseError, invalidInput, type StackModel, type StackStatus } from '../../engine';
import type { EngineHost } from '../engine-host';
import { loadStacks, type StackEntry, type StackListingResult } from '../stacks-source';
import { badgeOf, childrenOf, keyOf, rootNodes, viewWith, type NodeView, type StackHealthView, type TreeMemory, type TreeNode } from './nodes';
import { statusLook } from './status';
import type { ViewFormat } from './format';
import type { WorkspaceConfig } from './config-changes';
import { ModelsCache, type ModelSource } from './models-cache';
import { LazyCache, type LazySource } from './lazy-cache';
import { backupsReadable } from './backups-nodes';
import { agesReadable } from './secret-ages';
import type { SecretAge, StackBackup } from '../engine-types';
import { hasWorkers, type PoolView } from './workers-nodes';

/** The view the provider fills: its progress bar shows while a refresh runs. */
export const STACKS_VIEW_ID = 'geusemaker.stacks';

/** Checks one stack's services; the tree calls it for running stacks on each refresh. */
export type HealthSource = (entry: StackEntry, signal: AbortSignal) => Promise<StackHealthView>;

/** The workspace's config files by stack name, read from disk (no AWS calls) for the "changes not applied" marker. */
export type WorkspaceConfigSource = () => Promise<ReadonlyMap<string, WorkspaceConfig>>;

/** Reads of a stack the tree makes only when asked: its recovery points (Backups expanded) and its secrets' ages. */
export interface LazySources {
  backups?: LazySource<StackBackup[]>;
  secretAges?: LazySource<SecretAge[]>;
  /** A scaled stack's worker pools (the stack or its Workers section expanded); by default the engine's, from EC2 Auto Scaling. */
  workers?: LazySource<PoolView[]>;
}

/** Health goes over SSM and costs API calls: opening and closing the view must not trigger a round each time. */
const HEALTH_MIN_GAP_MS = 5_000;

export class StacksTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private listing?: StackListingResult;
  private loadError?: GeuseError;
  private readonly health = new Map<string, StackHealthView>();
  /** Each stack's last settled status, so a deploy from paused reads "resuming". */
  private readonly settled = new Map<string, StackStatus>();
  /** What the view showed last: a refresh that changes nothing does not re-render it (and lose expanded rows). */
  private shown = '';
  private healthInFlight?: AbortController;
  private lastHealthRound = 0;
  private wanted: ReadonlyMap<string, WorkspaceConfig> = new Map();
  /** Stacks' models, read only for an expanded Models section. */
  private readonly models?: ModelsCache;
  /** Stacks' recovery points, read only for an expanded Backups section. */
  private readonly backups?: LazyCache<StackBackup[]>;
  /** Stacks' secret ages (for "secret rotation due"), read when a stack is expanded or on Refresh. */
  private readonly secretAges?: LazyCache<SecretAge[]>;
  /** Scaled stacks' worker pools, read when the stack is expanded, on Refresh, and after Set Capacity…. */
  private readonly workers: LazyCache<PoolView[]>;

  constructor(private readonly host: EngineHost, private readonly healthSource?: HealthSource, private readonly workspaceConfigs?: WorkspaceConfigSource, modelSource?: ModelSource, lazy: LazySources = {}) {
    if (modelSource) this.models = new ModelsCache(modelSource, () => this.notify());
    if (lazy.backups) this.backups = new LazyCache(lazy.backups, () => this.notify(), backupsReadable);
    if (lazy.secretAges) this.secretAges = new LazyCache(lazy.secretAges, () => this.notify(), agesReadable);
    // One DescribeAutoScalingGroups per read: cheap enough to need no wiring of its own.
    this.workers = new LazyCache(lazy.workers ?? (async (entry, signal) => {
      this.host.assertUsable();
      return this.host.engineFor(entry.ref.stateDir).workers.pools(entry.ref.name, { signal });
    }), () => this.notify(), hasWorkers);
  }

  /** Every stack known after the last refresh (workspace first), for the commands' quick picks. */
  get entries(): StackEntry[] {
    return this.listing ? [...this.listing.workspace, ...this.listing.other] : [];
  }

  get lastError(): GeuseError | undefined {
    return this.loadError;
  }

  /** Re-reads the state files and checks running stacks; throws nothing: a failure becomes the error node. The view shows progress meanwhile. */
  refresh(options: { health?: boolean; force?: boolean } = {}): Promise<void> {
    return Promise.resolve(vscode.window.withProgress({ location: { viewId: STACKS_VIEW_ID } }, () => this.refreshNow(options)));
  }

  private async refreshNow(options: { health?: boolean; force?: boolean }): Promise<void> {
    try {
      this.listing = await loadStacks(this.host);
      this.loadError = this.host.problems.length > 0 ? settingsError(this.host.problems.map((p) => p.message)) : undefined;
    } catch (error) {
      this.loadError = classifyAwsError(error);
    }
    // A file that cannot be read marks nothing; it never fails the refresh.
    if (this.workspaceConfigs) this.wanted = await this.workspaceConfigs().catch(() => new Map<string, WorkspaceConfig>());
    this.forgetStaleHealth();
    // Refresh reads an expanded Models or Backups section again; the automatic refreshes never do.
    if (options.force) {
      this.models?.forget(() => false);
      this.backups?.forget(() => false);
      // Secret ages are read again for every stack that sets rotateAfterDays, so the mark shows without expanding.
      this.secretAges?.forget(() => false);
      if (this.secretAges) for (const entry of this.entries) this.secretAges.ensure(entry);
      // Read again when VS Code next asks for an expanded stack's rows.
      this.workers.forget(() => false);
    }
    for (const entry of this.entries) {
      if (entry.state && !statusLook(entry.state.status).transitional) this.settled.set(keyOf(entry), entry.state.status);
    }
    this.notify();
    if (options.health !== false) await this.refreshHealth(options.force ?? false);
  }

  /** Re-renders the view only when what it shows changed (every row's words, icon and menus, ages included). */
  private notify(): void {
    const format = this.format();
    const rows: NodeView[] = [];
    const walk = (nodes: TreeNode[]) => {
      for (const node of nodes) {
        rows.push(viewWith(node, format));
        // Not getChildren: that is VS Code asking for an expanded row's children, which reads models.
        walk(childrenOf(node, this.memory));
      }
    };
    walk(this.getChildren());
    const now = JSON.stringify(rows);
    if (now === this.shown) return;
    this.shown = now;
    this.changed.fire(undefined);
  }

  private format(): ViewFormat {
    // Typed as possibly absent: unit tests run the provider against a small fake of vscode without env.
    return { locale: (vscode.env as typeof vscode.env | undefined)?.language, now: Date.now() };
  }

  /** True when the last round could not read the state files or reach AWS for some stack: the refresher backs off. */
  get lastRoundFailed(): boolean {
    return (this.loadError !== undefined && this.loadError.code !== 'SETTINGS_INVALID') || [...this.health.values()].some((h) => h.error !== undefined);
  }

  /** Health shown only for stacks that run: a paused or destroyed stack must not keep its last "healthy". */
  private forgetStaleHealth(): void {
    const running = new Set(this.entries.filter((entry) => entry.state?.status === 'deployed').map(keyOf));
    for (const key of this.health.keys()) if (!running.has(key)) this.health.delete(key);
    this.models?.forget((key) => running.has(key));
    // A stack no longer listed (destroyed and forgotten, or its state folder gone) keeps nothing.
    const known = new Set(this.entries.map(keyOf));
    this.backups?.forget((key) => known.has(key));
    this.secretAges?.forget((key) => known.has(key));
    // A stack whose state changed since its pools were read (a deploy, pause, resume) has them read again.
    const updated = new Map(this.entries.map((entry) => [keyOf(entry), entry.state?.updatedAt ?? '']));
    this.workers.forget((key) => {
      const view = this.workers.map.get(key);
      return known.has(key) && !(view && view.state !== 'loading' && (updated.get(key) ?? '') > view.at);
    });
  }

  /**
   * Health of running stacks, over SSM; one round at a time, at most one per HEALTH_MIN_GAP_MS unless forced
   * (Refresh), and each stack's result lands in the tree as soon as it is in.
   */
  private async refreshHealth(force: boolean): Promise<void> {
    if (!this.healthSource) return;
    if (!force && (this.healthInFlight || Date.now() - this.lastHealthRound < HEALTH_MIN_GAP_MS)) return;
    try {
      this.host.assertUsable();
    } catch {
      return;
    }
    // A forced round (Refresh, a settings change) replaces one still running: its answers may come from the old endpoint.
    this.healthInFlight?.abort();
    const controller = new AbortController();
    this.healthInFlight = controller;
    this.lastHealthRound = Date.now();
    try {
      const running = this.entries.filter((entry) => entry.state?.status === 'deployed');
      await Promise.all(running.map(async (entry) => {
        const key = keyOf(entry);
        try {
          const view = await this.healthSource!(entry, controller.signal);
          if (controller.signal.aborted) return;
          this.health.set(key, { ...view, lastSeenAt: view.checkedAt });
        } catch (error) {
          if (controller.signal.aborted) return;
          // The last time AWS answered stays known, so the tree can say how old what it shows is.
          const before = this.health.get(key);
          const error_ = explainEndpoint(classifyAwsError(error), this.host.endpointInfo);
          this.health.set(key, { checkedAt: new Date().toISOString(), services: {}, error: error_, lastSeenAt: before?.lastSeenAt });
        }
        this.notify();
      }));
    } finally {
      if (this.healthInFlight === controller) this.healthInFlight = undefined;
    }
  }

  /** The cost engine's hourly price of a running stack from the last health round, if there was one. */
  hourlyOf(entry: StackEntry): number | undefined {
    return this.health.get(keyOf(entry))?.hourly?.usd;
  }

  /** The workspace's config file for a stack of this workspace (as of the last refresh), if one names it. */
  workspaceConfigOf(entry: StackEntry): WorkspaceConfig | undefined {
    return entry.origin === 'workspace' ? this.wanted.get(entry.ref.name) : undefined;
  }

  /** The last health round of a stack (its error when AWS did not answer). */
  healthOf(entry: StackEntry): StackHealthView | undefined {
    return this.health.get(keyOf(entry));
  }

  /** AWS did not answer for some running stack in the last round: what went wrong. */
  get awsProblem(): GeuseError | undefined {
    return [...this.health.values()].find((h) => h.error)?.error;
  }

  /** The view's badge: stacks that bill by the hour or need a look. */
  get badge(): { value: number; tooltip: string } | undefined {
    return badgeOf(this.entries, this.health);
  }

  /** Whether any stack is mid-change, so the refresher polls faster. */
  get anyTransitional(): boolean {
    return this.entries.some((entry) => entry.state !== undefined && statusLook(entry.state.status).transitional);
  }

  private get memory(): TreeMemory {
    return { health: this.health, settled: this.settled, wanted: this.wanted, models: this.models?.map, backups: this.backups?.map, secretAges: this.secretAges?.map, workers: this.workers.map };
  }

  /** The stack's models as last read, if they were. */
  modelsOf(entry: StackEntry): StackModel[] {
    const view = this.models?.map.get(keyOf(entry));
    return view?.state === 'loaded' ? view.models : [];
  }

  /** Reads a stack's models again (Refresh Models, after a pull or removal); resolves once the tree shows them. */
  reloadModels(entry: StackEntry): Promise<void> {
    return this.models?.reload(entry) ?? Promise.resolve();
  }

  /** Reads a stack's recovery points again (Refresh Backups, after a backup or restore); resolves once the tree shows them. */
  reloadBackups(entry: StackEntry): Promise<void> {
    return this.backups?.reload(entry) ?? Promise.resolve();
  }

  /** Reads a stack's secret ages again (after a rotation); resolves once the tree shows them. */
  reloadSecretAges(entry: StackEntry): Promise<void> {
    return this.secretAges?.reload(entry) ?? Promise.resolve();
  }

  /** Reads a stack's worker pools again (after Set Capacity…); resolves once the tree shows them. */
  reloadWorkers(entry: StackEntry): Promise<void> {
    return this.workers.reload(entry);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    // VS Code asks for a row's children only when it is expanded: the one moment models, backups and ages are read.
    if (node?.kind === 'section' && node.section === 'models') this.models?.ensure(node.entry);
    if (node?.kind === 'section' && node.section === 'backups') this.backups?.ensure(node.entry);
    if (node?.kind === 'stack') this.secretAges?.ensure(node.entry);
    // The Workers row shows its counts as soon as the stack is open.
    if (node?.kind === 'stack' || (node?.kind === 'section' && node.section === 'workers')) this.workers.ensure(node.entry);
    if (node) return childrenOf(node, this.memory);
    if (!this.listing && !this.loadError) return [{ kind: 'loading' }];
    const roots = this.listing ? rootNodes(this.listing, this.memory) : [];
    // A load error with no stacks shows only the error; with stacks, it sits on top of them.
    return this.loadError ? [{ kind: 'error', error: this.loadError, scope: 'root' }, ...roots] : roots;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const view = viewWith(node, this.format());
    const item = toTreeItem(view);
    if (item.command && view.command?.withNode) item.command.arguments = [node];
    return item;
  }

  dispose(): void {
    this.healthInFlight?.abort();
    this.models?.dispose();
    this.backups?.dispose();
    this.secretAges?.dispose();
    this.workers.dispose();
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
