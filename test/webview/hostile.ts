import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import type { z } from 'zod';
import { checkMessage } from '../../src/protocol/receiver';
import { listen } from '../../src/vscode/webview/channel';
import type { PanelPage } from './harness';

/** Markup a message may carry in its strings: a panel shows it as text and never runs it. */
export const SCRIPT = '<script>window.pwned = 1</script>';
export const IMG = '<img src=x onerror="window.pwned = 1">';

/** Every message the panel posted parses with the protocol's schema for its direction. */
export async function assertProtocol(panel: PanelPage, schema: z.ZodType): Promise<unknown[]> {
  const posted = await panel.posted();
  for (const message of posted) assert.ok(schema.safeParse(message).success, `posted message matches the protocol: ${JSON.stringify(message)}`);
  return posted;
}

/** A first load: ready posted first, only protocol messages, a valid state saved, no CSP violations, inline scripts or console noise. */
export async function assertCleanLoad(panel: PanelPage, schemas: { toHost: z.ZodType; state: z.ZodType }): Promise<void> {
  const posted = await assertProtocol(panel, schemas.toHost);
  assert.deepEqual(posted[0], { type: 'ready' });
  assert.ok(schemas.state.safeParse(await panel.state()).success, 'setState got a valid panel state');
  assert.deepEqual(await panel.violations(), [], 'no Content Security Policy violations');
  assert.equal(await panel.page.locator('script:not([src])').count(), 0, 'no inline scripts');
  assert.deepEqual(panel.console, []);
}

/** What any snapshot panel must reject whatever its snapshot: `update` is its update's type, `good` a valid snapshot. */
export function hostileToAnyPanel(update: string, good: unknown): unknown[] {
  return [
    { type: 'eval', code: 'window.pwned = 1' },
    { type: update },
    { type: update, snapshot: good, extra: SCRIPT },
    { type: 'response', id: 0 },
    { type: 'response', id: -1 },
    update,
    null,
    42,
  ];
}

/**
 * Posts each message to the panel, then a cyclic one (structured clone carries cycles; they have no JSON form),
 * and checks that the panel reported every one without echoing it, posted only protocol messages and logged the
 * rejections. The messages must include an unknown type and an oversized one.
 */
export async function assertRejectsAll(panel: PanelPage, hostile: unknown[], schemas: { update: string; toHost: z.ZodType }): Promise<void> {
  for (const message of hostile) await panel.send(message);
  await panel.page.evaluate(`const cyclic = { type: ${JSON.stringify(schemas.update)} }; cyclic.snapshot = cyclic; window.postMessage(cyclic, '*')`);
  const posted = await panel.waitForPosted(1 + hostile.length + 1);
  const rejected = posted.filter((m): m is { type: 'rejected'; reason: string } => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'rejected');
  assert.equal(rejected.length, hostile.length + 1, `every hostile message was reported: ${JSON.stringify(rejected)}`);
  assert.ok(rejected.some((r) => /unknown message type/.test(r.reason)));
  assert.ok(rejected.some((r) => /too large/.test(r.reason)));
  assert.ok(rejected.some((r) => /not a JSON message/.test(r.reason)));
  assert.ok(rejected.every((r) => !r.reason.includes('<')), 'reasons never echo the hostile content');
  await assertProtocol(panel, schemas.toHost);
  assert.ok(panel.console.some((line) => line.includes('rejected a message from the extension')), 'rejections are logged');
}

/** Markup shown as text left nothing behind: no image, no script but the bundle, nothing ran, no CSP violation. */
export async function assertMarkupInert(panel: PanelPage): Promise<void> {
  assert.equal(await panel.page.locator('body img').count(), 0);
  assert.equal(await panel.page.locator('body script').count(), 1, 'only the bundle');
  assert.equal(await panel.page.evaluate('window.pwned'), undefined);
  assert.deepEqual(await panel.violations(), []);
}

/**
 * One test per message a compromised or buggy webview could send the extension: the host's schema rejects it
 * with a short reason that does not match `echo`. Call inside a `describe`.
 */
export function itRejectsEach(schema: z.ZodType, hostile: [string, unknown][], echo: RegExp): void {
  for (const [what, message] of hostile) {
    it(`rejects ${what}, with a reason that does not echo it`, () => {
      const checked = checkMessage(schema, message);
      assert.equal(checked.ok, false);
      if (!checked.ok) {
        assert.ok(checked.reason.length < 200, checked.reason);
        assert.doesNotMatch(checked.reason, echo);
      }
    });
  }
}

/** Delivers messages through listen() on a stand-in webview: what reached the panel, what was logged, and a way to send more. */
export function throughListen<In>(schema: z.ZodType<In>, messages: unknown[]): { received: In[]; logged: string[]; deliver(raw: unknown): void } {
  let handler: ((raw: unknown) => void) | undefined;
  const webview = { onDidReceiveMessage: (h: (raw: unknown) => void) => ((handler = h), { dispose: () => undefined }) } as unknown as vscode.Webview;
  const received: In[] = [];
  const logged: string[] = [];
  listen(webview, schema, (m) => received.push(m), (line) => logged.push(line));
  const deliver = (raw: unknown) => handler?.(raw);
  for (const message of messages) deliver(message);
  return { received, logged, deliver };
}
