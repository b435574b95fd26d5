import * as vscode from 'vscode';
import { type OperationOptions, type ProgressEvent } from '../engine';

/** One line per engine event, for the output channel and the notification. */
export function describeEvent(event: ProgressEvent): string {
  switch (event.type) {
    case 'step-started': return `${event.title}…`;
    case 'step-waiting': return `${event.step}: waiting for ${event.waitingFor} (${Math.round(event.elapsedMs / 1000)} s)`;
    case 'step-done': return `${event.title}: ${event.outcome}${event.detail ? ` (${event.detail})` : ''} in ${(event.elapsedMs / 1000).toFixed(1)} s`;
    case 'step-failed': return `${event.title} failed: ${event.error.message}`;
    case 'note': return event.message;
  }
}

/**
 * Runs an engine operation under a cancellable notification. Cancel aborts the engine's signal: it stops
 * at a safe point with everything created so far in the journal.
 */
export function withEngineProgress<T>(title: string, log: vscode.LogOutputChannel, run: (options: OperationOptions) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => {
      log.warn(`${title}: cancel requested; stopping at the next safe point`);
      controller.abort();
    });
    log.info(`${title}: started`);
    try {
      return await run({
        signal: controller.signal,
        onProgress: (event) => {
          const line = describeEvent(event);
          if (event.type === 'step-failed') log.error(line);
          else log.info(line);
          if (event.type !== 'step-done') progress.report({ message: line });
        },
      });
    } finally {
      subscription.dispose();
    }
  });
}
