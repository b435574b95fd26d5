import assert from 'node:assert/strict';
import { checkMessage, MAX_MESSAGE_CHARS } from '../../src/protocol/receiver';
import { healthSnapshotSchema, healthToHostSchema, HISTORY_LENGTH, type HealthToHost } from '../../src/protocol/health';
import { contentSecurityPolicy, panelHtml, panelNonce } from '../../src/vscode/webview/html';
import { foldHistory, toSnapshot } from '../../src/vscode/panels/health-snapshot';
import type { StackHealth } from '../../src/engine/operate';
import { sampleSnapshot, TARGET } from './fixtures';
import { itRejectsEach, throughListen } from './hostile';

/** What a compromised or buggy webview could send the extension. */
const HOSTILE: [string, unknown][] = [
  ['unknown type', { type: 'exec', command: 'rm -rf /' }],
  ['no type', { id: 1, service: 'n8n' }],
  ['request without id', { type: 'restart', service: 'n8n' }],
  ['negative id', { type: 'restart', id: -1, service: 'n8n' }],
  ['fractional id', { type: 'refresh', id: 1.5 }],
  ['id as string', { type: 'refresh', id: '1' }],
  ['service not in the catalogue', { type: 'restart', id: 1, service: 'n8n; reboot' }],
  ['script as service', { type: 'open', id: 1, service: '<script>alert(1)</script>' }],
  ['extra keys', { type: 'ready', command: 'geusemaker.destroy' }],
  ['prototype key', JSON.parse('{"type":"ready","__proto__":{"polluted":true}}')],
  ['oversized reason', { type: 'rejected', reason: 'x'.repeat(301) }],
  ['oversized payload', { type: 'ready', padding: 'x'.repeat(MAX_MESSAGE_CHARS) }],
  ['string', 'ready'],
  ['null', null],
  ['array', [{ type: 'ready' }]],
  ['number', 7],
];

describe('health panel protocol on the host side', () => {
  it('accepts every message the webview may send', () => {
    const valid: HealthToHost[] = [
      { type: 'ready' }, { type: 'rejected', reason: 'unknown message type at type' }, { type: 'refresh', id: 1 },
      { type: 'showLogs', id: 2, service: 'n8n' }, { type: 'restart', id: 3, service: 'postgres' }, { type: 'open', id: 4, service: 'comfyui' },
    ];
    for (const message of valid) assert.deepEqual(checkMessage(healthToHostSchema, message), { ok: true, message });
  });

  itRejectsEach(healthToHostSchema, HOSTILE, /<script|rm -rf|reboot|geusemaker\.destroy/);

  it('rejects a message with no JSON form (a cycle) instead of throwing', () => {
    const cyclic: Record<string, unknown> = { type: 'ready' };
    cyclic.self = cyclic;
    assert.deepEqual(checkMessage(healthToHostSchema, cyclic), { ok: false, reason: 'not a JSON message' });
  });

  it('listen() passes on only valid messages and logs the rest, up to a limit', () => {
    const { received, logged, deliver } = throughListen(healthToHostSchema, [...HOSTILE.map(([, message]) => message), { type: 'refresh', id: 9 }]);
    assert.deepEqual(received, [{ type: 'refresh', id: 9 }]);
    assert.equal(logged.length, HOSTILE.length);
    assert.ok(logged.every((line) => line.startsWith('rejected a message from the panel: ')));
    for (let i = 0; i < 100; i++) deliver({ type: 'flood' });
    assert.equal(logged.length, 51, '50 rejections, then one line saying the rest are not logged');
  });
});

describe('panel page', () => {
  it('has a strict CSP: nonce-only scripts, no inline styles, nothing remote, a fresh nonce per load', () => {
    const [a, b] = [panelNonce(), panelNonce()];
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9+/]{22}==$/);
    const csp = contentSecurityPolicy('https://webview.test', a);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, new RegExp(`script-src 'nonce-${a.replace(/[+/]/g, '\\$&')}'(;|$)`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:\/\/(?!webview\.test)|\*/);
    const html = panelHtml({ title: '"><script>alert(1)</script>', cspSource: 'https://webview.test', scriptUri: 'https://webview.test/health.js', styleUri: 'https://webview.test/health.css', nonce: a });
    assert.equal(html.match(/<script/g)?.length, 1, 'the bundle is the only script');
    assert.match(html, new RegExp(`<script src="https://webview.test/health.js" nonce="${a.replace(/[+/]/g, '\\$&')}"></script>`));
    assert.doesNotMatch(html, /<style|style=/);
    assert.match(html, /<title>&quot;&gt;&lt;script&gt;/);
  });
});

describe('health snapshot (what the host sends)', () => {
  it('is valid by the protocol, with history capped', () => {
    const snapshot = sampleSnapshot(HISTORY_LENGTH + 15);
    assert.ok(healthSnapshotSchema.safeParse(snapshot).success);
    assert.ok(snapshot.services.every((row) => row.history.length === HISTORY_LENGTH));
    assert.equal(snapshot.services.find((row) => row.name === 'postgres')?.canOpen, false);
  });

  it('shows a service that fails through the public URL as unhealthy, and cuts long errors', () => {
    const at = '2025-06-01T12:00:00.000Z';
    const health: StackHealth = {
      agent: { instanceId: 'i-1', pingStatus: 'Online' },
      services: [
        { service: 'n8n', status: 'healthy', latencyMs: 20, checkedAt: at, via: 'instance', consecutiveFailures: 0, severity: 'ok' },
        { service: 'qdrant', status: 'unhealthy', checkedAt: at, via: 'instance', consecutiveFailures: 1, severity: 'warning', lastError: 'e'.repeat(5000) },
      ],
      publicChecks: [{ service: 'n8n', status: 'unhealthy', checkedAt: at, via: 'public-url', lastError: 'HTTP 502' }],
    };
    const snapshot = toSnapshot(TARGET, 'us-east-1', health, foldHistory(new Map(), health), 30);
    assert.ok(healthSnapshotSchema.safeParse(snapshot).success);
    const [n8n, qdrant] = snapshot.services;
    assert.deepEqual([n8n?.status, n8n?.severity, n8n?.via, n8n?.lastError], ['unhealthy', 'warning', 'public-url', 'through the public URL: HTTP 502']);
    assert.equal(qdrant?.lastError?.length, 2000);
  });
});
