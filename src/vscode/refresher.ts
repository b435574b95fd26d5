import type * as vscode from 'vscode';

export interface RefresherOptions {
  /** The base interval from settings, in seconds. */
  intervalSeconds: () => number;
  /** True while something is changing: poll at the fast interval. */
  fast: () => boolean;
  /** True when the last refresh failed: back off. */
  failing: () => boolean;
  refresh: () => Promise<void>;
}

const FAST_MS = 5_000;
const MAX_BACKOFF_MS = 10 * 60_000;

/** Delay before the next refresh: fast while changing, doubling per consecutive failure, else the setting. */
export function nextDelayMs(baseSeconds: number, fast: boolean, failures: number): number {
  const base = baseSeconds * 1000;
  if (failures > 0) return Math.min(base * 2 ** failures, MAX_BACKOFF_MS);
  return fast ? Math.min(FAST_MS, base) : base;
}

/** Refreshes the tree on a timer, only while the view is visible (nothing polls AWS for a hidden view). */
export class Refresher implements vscode.Disposable {
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private visible = false;

  constructor(private readonly options: RefresherOptions) {}

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.schedule(0);
    else this.stop();
  }

  /** After a manual refresh or a settings change: restart the cadence. */
  restart(): void {
    this.failures = 0;
    if (this.visible) this.schedule(nextDelayMs(this.options.intervalSeconds(), this.options.fast(), 0));
  }

  private schedule(delayMs: number): void {
    this.stop();
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    await this.options.refresh();
    this.failures = this.options.failing() ? this.failures + 1 : 0;
    if (this.visible) this.schedule(nextDelayMs(this.options.intervalSeconds(), this.options.fast(), this.failures));
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.visible = false;
    this.stop();
  }
}
