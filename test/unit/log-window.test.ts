import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchLogs } from '../../src/engine/ssm/logs';
import { dockerTime, startCursor } from '../../src/engine/ssm/log-cursor';
import { LocalShellRunner } from '../fixtures/ssm/local-runner';

const INSTANCE = 'i-0abc1234def567890';
const ts = (second: number) => `2025-05-01T12:00:${String(second).padStart(2, '0')}.000000000Z`;

function runnerWith(lines: string[]): LocalShellRunner {
  const runner = new LocalShellRunner();
  const log = join(runner.root, 'container.log');
  writeFileSync(log, lines.map((line) => `${line}\n`).join(''));
  runner.env = { GM_FAKE_LOG: log, GM_FAKE_CONTAINERS: 'n8n:0123abcd:running:healthy:0' };
  return runner;
}

describe('where `logs --since/--tail` start reading (start cursors, scripts under sh with a stand-in docker)', () => {
  it('since is written as Docker writes its timestamps, so the instance compares like with like', () => {
    assert.equal(dockerTime(new Date('2025-05-01T12:00:05.123Z')), '2025-05-01T12:00:05.123000000Z');
    assert.deepEqual(startCursor({ service: 'n8n' }, { tail: 50 }), { kind: 'container', service: 'n8n', seenAtSince: 0, tail: 50 });
    assert.deepEqual(startCursor({ bootstrap: true }, { tail: 5 }), { kind: 'bootstrap', offset: 0, tail: 5 });
    assert.deepEqual(startCursor({ bootstrap: true }), { kind: 'bootstrap', offset: 0 });
  });

  it('--since: every line from that time on, including one at exactly that time; the next read goes on from the last', async () => {
    const runner = runnerWith([`${ts(1)} old`, `${ts(5)} at since`, `${ts(6)} after`]);
    const first = await fetchLogs(runner, INSTANCE, startCursor({ service: 'n8n' }, { since: new Date('2025-05-01T12:00:05Z') }));
    assert.deepEqual(first.lines.map((l) => l.text), ['at since', 'after']);
    const again = await fetchLogs(runner, INSTANCE, first.cursor);
    assert.deepEqual(again.lines, []);
    assert.equal('from' in again.cursor, false);
  });

  it('--since with --tail: the last N of the lines since then; later reads are not cut to N', async () => {
    const runner = runnerWith([`${ts(1)} old`, `${ts(5)} a`, `${ts(6)} b`, `${ts(7)} c`]);
    const first = await fetchLogs(runner, INSTANCE, startCursor({ service: 'n8n' }, { since: new Date('2025-05-01T12:00:02Z'), tail: 2 }));
    assert.deepEqual(first.lines.map((l) => l.text), ['b', 'c']);
    assert.match(runner.scripts[0] ?? '', /--since '2025-05-01T12:00:02\.000000000Z' --tail 2/);
    assert.equal(first.cursor.kind === 'container' && first.cursor.from, undefined, 'the start window is spent');
  });
});
