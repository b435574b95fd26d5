import { bootstrapCursor, type BootstrapStatus, GeuseError, type LogChunk, type LogCursor } from '../../engine';
import { classifyForEditor, isEndpointGap, plainError } from '../error-words';
import { isFinal, stopped, WAITING, withChunk, withError, withStatus, type BootstrapView } from '../wizard/bootstrap-model';

/** What the tail needs from the engine (the Engine has these; tests pass their own). */
export interface TailEngine {
  logs(name: string, cursor: LogCursor, options: { signal?: AbortSignal }): Promise<LogChunk>;
  liveStatus(name: string): Promise<{ instanceState: string; bootstrap?: BootstrapStatus }>;
}

export interface TailOptions {
  intervalMs?: number;
  /** A bootstrap takes minutes (image pulls); past this the tail stops and points at Show Bootstrap Log. */
  timeoutMs?: number;
}

/** The same error with its message in editor words, for the view's "could not read the log just now". */
function inEditorWords(error: GeuseError): GeuseError {
  return new GeuseError({ code: error.code, kind: error.kind, message: plainError(error).title, nextStep: error.nextStep, cause: error, ...(error.operation ? { operation: error.operation } : {}) });
}

const GONE = new Set(['none', 'shutting-down', 'terminated', 'stopping', 'stopped']);

/**
 * Follows a new instance's bootstrap log over SSM for the wizard's progress view, until the instance reports
 * ok or failed, disappears, the panel closes, or the timeout passes. Reads only: stopping it changes nothing.
 */
export class BootstrapTail {
  private readonly controller = new AbortController();
  private started = false;
  view: BootstrapView = WAITING;

  constructor(private readonly engine: TailEngine, private readonly stack: string, private readonly onChange: (view: BootstrapView) => void, private readonly options: TailOptions = {}) {}

  start(): Promise<void> {
    if (this.started) return Promise.resolve();
    this.started = true;
    this.emit(WAITING);
    return this.loop();
  }

  stop(): void {
    this.controller.abort();
  }

  private emit(view: BootstrapView): void {
    this.view = view;
    this.onChange(view);
  }

  private async loop(): Promise<void> {
    const { signal } = this.controller;
    const intervalMs = this.options.intervalMs ?? 5_000;
    const deadline = Date.now() + (this.options.timeoutMs ?? 45 * 60_000);
    let cursor = bootstrapCursor();
    while (!signal.aborted) {
      try {
        const live = await this.engine.liveStatus(this.stack);
        if (GONE.has(live.instanceState)) {
          this.emit(stopped(this.view, `The instance is ${live.instanceState === 'none' ? 'gone' : live.instanceState}; its bootstrap no longer runs.`));
          return;
        }
        let view = this.view;
        for (let more = true; more && !signal.aborted;) {
          const chunk = await this.engine.logs(this.stack, cursor, { signal });
          cursor = chunk.cursor;
          more = chunk.more;
          view = withChunk(view, chunk);
        }
        // The status is read before the log: a final status then means the log above is complete.
        view = withStatus(view, live.bootstrap);
        this.emit(view);
        if (isFinal(view)) return;
      } catch (error) {
        const classified = classifyForEditor(error);
        if (classified.kind === 'cancelled' || signal.aborted) return;
        // Asking an emulator again gives the same answer: say it once and stop.
        if (isEndpointGap(classified)) {
          this.emit(stopped(this.view, `${plainError(classified).title.replace(/\.$/, '')}, so the bootstrap log cannot be followed here.`));
          return;
        }
        this.emit(withError(this.view, inEditorWords(classified)));
      }
      if (Date.now() >= deadline) {
        this.emit(stopped(this.view, 'Stopped following after a long wait; "Show Bootstrap Log" on the stack follows it further.'));
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  }
}
