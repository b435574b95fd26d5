import * as vscode from 'vscode';
import { confirmAndRestart } from '../commands/restart';
import { servicesOf, type ServiceSpec } from '../../engine';
import { healthPanelStateSchema, healthToHostSchema, HEALTH_VIEW_TYPE, type HealthRequest, type HealthSnapshot, type HealthToHost, type HostToHealth, type StackTarget } from '../../protocol/health';
import { pickStack, type CommandContext, type PickedStack } from '../commands/context';
import type { StackEntry } from '../stacks-source';
import { keyOf, type TreeNode } from '../tree/nodes';
import { forgetGap, noteGap } from '../endpoint-gaps';
import { editorError, fixAction, logError, plainError, showError } from '../ui-errors';
import { HostPanel, type Outcome } from '../webview/host-panel';
import { panelOptions } from '../webview/panel';
import { foldHistory, historyOf, toSnapshot, unknownBecause, type History } from './health-snapshot';

const running = (entry: StackEntry) => entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed';
const targetOf = (stack: PickedStack): StackTarget => ({ name: stack.name, stateDir: stack.entry.ref.stateDir });

/** The node the tree would pass for a service, so Show Logs and Open skip their pickers. */
function serviceNode(entry: StackEntry, spec: ServiceSpec): TreeNode {
  return { kind: 'service', entry, service: { name: spec.name, displayName: spec.displayName, port: spec.port, proxyPath: spec.proxyPrefix } };
}

/** One stack's health panel: polls while visible, stops when hidden or closed, answers the webview's requests. */
class HealthPanel {
  private history: History;
  private snapshot: HealthSnapshot;
  private round?: { controller: AbortController; done: Promise<void> };
  private timer?: NodeJS.Timeout;
  private visible: boolean;
  private readonly host: HostPanel<HealthToHost, HostToHealth>;

  constructor(private readonly panel: vscode.WebviewPanel, private readonly stack: PickedStack, private readonly ctx: CommandContext, restored: HealthSnapshot | undefined, onClosed: () => void) {
    this.visible = panel.visible;
    this.history = restored ? historyOf(restored) : new Map();
    const empty: Pick<HealthSnapshot, 'services' | 'disks' | 'errorFixes' | 'agent'> = { services: [], disks: [], errorFixes: [], agent: 'unknown' };
    // A new session asks the endpoint again, so a restored panel polls.
    this.snapshot = { ...(restored ?? empty), target: targetOf(stack), region: stack.entry.state?.region ?? '', checking: true, autoRefresh: true, refreshSeconds: this.seconds() };
    // Fires on focus changes too: only a hidden→shown change starts a round.
    const viewState = panel.onDidChangeViewState(() => {
      if (panel.visible === this.visible) return;
      this.visible = panel.visible;
      if (this.visible) void this.poll();
      else this.pause();
    });
    this.host = new HostPanel(panel, ctx.extension.extensionUri, ctx.log, {
      bundle: 'health', title: `Health: ${stack.name}`, pageTitle: `Health of ${stack.name}`, logName: `Health panel of ${stack.name}`, schema: healthToHostSchema,
      onReady: () => this.send(),
      onMessage: (message) => void this.handle(message),
      onClosed: () => {
        this.pause();
        viewState.dispose();
        onClosed();
      },
    });
    if (panel.visible) void this.poll();
  }

  reveal(): void {
    this.panel.reveal();
  }

  close(): void {
    this.panel.dispose();
  }

  private seconds(): number {
    return this.ctx.host.settings.refreshIntervalSeconds;
  }

  private send(): void {
    this.host.send({ type: 'health', snapshot: this.snapshot });
  }

  /** Runs a round now (or joins the one running) and schedules the next while the panel stays visible. */
  private poll(): Promise<void> {
    clearTimeout(this.timer);
    if (this.round) return this.round.done;
    const controller = new AbortController();
    this.snapshot = { ...this.snapshot, checking: true, refreshSeconds: this.seconds() };
    this.send();
    const done = this.check(controller.signal).finally(() => {
      if (this.round?.controller === controller) this.round = undefined;
      // A round the endpoint cannot answer is not repeated by itself; Refresh still asks again.
      const again = this.snapshot.autoRefresh && !controller.signal.aborted && this.panel.visible && !this.host.isClosed;
      if (again) this.timer = setTimeout(() => void this.poll(), this.seconds() * 1000);
    });
    this.round = { controller, done };
    return done;
  }

  private pause(): void {
    clearTimeout(this.timer);
    this.round?.controller.abort();
    this.round = undefined;
    this.snapshot = { ...this.snapshot, checking: false };
  }

