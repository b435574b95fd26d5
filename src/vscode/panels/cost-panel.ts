import * as vscode from 'vscode';
import { costPanelStateSchema, costToHostSchema, COST_VIEW_TYPE, type CostRequest, type CostSnapshot, type CostToHost, type HostToCost } from '../../protocol/cost';
import type { StackTarget } from '../../protocol/health';
import { entryOfNode, type CommandContext } from '../commands/context';
import { withEngineProgress } from '../progress';
import type { StackEntry } from '../stacks-source';
import { showError } from '../ui-errors';
import { errorWords, HostPanel, type Outcome } from '../webview/host-panel';
import { panelOptions } from '../webview/panel';
import { gatherStackCost, toCostSnapshot } from './cost-snapshot';

const targetOf = (entry: StackEntry): StackTarget => ({ name: entry.ref.name, stateDir: entry.ref.stateDir });
const same = (a: StackTarget, b: StackTarget) => a.name === b.name && a.stateDir === b.stateDir;
const EMPTY: CostSnapshot = { stacks: [], total: { hourlyUsd: 0, unknownHourly: 0, monthToDateUsd: 0, monthlyAtRateUsd: 0, spotSavedUsd: 0, series: [] }, refreshing: true };

/** The cost panel: every stack the tree knows, and the total; refreshed when opened, on Refresh and after a pause. */
class CostPanel {
  private snapshot: CostSnapshot;
  private round?: Promise<void>;
  private readonly host: HostPanel<CostToHost, HostToCost>;

  constructor(panel: vscode.WebviewPanel, private readonly ctx: CommandContext, restored: CostSnapshot | undefined, onClosed: () => void) {
    this.snapshot = { ...(restored ?? EMPTY), refreshing: true };
    this.host = new HostPanel(panel, ctx.extension.extensionUri, ctx.log, {
      bundle: 'cost', title: 'GeuseMaker Cost', pageTitle: 'GeuseMaker Cost', logName: 'Cost panel', schema: costToHostSchema,
      onReady: () => this.send(),
      onMessage: (message) => void this.handle(message),
      onClosed,
    });
    void this.refresh();
  }

  /** Brings the panel forward, scrolled to a stack when one is given, with fresh numbers. */
  show(focus: StackTarget | undefined): void {
    this.host.panel.reveal();
    if (focus) {
      this.snapshot = { ...this.snapshot, focus };
      this.send();
    }
    void this.refresh();
  }

  close(): void {
    this.host.panel.dispose();
  }

  private send(): void {
    this.host.send({ type: 'cost', snapshot: this.snapshot });
  }

  /** Joins a refresh already running rather than asking AWS twice. */
  private refresh(): Promise<void> {
    this.round ??= this.gather().finally(() => (this.round = undefined));
    return this.round;
  }

  private async gather(): Promise<void> {
    this.snapshot = { ...this.snapshot, refreshing: true };
    this.send();
    const focus = this.snapshot.focus;
    try {
      // Fresh state files: a pause or deploy elsewhere changes what bills.
      await this.ctx.tree.refresh({ health: false });
      const now = new Date();
      const entries = this.ctx.tree.entries.filter((entry) => entry.state);
      const stacks = await Promise.all(entries.map((entry) => gatherStackCost(this.ctx.host.engineFor(entry.ref.stateDir), targetOf(entry), entry.state!, now)));
      for (const stack of stacks) if (stack.error) this.ctx.log.warn(`Cost of ${stack.target.name}: ${stack.error}`);
      this.snapshot = toCostSnapshot(stacks, { checkedAt: now.toISOString(), focus });
    } catch (error) {
      const words = errorWords(error);
      this.ctx.log.warn(`Cost panel: ${words}`);
      this.snapshot = { ...this.snapshot, refreshing: false, error: words };
    }
    this.send();
  }

  private async handle(message: CostRequest): Promise<void> {
    switch (message.type) {
      case 'refresh':
        await this.refresh();
        return this.host.respond(message.id, {});
      case 'pause':
        return this.host.respond(message.id, await this.pause(message.stack));
    }
  }

  /** The webview only names a stack: whether it exists and may be paused is decided here, and the user confirms. */
  private async pause(target: StackTarget): Promise<Outcome> {
    const entry = this.ctx.tree.entries.find((candidate) => same(targetOf(candidate), target));
    const status = entry?.state?.status;
    if (!entry) return { error: `Stack ${target.name} is not known in this window.` };
    if (status !== 'deployed' && status !== 'deploy_failed') return { error: `Stack ${target.name} is ${status ?? 'unknown'}: only a running stack can be paused.` };
    const go = await vscode.window.showWarningMessage(`Pause stack ${target.name}?`, {
      modal: true, detail: 'The instance is terminated, so its hourly cost stops. The network, the EFS file system and the secrets stay; Resume launches a new instance on the same data. Work not saved to EFS is lost.',
    }, 'Pause');
    if (go !== 'Pause') return { cancelled: true };
    try {
      const engine = this.ctx.host.engineFor(entry.ref.stateDir);
      await withEngineProgress(`Pausing stack ${target.name}`, this.ctx.log, (options) => engine.pause(target.name, options));
      this.ctx.log.info(`Paused stack ${target.name} from the cost panel`);
      await this.refresh();
      return {};
    } catch (error) {
      await showError(error, this.ctx.log, this.ctx.host.profile);
      await this.refresh();
      return { error: errorWords(error) };
    }
  }
}

/** The Show Cost command (from the palette, the status bar or a stack's menu) and the serializer for reloads. */
export class CostPanels implements vscode.Disposable {
  private panel?: CostPanel;

  constructor(private readonly ctx: CommandContext) {}

  /** A stack node or name focuses that stack; anything else shows them all. */
  /** Errors reach the command registry, which shows them. */
  showCommand(arg: unknown): void {
    this.ctx.host.assertUsable();
    const entry = entryOfNode(arg) ?? (typeof arg === 'string' ? this.ctx.tree.entries.find((candidate) => candidate.ref.name === arg) : undefined);
    const focus = entry ? targetOf(entry) : undefined;
    if (this.panel) return this.panel.show(focus);
    const panel = vscode.window.createWebviewPanel(COST_VIEW_TYPE, 'GeuseMaker Cost', vscode.ViewColumn.Active, panelOptions(this.ctx.extension.extensionUri));
    this.adopt(panel, focus ? { ...EMPTY, focus } : undefined);
  }

  /** The saved state is checked like any message from a webview; the numbers are refreshed straight away. */
  readonly serializer: vscode.WebviewPanelSerializer = {
    deserializeWebviewPanel: async (panel, state) => {
      const parsed = costPanelStateSchema.safeParse(state);
      if (this.panel) {
        panel.dispose();
        return;
      }
      if (!parsed.success) this.ctx.log.warn('The cost panel was restored without its saved numbers: its saved state is not valid');
      this.adopt(panel, parsed.success ? parsed.data.snapshot : undefined);
    },
  };

  dispose(): void {
    this.panel?.close();
  }

  private adopt(panel: vscode.WebviewPanel, restored: CostSnapshot | undefined): void {
    const adopted: CostPanel = new CostPanel(panel, this.ctx, restored, () => {
      if (this.panel === adopted) this.panel = undefined;
    });
    this.panel = adopted;
  }
}
