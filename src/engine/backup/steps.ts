import { classifyAwsError } from '../aws/classify';
import { GeuseError } from '../errors';
import type { ProgressListener, StepOutcome } from '../progress';

/** Progress of a backup or restore as steps (the CLI prints them, the extension shows them), each timed. */
export class Steps {
  constructor(private readonly listener: ProgressListener, private readonly profile?: string) {}

  note(message: string): void {
    this.listener({ type: 'note', message });
  }

  async run<T>(id: string, title: string, work: (waiting: (what: string) => void) => Promise<{ value: T; outcome: StepOutcome; detail?: string }>): Promise<T> {
    const started = Date.now();
    this.listener({ type: 'step-started', step: id, title });
    try {
      const { value, outcome, detail } = await work((what) => this.listener({ type: 'step-waiting', step: id, waitingFor: what, elapsedMs: Date.now() - started }));
      this.listener({ type: 'step-done', step: id, title, outcome, detail, elapsedMs: Date.now() - started });
      return value;
    } catch (error) {
      const failure = error instanceof GeuseError ? error : classifyAwsError(error, { profile: this.profile });
      this.listener({ type: 'step-failed', step: id, title, error: failure, elapsedMs: Date.now() - started });
      throw failure;
    }
  }
}
