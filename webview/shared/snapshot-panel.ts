import type { z } from 'zod';
import type { readySchema } from '../../src/protocol/common';
import { WebviewChannel } from './channel';
import { vscodeApi } from './vscode-api';

/** The outcome of the last action, shown in the panel's notice line. */
export interface Notice {
  text: string;
  error: boolean;
}

type Ready = z.infer<typeof readySchema>;
type Request<Out> = Out extends { id: number } ? Out : never;

export interface SnapshotPanelOptions<S, In> {
  /** The panel's saved state: `{ version: 1, snapshot }`. */
  stateSchema: z.ZodType<{ version: 1; snapshot: S }>;
  /** Everything the host may send. */
  schema: z.ZodType<In>;
  /** The snapshot a host message carries, if it is an update. */
  snapshotOf(message: In): S | undefined;
  /** Re-renders from `snapshot`, `busy` and `notice`. */
  draw(): void;
}

/**
 * The webview end of a panel that shows the host's latest snapshot (cost, health): it restores the snapshot an
 * earlier load saved, saves each new one, and runs requests with their button busy and a notice after.
 */
export class SnapshotPanel<S, In extends { type: string }, Out extends { type: string }> {
  snapshot: S | undefined;
  /** Requests in flight by key: their buttons are disabled. */
  readonly busy = new Set<string>();
  notice: Notice | undefined;
  private readonly channel: WebviewChannel<In, Out | Ready>;

  constructor(private readonly options: SnapshotPanelOptions<S, In>) {
    const api = vscodeApi();
    // State saved by an earlier load is checked like any message: it survives reloads and could be stale.
    const saved = options.stateSchema.safeParse(api.getState());
    this.snapshot = saved.success ? saved.data.snapshot : undefined;
    this.channel = new WebviewChannel<In, Out | Ready>(api, options.schema, (message) => {
      const snapshot = options.snapshotOf(message);
      if (snapshot === undefined) return;
      this.snapshot = snapshot;
      api.setState({ version: 1, snapshot });
      options.draw();
    });
  }

  /** Sends a request; `done` is the notice when the host did it (none when the user cancelled). */
  async run(key: string, send: (id: number) => Request<Out>, done: string): Promise<void> {
    this.busy.add(key);
    this.options.draw();
    const response = await this.channel.request(send);
    this.busy.delete(key);
    this.notice = response.error ? { text: response.error, error: true } : response.cancelled ? undefined : { text: done, error: false };
    this.options.draw();
  }

  /** Draws what there is and tells the host the panel listens. */
  start(): void {
    this.options.draw();
    this.channel.post({ type: 'ready' });
  }
}
