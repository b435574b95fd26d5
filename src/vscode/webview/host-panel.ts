import * as vscode from 'vscode';
import type { z } from 'zod';
import { plainError } from '../error-words';
import type { readySchema, rejectedSchema, Response } from '../../protocol/common';
import { listen, post } from './channel';
import { loadPanel } from './panel';

/** What a request came to, as its response tells the webview. */
export type Outcome = Omit<Response, 'type' | 'id'>;

type Rejected = z.infer<typeof rejectedSchema>;
type Ready = z.infer<typeof readySchema>;
/** What the webview sends that this end handles itself. */
type Common = Rejected | Ready;

const isRejected = (message: { type: string }): message is Rejected => message.type === 'rejected';
const forPanel = <In extends { type: string }>(message: In): message is Exclude<In, Common> => message.type !== 'rejected' && message.type !== 'ready';

/** An error as a panel shows it: what happened and the next step in editor words, within the protocol's limit. */
export function errorWords(error: unknown): string {
  const { title, detail } = plainError(error);
  return [title, detail].filter(Boolean).join(' ').slice(0, 2000);
}

export interface HostPanelOptions<In> {
  /** The bundle in dist/webview. */
  bundle: string;
  /** The tab's title and the page's. */
  title: string;
  pageTitle: string;
  /** Starts the panel's log lines ("Cost panel"). */
  logName: string;
  /** Everything the webview may send. */
  schema: z.ZodType<In>;
  /** The webview listens now: send it what there is. */
  onReady(): void;
  /** The webview's requests (its rejection reports are logged here). */
  onMessage(message: Exclude<In, Common>): void;
  /** Once, when the panel is closed: nothing is received or sent after. */
  onClosed(): void;
}

/**
 * The host end of a panel (cost, health): tab title and icon, the bundle with a fresh nonce, messages from the
 * webview validated before the panel sees them, and nothing posted into a closed panel.
 */
export class HostPanel<In extends { type: string }, Out> {
  private closed = false;

  constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, log: vscode.LogOutputChannel, options: HostPanelOptions<In>) {
    panel.title = options.title;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'geusemaker.svg');
    loadPanel(panel.webview, extensionUri, options.bundle, options.pageTitle);
    const messages = listen(panel.webview, options.schema, (message) => {
      if (forPanel(message)) options.onMessage(message);
      else if (isRejected(message)) log.warn(`${options.logName}: the panel rejected a message: ${message.reason}`);
      else options.onReady();
    }, (line) => log.warn(`${options.logName}: ${line}`));
    const closing = panel.onDidDispose(() => {
      this.closed = true;
      messages.dispose();
      closing.dispose();
      options.onClosed();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(message: Out): void {
    if (!this.closed) void post<Out>(this.panel.webview, message);
  }

  /** Answers the request with this id. */
  respond(id: number, outcome: Outcome): void {
    if (!this.closed) void post<Response>(this.panel.webview, { type: 'response', id, ...outcome });
  }
}