  private async check(signal: AbortSignal): Promise<void> {
    try {
      const health = await this.stack.engine.health(this.stack.name, { signal });
      if (signal.aborted) return;
      this.history = foldHistory(this.history, health);
      this.snapshot = toSnapshot(targetOf(this.stack), this.snapshot.region, health, this.history, this.seconds());
      const because = unknownBecause(health);
      // Said once per session; every later round knows it already.
      if (because && noteGap('health', because)) logError(this.ctx.log, because, `Health of ${this.stack.name}: `);
    } catch (error) {
      if (signal.aborted) return;
      logError(this.ctx.log, error, `Health of ${this.stack.name}: `);
      const words = editorError(error);
      this.snapshot = { ...this.snapshot, checking: false, error: `${words.title} ${words.detail}`.slice(0, 2000), errorFixes: words.fixes };
    }
    this.send();
  }

  private async handle(message: HealthRequest): Promise<void> {
    switch (message.type) {
      case 'refresh':
        forgetGap('health');
        await this.poll();
        return this.host.respond(message.id, {});
      case 'fix':
        if (message.fix === 'showLog') this.ctx.log.show(true);
        else await fixAction(message.fix, this.ctx.host.profile).run();
        return this.host.respond(message.id, {});
      default:
        return this.host.respond(message.id, await this.act(message));
    }
  }

  private async act(request: Exclude<HealthRequest, { type: 'refresh' | 'fix' }>): Promise<Outcome> {
    const { entry, name } = this.stack;
    // The schema allows any catalogue service; only the stack's own are acted on.
    const spec = entry.state ? servicesOf(entry.state.config).find((s) => s.name === request.service) : undefined;
    if (!spec) return { error: `Stack ${name} does not run ${request.service}.` };
    // The webview disables these too; a stale page could still ask.
    if (request.type !== 'showLogs' && this.snapshot.agent !== 'online') {
      return { error: `${spec.displayName} cannot be ${request.type === 'restart' ? 'restarted' : 'opened'} until the instance's SSM agent is online.` };
    }
    try {
      switch (request.type) {
        case 'showLogs':
          await vscode.commands.executeCommand('geusemaker.showLogs', serviceNode(entry, spec));
          return {};
        case 'open':
          if (spec.proxyPrefix === undefined) return { error: `${spec.displayName} is not opened in a browser.` };
          await vscode.commands.executeCommand('geusemaker.openService', serviceNode(entry, spec));
          return {};
        case 'restart':
          return await this.restart(spec);
      }
    } catch (error) {
      void showError(error, this.ctx.log, this.ctx.host.profile);
      return { error: plainError(error).title.slice(0, 2000) };
    }
  }

  private async restart(spec: ServiceSpec): Promise<Outcome> {
    if (!(await confirmAndRestart(this.stack.engine, this.stack.name, spec, (line) => this.ctx.log.info(line)))) return { cancelled: true };
    void this.poll();
    return {};
  }
}

/** The Show Health Panel command and the serializer that brings panels back after a window reload. */
export class HealthPanels implements vscode.Disposable {
  private readonly panels = new Map<string, HealthPanel>();

  constructor(private readonly ctx: CommandContext) {}

  /** Errors reach the command registry, which shows them. */
  async showCommand(arg: unknown): Promise<void> {
    const stack = await pickStack(this.ctx, arg, 'show the health of', running);
    if (!stack) return;
    const existing = this.panels.get(keyOf(stack.entry));
    if (existing) return existing.reveal();
    const panel = vscode.window.createWebviewPanel(HEALTH_VIEW_TYPE, `Health: ${stack.name}`, vscode.ViewColumn.Active, panelOptions(this.ctx.extension.extensionUri));
    this.adopt(panel, stack);
  }

  /** Restores only stacks this window knows; the saved state is checked like any message from a webview. */
  readonly serializer: vscode.WebviewPanelSerializer = {
    deserializeWebviewPanel: async (panel, state) => {
      const parsed = healthPanelStateSchema.safeParse(state);
      const stack = parsed.success ? await this.find(parsed.data.snapshot.target).catch(() => undefined) : undefined;
      if (!parsed.success || !stack || this.panels.has(keyOf(stack.entry))) {
        this.ctx.log.warn(`A health panel was not restored: ${parsed.success ? `stack ${parsed.data.snapshot.target.name} is not in this window (or already shown)` : 'its saved state is not valid'}`);
        panel.dispose();
        return;
      }
      this.adopt(panel, stack, parsed.data.snapshot);
    },
  };

  dispose(): void {
    // Each panel's onDidDispose removes it from the map.
    for (const panel of [...this.panels.values()]) panel.close();
  }

  private adopt(panel: vscode.WebviewPanel, stack: PickedStack, restored?: HealthSnapshot): void {
    const key = keyOf(stack.entry);
    this.panels.set(key, new HealthPanel(panel, stack, this.ctx, restored, () => this.panels.delete(key)));
  }

  private async find(target: StackTarget): Promise<PickedStack | undefined> {
    const match = () => this.ctx.tree.entries.find((entry) => entry.ref.name === target.name && entry.ref.stateDir === target.stateDir && entry.state);
    if (!match()) await this.ctx.tree.refresh({ health: false });
    const entry = match();
    return entry ? { entry, name: entry.ref.name, engine: this.ctx.host.engineFor(entry.ref.stateDir) } : undefined;
  }
}
