import * as vscode from 'vscode';
import { classifyAwsError } from '../engine';
import type { EngineHost } from './engine-host';
import { keyOf } from './tree/nodes';
import type { StacksTreeProvider } from './tree/provider';
import { budgetNoticeKey, thresholdsToNotify } from './budget-watcher-rules';

/** Budget checks price things over AWS APIs: at most one per stack per this long. */
const CHECK_EVERY_MS = 60 * 60_000;

/** Warns once per threshold per month when a stack's projected month reaches 80% and 100% of its budget. */
export class BudgetWatcher implements vscode.Disposable {
  private readonly lastCheck = new Map<string, number>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly host: EngineHost, private readonly tree: StacksTreeProvider, private readonly memento: vscode.Memento, private readonly log: vscode.LogOutputChannel) {
    this.subscription = tree.onDidChangeTreeData(() => void this.check());
  }

  private async check(): Promise<void> {
    const now = new Date();
    for (const entry of this.tree.entries) {
      if (entry.state?.config.monthlyBudgetUsd === undefined) continue;
      const key = keyOf(entry);
      if (Date.now() - (this.lastCheck.get(key) ?? 0) < CHECK_EVERY_MS) continue;
      this.lastCheck.set(key, Date.now());
      try {
        const status = await this.host.engineFor(entry.ref.stateDir).budget(entry.ref.name, now);
        if (!status) continue;
        const due = thresholdsToNotify(status, (percent) => this.memento.get<boolean>(budgetNoticeKey(key, percent, now)) === true);
        for (const percent of status.reached) await this.memento.update(budgetNoticeKey(key, percent, now), true);
        const top = due[0];
        if (top === undefined) continue;
        const message = `Stack ${entry.ref.name} is projected to cost $${status.projectedUsd.toFixed(2)} this month: ${top === 100 ? 'over' : '80% of'} its $${status.budgetUsd.toFixed(2)} budget ($${status.monthToDateUsd.toFixed(2)} so far).`;
        this.log.warn(message);
        void vscode.window.showWarningMessage(message, 'Pause Stack').then((pick) => {
          if (pick) void vscode.commands.executeCommand('geusemaker.pause', entry.ref.name);
        });
      } catch (error) {
        this.log.warn(`Budget check of ${entry.ref.name} failed: ${classifyAwsError(error).message}`);
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
