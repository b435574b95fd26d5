import * as vscode from 'vscode';
import { classifyAwsError, estimateHourly, explainEndpoint } from '../engine';
import type { EngineHost } from './engine-host';
import type { StacksTreeProvider } from './tree/provider';
import type { StackEntry } from './stacks-source';
import { statusLook } from './tree/status';
import { summarize, type IdentityState } from './tree/status-summary';

/** Commands the tooltip's links may run (a trusted tooltip runs nothing else). */
const LINK_COMMANDS = ['geusemaker.chooseProfile', 'geusemaker.refresh', 'workbench.action.openSettings', 'geusemaker.showCost'];

/**
 * Profile, region, the account the credentials act as, and how many stacks bill by the hour; click opens the
 * cost view. When AWS or a setting fails it turns to its warning state and a click runs the fix.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('geusemaker.status', vscode.StatusBarAlignment.Left, 50);
  private identity: IdentityState;
  private identityCheck?: Promise<void>;

  constructor(private readonly host: EngineHost, private readonly tree: StacksTreeProvider) {
    this.item.name = 'GeuseMaker';
    this.update();
    this.item.show();
  }

  /** Asks AWS who the credentials are (sts:GetCallerIdentity, no permission needed); one check at a time. */
  checkIdentity(): Promise<void> {
    this.identityCheck ??= this.readIdentity().finally(() => {
      this.identityCheck = undefined;
      this.update();
    });
    return this.identityCheck;
  }

  private async readIdentity(): Promise<void> {
    try {
      this.host.assertUsable();
    } catch {
      // The settings' own warning says it; nothing is sent to AWS meanwhile.
      this.identity = undefined;
      return;
    }
    const { region } = this.host.settings;
    try {
      const who = await this.host.engine.callerIdentity(region, this.host.profile);
      this.identity = { account: who.account, arn: who.arn };
    } catch (error) {
      this.identity = { error: explainEndpoint(classifyAwsError(error, { profile: this.host.profile }), this.host.endpointInfo) };
    }
  }

  /** After a refresh: if the identity check failed but AWS answers again (or the other way round), look again. */
  treeChanged(): void {
    const failed = this.identity !== undefined && 'error' in this.identity;
    const treeFails = this.tree.awsProblem !== undefined;
    if (failed !== treeFails && this.tree.entries.some((e) => e.state?.status === 'deployed')) void this.checkIdentity();
    this.update();
  }

  update(): void {
    // A group at 0, or one AWS no longer has, bills no compute whatever the recorded status says.
    const noCompute = (entry: StackEntry) => ['paused', 'missing'].includes(this.tree.healthOf(entry)?.compute?.condition ?? '');
    const billing = this.tree.entries.filter((entry) => entry.state && statusLook(entry.state.status).billing && !noCompute(entry)).map((entry) => {
      // The cost engine's price from the last refresh where there is one, else the bundled estimate (spot: its ceiling).
      const engineUsd = this.tree.hourlyOf(entry);
      const bundled = engineUsd === undefined ? estimateHourly(entry.state!.config) : undefined;
      return { name: entry.ref.name, usd: engineUsd ?? bundled?.usd, upperBound: bundled?.upperBound ?? false };
    });
    const summary = summarize({
      profile: this.host.settings.awsProfile, region: this.host.settings.region, endpoint: this.host.settings.endpoint || undefined,
      identity: this.identity, billing, awsProblem: this.tree.awsProblem, settingsProblems: this.host.problems.map((p) => p.message),
    });
    this.item.text = summary.text;
    const tooltip = new vscode.MarkdownString(summary.tooltip, true);
    tooltip.isTrusted = { enabledCommands: LINK_COMMANDS };
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: summary.accessibleLabel, role: 'button' };
    this.item.command = summary.fix
      ? { title: summary.fix.title, command: summary.fix.command, arguments: summary.fix.arguments }
      : { title: 'Show Cost', command: 'geusemaker.showCost' };
    this.item.backgroundColor = summary.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
