import * as vscode from 'vscode';
import { estimateHourly, type HourlyEstimate } from '../engine';
import type { EngineHost } from './engine-host';
import type { StacksTreeProvider } from './tree/provider';
import { statusLook } from './tree/status';

/** Profile and region in use, and how many stacks bill by the hour right now; click opens the cost view. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('geusemaker.status', vscode.StatusBarAlignment.Left, 50);

  constructor(private readonly host: EngineHost, private readonly tree: StacksTreeProvider) {
    this.item.name = 'GeuseMaker';
    this.item.command = 'geusemaker.showCost';
    this.update();
    this.item.show();
  }

  update(): void {
    const { awsProfile, region } = this.host.settings;
    const billing = this.tree.entries.filter((entry) => entry.state && statusLook(entry.state.status).billing);
    const profile = awsProfile || 'default credentials';
    // The cost engine's price from the last refresh where there is one, else the bundled estimate (spot: its ceiling).
    const estimates = billing.map((entry): Pick<HourlyEstimate, 'usd' | 'upperBound'> | undefined => {
      const engineUsd = this.tree.hourlyOf(entry);
      return engineUsd !== undefined ? { usd: engineUsd, upperBound: false } : estimateHourly(entry.state!.config);
    });
    const known = estimates.filter((e): e is Pick<HourlyEstimate, 'usd' | 'upperBound'> => e !== undefined);
    const total = known.reduce((sum, e) => sum + e.usd, 0);
    const money = known.length === 0 ? '' : ` ${known.some((e) => e.upperBound) ? '≤ ' : ''}$${total.toFixed(2)}/h`;
    this.item.text = `$(cloud) ${profile} · ${region}${billing.length > 0 ? ` · $(vm-running) ${billing.length} running${money}` : ''}`;
    const tooltip = new vscode.MarkdownString(`**GeuseMaker**\n\nProfile: ${profile}  \nRegion for new stacks: ${region}${this.host.settings.endpoint ? `  \nEndpoint: ${this.host.settings.endpoint} (emulator)` : ''}\n\n`
      + (billing.length > 0 ? `Billing by the hour: ${billing.map((entry) => entry.ref.name).join(', ')}${known.length < billing.length ? ' (some instance types have no bundled price)' : ''}. From the cost engine after each refresh (live, cached or estimated prices); until then from bundled list prices, spot at its ceiling.` : 'Nothing is billing by the hour.'));
    this.item.tooltip = tooltip;
    this.item.backgroundColor = this.host.problems.length > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
