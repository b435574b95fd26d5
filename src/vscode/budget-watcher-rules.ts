import { type BudgetStatus } from '../engine';

/** The memento key that remembers a threshold was shown for a stack in a month (once per threshold per month). */
export function budgetNoticeKey(stackKey: string, percent: number, now: Date): string {
  return `geusemaker.budget::${stackKey}::${now.toISOString().slice(0, 7)}::${percent}`;
}

/** Thresholds reached that have not been shown yet this month, highest first (100% says more than 80%). */
export function thresholdsToNotify(status: BudgetStatus, shown: (percent: number) => boolean): (80 | 100)[] {
  return [...status.reached].filter((percent) => !shown(percent)).sort((a, b) => b - a);
}
