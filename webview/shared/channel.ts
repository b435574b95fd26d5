import type { z } from 'zod';
import { responseSchema, type Response } from '../../src/protocol/common';
import { createReceiver } from '../../src/protocol/receiver';
import type { VsCodeApi } from './vscode-api';

/** Rejections reported to the host per load; a flood is still dropped, just not forwarded. */
const MAX_REPORTS = 20;

type Request<Out> = Out extends { id: number } ? Out : never;

/**
 * The webview's end of a panel's protocol: every message from the host is validated before `onMessage` sees
 * it, and responses settle the request with the same id.
 */
export class WebviewChannel<In extends { type: string }, Out extends { type: string }> {
  private nextId = 1;
  private readonly pending = new Map<number, (response: Response) => void>();
  private reports = 0;

  constructor(private readonly api: VsCodeApi, schema: z.ZodType<In>, private readonly onMessage: (message: In) => void) {
    const receive = createReceiver({ schema, onMessage: (message) => this.dispatch(message), onReject: (reason) => this.rejected(reason) });
    window.addEventListener('message', (event: MessageEvent<unknown>) => receive(event.data));
  }

  post(message: Out): void {
    this.api.postMessage(message);
  }

  /** Sends a request built around a fresh id; resolves with the host's response (an `error` when it failed). */
  request(build: (id: number) => Request<Out>): Promise<Response> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.api.postMessage(build(id));
    });
  }

  private dispatch(message: In): void {
    const response = responseSchema.safeParse(message);
    if (!response.success) {
      this.onMessage(message);
      return;
    }
    const settle = this.pending.get(response.data.id);
    this.pending.delete(response.data.id);
    settle?.(response.data);
  }

  private rejected(reason: string): void {
    console.warn(`GeuseMaker: rejected a message from the extension: ${reason}`);
    if (this.reports++ < MAX_REPORTS) this.api.postMessage({ type: 'rejected', reason: reason.slice(0, 300) });
  }
}
