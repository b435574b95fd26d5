import type * as vscode from 'vscode';
import { classifyAwsError, type OperationOptions, type ServiceSpec } from '../../engine';
import type { WizardProgress } from '../../protocol/wizard';
import { describeEvent } from '../progress';
import { applyEvent, finishRun, startRun } from '../wizard/run-model';

/** Progress is sent at most this often; the engine can emit bursts of events. */
const SEND_INTERVAL_MS = 250;

/**
 * One deploy (or deletion of what a failed deploy created) running in the wizard panel: its abort controller, its progress folded from the
 * engine's events (also logged), sent to the panel as it changes.
 */
export class WizardRun {
  progress: WizardProgress;
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;

  constructor(operation: WizardProgress['operation'], stack: string, private readonly log: vscode.LogOutputChannel, private readonly send: (progress: WizardProgress) => void) {
    this.progress = startRun(operation, stack, new Date());
  }

  get running(): boolean {
    return this.progress.phase === 'running' || this.progress.phase === 'cancelling';
  }

  /** The bootstrap log tail, which goes on after the deploy itself has finished. */
  setBootstrap(bootstrap: NonNullable<WizardProgress['bootstrap']>): void {
    this.progress = { ...this.progress, bootstrap };
    this.schedule();
  }

  cancel(): void {
    if (this.progress.phase !== 'running') return;
    this.log.warn(`Wizard ${this.progress.operation} of ${this.progress.stack}: cancel requested; stopping at the next safe point`);
    this.progress = { ...this.progress, phase: 'cancelling' };
    this.flush();
    this.controller.abort();
  }

  /** Runs the operation; never throws: the outcome is in `progress` (and the returned error, classified). */
  async run(operate: (options: OperationOptions) => Promise<{ services?: readonly ServiceSpec[] }>): Promise<string | undefined> {
    const title = `Wizard ${this.progress.operation} of ${this.progress.stack}`;
    this.log.info(`${title}: started`);
    this.flush();
    try {
      const { services } = await operate({
        signal: this.controller.signal,
        onProgress: (event) => {
          const line = `${title}: ${describeEvent(event)}`;
          if (event.type === 'step-failed') this.log.error(line);
          else this.log.info(line);
          this.progress = applyEvent(this.progress, event);
          this.schedule();
        },
      });
      this.progress = finishRun(this.progress, new Date(), { services });
      this.log.info(`${title}: done`);
      return undefined;
    } catch (error) {
      const classified = classifyAwsError(error);
      this.progress = finishRun(this.progress, new Date(), { error: classified });
      this.log.error(`${title}: ${classified.message} ${classified.nextStep}`);
      return classified.kind === 'cancelled' ? undefined : classified.message;
    } finally {
      this.flush();
    }
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), SEND_INTERVAL_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.send(this.progress);
  }
}
