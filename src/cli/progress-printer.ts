import { OUTCOME_WORDS, type ProgressEvent, seconds } from '../engine';

/** Repeats a waiting line for the same thing at most this often, since the engine reports every poll. */
const WAITING_REPEAT_MS = 15_000;

/** One line per progress event, stamped with the time since the operation started. */
export class ProgressPrinter {
  private startedAt = Date.now();
  private muted = false;
  private readonly lastWaiting = new Map<string, { what: string; at: number }>();

  /** quiet (--quiet): only warnings (notes) and failed steps, as lines or JSON events. */
  constructor(private readonly write: (line: string) => void, private readonly json: boolean, private readonly quiet = false) {}

  /** Restarts the stack clock (after the confirmation, so time spent answering doesn't count). */
  restart(): void {
    this.startedAt = Date.now();
  }

  /** Stops human lines (JSON events are always written: they are the machine's record). */
  mute(): void {
    this.muted = true;
  }

  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  readonly listener = (event: ProgressEvent): void => {
    if (this.quiet && event.type !== 'note' && event.type !== 'step-failed') return;
    const elapsed = this.elapsedMs();
    if (this.json) {
      this.write(JSON.stringify({ event, stackElapsedMs: elapsed }));
      return;
    }
    if (this.muted) return;
    const line = this.format(event);
    // --quiet prints warnings alone, as warnings: no progress clock in front of them.
    if (line !== undefined) this.write(this.quiet ? line : `[${seconds(elapsed).padStart(7)}] ${line}`);
  };

  private format(event: ProgressEvent): string | undefined {
    switch (event.type) {
      case 'step-started':
        return `→ ${event.title}`;
      case 'step-waiting': {
        const last = this.lastWaiting.get(event.step);
        const now = Date.now();
        if (last && last.what === event.waitingFor && now - last.at < WAITING_REPEAT_MS) return undefined;
        this.lastWaiting.set(event.step, { what: event.waitingFor, at: now });
        return `… waiting for ${event.waitingFor}${event.elapsedMs >= 1000 ? ` (${seconds(event.elapsedMs)})` : ''}`;
      }
      case 'step-done':
        this.lastWaiting.delete(event.step);
        // Adopted resources are reused, and the detail says whose: "adopted from stack id …".
        if (event.outcome === 'reused' && event.detail?.startsWith('adopted ')) return `✓ ${event.title} — ${event.detail} (${seconds(event.elapsedMs)})`;
        return `✓ ${event.title} — ${OUTCOME_WORDS[event.outcome]}${event.detail ? ` ${event.detail}` : ''} (${seconds(event.elapsedMs)})`;
      case 'step-failed':
        this.lastWaiting.delete(event.step);
        return `✗ ${event.title} — failed after ${seconds(event.elapsedMs)}: [${event.error.code}] ${event.error.message}`;
      case 'note':
        return `! ${event.message}`;
    }
  }
}
