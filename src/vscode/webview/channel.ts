import type * as vscode from 'vscode';
import type { z } from 'zod';
import { createReceiver } from '../../protocol/receiver';

/** Rejections logged per panel; past that a hostile webview could only flood the log. */
const MAX_LOGGED = 50;

/**
 * The host's end of a panel's protocol: messages from the webview are validated before `onMessage` sees
 * them; anything else is logged (up to a limit) and dropped.
 */
export function listen<In>(webview: vscode.Webview, schema: z.ZodType<In>, onMessage: (message: In) => void, log: (line: string) => void): vscode.Disposable {
  let logged = 0;
  const receive = createReceiver({
    schema,
    onMessage,
    onReject: (reason) => {
      logged++;
      if (logged <= MAX_LOGGED) log(`rejected a message from the panel: ${reason}`);
      if (logged === MAX_LOGGED) log('further rejected messages from this panel are not logged');
    },
  });
  return webview.onDidReceiveMessage(receive);
}

/** Posts a message typed by the panel's protocol; false when the panel is gone (nothing to do then). */
export function post<Out>(webview: vscode.Webview, message: Out): Thenable<boolean> {
  return webview.postMessage(message);
}
