import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrapCursor, containerCursor, fetchLogs, follow, type LogCursor, type LogLine } from '../../src/engine/ssm/logs';
import { GeuseError } from '../../src/engine/errors';
import { LocalShellRunner } from '../fixtures/ssm/local-runner';
import type { LogChunk } from '../../src/engine/ssm/log-cursor';
import { followWithRetries, gaveUpMessage } from '../../src/vscode/commands/log-follow';
import { setEndpointForErrors } from '../../src/vscode/error-words';

const INSTANCE = 'i-0abc1234def567890';

function ts(second: number, nanos = 0): string {
  return `2025-05-01T12:00:${String(second).padStart(2, '0')}.${String(nanos).padStart(9, '0')}Z`;
}

function logRunner(): { runner: LocalShellRunner; log: string } {
  const runner = new LocalShellRunner();
  const log = join(runner.root, 'container.log');
  writeFileSync(log, '');
  runner.env = { GM_FAKE_LOG: log, GM_FAKE_CONTAINERS: 'n8n:0123abcd:running:healthy:0' };
  return { runner, log };
}

async function drain(runner: LocalShellRunner, cursor: LogCursor, chunkBytes?: number): Promise<{ lines: LogLine[]; cursor: LogCursor; fetches: number }> {
  const lines: LogLine[] = [];
  let fetches = 0;
  for (;;) {
    const chunk = await fetchLogs(runner, INSTANCE, cursor, { chunkBytes });
    fetches++;
    lines.push(...chunk.lines);
    cursor = chunk.cursor;
    if (!chunk.more) return { lines, cursor, fetches };
  }
}

describe('ssm logs: incremental container and bootstrap logs (scripts run under sh with a stand-in docker)', () => {
  it('3 lines sharing the cursor timestamp are neither repeated nor skipped across two fetches', async () => {
    const { runner, log } = logRunner();
    writeFileSync(log, [`${ts(1)} boot`, `${ts(2)} same-1`, `${ts(2)} same-2`, `${ts(2)} same-3`].map((l) => `${l}\n`).join(''));
    const first = await fetchLogs(runner, INSTANCE, containerCursor('n8n'));
    assert.deepEqual(first.lines.map((l) => l.text), ['boot', 'same-1', 'same-2', 'same-3']);
    assert.deepEqual(first.cursor, { kind: 'container', service: 'n8n', since: ts(2), seenAtSince: 3, tail: 200 });

    // Two more lines arrive in the same instant, then one later: --since is inclusive, so the three come back and must be dropped.
    appendFileSync(log, [`${ts(2)} same-4`, `${ts(2)} same-5`, `${ts(3)} later`].map((l) => `${l}\n`).join(''));
    const second = await fetchLogs(runner, INSTANCE, first.cursor);
    assert.deepEqual(second.lines.map((l) => l.text), ['same-4', 'same-5', 'later']);
    assert.deepEqual(second.lines.map((l) => l.timestamp), [ts(2), ts(2), ts(3)]);

    const third = await fetchLogs(runner, INSTANCE, second.cursor);
    assert.deepEqual(third.lines, [], 'nothing new, nothing repeated');
    assert.deepEqual(third.cursor, second.cursor);
  });

  it('a 60,000-character burst comes through complete, in chunks that each fit SSM\'s 24,000-character limit', async () => {
    const { runner, log } = logRunner();
    const expected: string[] = [];
    // 600 lines of ~100 characters, in threes sharing an instant, like a container dumping a stack trace.
    for (let i = 0; i < 600; i++) expected.push(`line ${String(i).padStart(4, '0')} ${'x'.repeat(80)}`);
    writeFileSync(log, expected.map((text, i) => `${ts(10 + Math.floor(i / 60), Math.floor((i % 60) / 3) * 1000)} ${text}\n`).join(''));
    const result = await drain(runner, containerCursor('n8n', 10_000));
    assert.equal(result.lines.length, 600);
    assert.deepEqual(result.lines.map((l) => l.text), expected);
    assert.ok(result.fetches >= 3, `fetched in ${result.fetches} pieces`);
    assert.ok(!result.lines.some((l) => l.cut));
  });

  it('a burst of many lines in one instant, larger than a chunk, still comes through exactly once', async () => {
    const { runner, log } = logRunner();
    const texts = Array.from({ length: 500 }, (_, i) => `same instant ${i} ${'y'.repeat(60)}`);
    writeFileSync(log, texts.map((t) => `${ts(5)} ${t}\n`).join(''));
    const result = await drain(runner, containerCursor('n8n', 1000), 8_000);
    assert.deepEqual(result.lines.map((l) => l.text), texts);
  });

  it('a single line longer than a chunk is passed on cut, and the log moves past it', async () => {
    const { runner, log } = logRunner();
    writeFileSync(log, `${ts(1)} ${'z'.repeat(30_000)}\n${ts(2)} after\n`);
    const result = await drain(runner, containerCursor('n8n'));
    assert.equal(result.lines.length, 2);
    assert.equal(result.lines[0]?.cut, true);
    assert.equal(result.lines[1]?.text, 'after');
  });

  it('no container yet: no lines, a note, and the cursor unchanged', async () => {
    const { runner } = logRunner();
    const cursor = containerCursor('ollama');
    const chunk = await fetchLogs(runner, INSTANCE, cursor);
    assert.deepEqual(chunk.lines, []);
    assert.match(chunk.note ?? '', /no ollama container yet/);
    assert.deepEqual(chunk.cursor, cursor);
  });

  it('the bootstrap log is read by byte offset, holding back a line still being written', async () => {
    const runner = new LocalShellRunner();
    const dir = join(runner.root, 'var/log/geusemaker');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'bootstrap.log');
    const none = await fetchLogs(runner, INSTANCE, bootstrapCursor());
    assert.match(none.note ?? '', /no bootstrap log yet/);

    writeFileSync(file, '2025-05-01T12:00:00Z == step aws-cli\nünïcode line ✓\n2025-05-01T12:00:05Z partial');
    const first = await fetchLogs(runner, INSTANCE, bootstrapCursor());
    assert.deepEqual(first.lines.map((l) => l.text), ['2025-05-01T12:00:00Z == step aws-cli', 'ünïcode line ✓']);
    assert.equal(first.cursor.kind === 'bootstrap' && first.cursor.offset, Buffer.byteLength('2025-05-01T12:00:00Z == step aws-cli\nünïcode line ✓\n'));

    appendFileSync(file, ' now complete\n');
    const second = await fetchLogs(runner, INSTANCE, first.cursor);
    assert.deepEqual(second.lines.map((l) => l.text), ['2025-05-01T12:00:05Z partial now complete']);
  });

  it('a large bootstrap log comes through complete and in order', async () => {
    const runner = new LocalShellRunner();
    const dir = join(runner.root, 'var/log/geusemaker');
    mkdirSync(dir, { recursive: true });
    const expected = Array.from({ length: 1200 }, (_, i) => `boot ${i} ${'b'.repeat(i % 120)}`);
    writeFileSync(join(dir, 'bootstrap.log'), expected.map((l) => `${l}\n`).join(''));
    const result = await drain(runner, bootstrapCursor());
    assert.deepEqual(result.lines.map((l) => l.text), expected);
    assert.ok(result.fetches >= 4);
  });

  it('a replaced bootstrap log (new instance) is read from the start, and says so', async () => {
    const runner = new LocalShellRunner();
    const dir = join(runner.root, 'var/log/geusemaker');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bootstrap.log'), 'fresh\n');
    const chunk = await fetchLogs(runner, INSTANCE, { kind: 'bootstrap', offset: 5_000 });
    assert.deepEqual(chunk.lines.map((l) => l.text), ['fresh']);
    assert.match(chunk.note ?? '', /replaced/);
  });

  it('output that SSM cut (or that never came) is refused, not half-read', async () => {
    const cutRunner = { run: async () => ({ status: 'Success' as const, stdout: 'x'.repeat(24_000) + '\n---Output truncated---', stderr: '', truncated: true, exitCode: 0 }) };
    await assert.rejects(fetchLogs(cutRunner, INSTANCE, containerCursor('n8n')), (error: unknown) => error instanceof GeuseError && error.code === 'SSM_OUTPUT_TRUNCATED');
  });

  it('a command that printed nothing at all did not run (an emulator); the bootstrap log\'s advice does not mention docker', async () => {
    const answering = (stdout: string) => ({ run: async () => ({ status: 'Success' as const, stdout, stderr: '', truncated: false, exitCode: 0 }) });
    await assert.rejects(fetchLogs(answering(''), INSTANCE, bootstrapCursor()), (error: unknown) => error instanceof GeuseError && error.code === 'SSM_COMMAND_NOT_RUN' && !/docker/i.test(`${error.message} ${error.nextStep}`));
    await assert.rejects(fetchLogs(answering('something else\n'), INSTANCE, bootstrapCursor()),
      (error: unknown) => error instanceof GeuseError && error.code === 'SSM_OUTPUT_MISSING' && !/docker/i.test(error.nextStep) && /bootstrap\.log/.test(error.nextStep));
    await assert.rejects(fetchLogs(answering('something else\n'), INSTANCE, containerCursor('n8n')),
      (error: unknown) => error instanceof GeuseError && error.code === 'SSM_OUTPUT_MISSING' && /docker/.test(error.nextStep));
  });

  it('follow() yields new lines as they arrive and ends quietly when aborted', async () => {
    const { runner, log } = logRunner();
    writeFileSync(log, `${ts(1)} one\n`);
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const chunk of follow(runner, INSTANCE, containerCursor('n8n'), { intervalMs: 20, signal: controller.signal })) {
      seen.push(...chunk.lines.map((l) => l.text));
      if (seen.length === 1) appendFileSync(log, `${ts(1)} two\n${ts(2)} three\n`);
      if (seen.length >= 3) controller.abort();
    }
    assert.deepEqual(seen, ['one', 'two', 'three']);
  });
});

describe('following a log in the editor: retries, and saying why it stopped', () => {
  const transient = () => new GeuseError({ code: 'AWS_TRANSIENT', kind: 'transient', message: 'AWS call ssm:SendCommand failed with a temporary AWS or network error (InternalError).', nextStep: 'Run the command again; it resumes where it stopped.' });
  const sink = () => {
    const lines: string[] = [];
    return { lines, info: (t: string) => lines.push(`info ${t}`), warn: (t: string) => lines.push(`warn ${t}`), error: (t: string) => lines.push(`error ${t}`) };
  };
  /** Each open() answers with the next script entry: chunks then an error (or the end). */
  const scripted = (script: ({ chunks: LogChunk[]; then?: Error })[]) => {
    const opened: LogCursor[] = [];
    const open = async (cursor: LogCursor) => {
      opened.push(cursor);
      const step = script.shift() ?? { chunks: [], then: new Error('script ran out') };
      return (async function* () {
        for (const chunk of step.chunks) yield chunk;
        if (step.then) throw step.then;
      })();
    };
    return { open, opened };
  };
  const chunkAt = (offset: number, text: string): LogChunk => ({ lines: [{ text }], cursor: { kind: 'bootstrap', offset }, more: false });
  const retry = { maxFailures: 3, delayMs: 1 };
  afterEach(() => setEndpointForErrors(() => undefined));

  it('three failed reads in a row stop following, from the last cursor, with the reason in plain words; a good read resets the count', async () => {
    const { open, opened } = scripted([
      { chunks: [chunkAt(10, 'one')], then: transient() },
      { chunks: [chunkAt(20, 'two')], then: transient() },
      { chunks: [], then: transient() },
      { chunks: [], then: transient() },
    ]);
    const out = sink();
    const end = await followWithRetries(open, bootstrapCursor(), 'bootstrap', out, new AbortController().signal, retry);
    assert.equal(end.kind, 'gave-up');
    if (end.kind !== 'gave-up') return;
    assert.equal(end.why, 'repeated');
    assert.deepEqual(end.cursor, { kind: 'bootstrap', offset: 20 }, 'Follow Again goes on from where it stopped');
    assert.deepEqual(opened.map((c) => (c.kind === 'bootstrap' ? c.offset : -1)), [0, 10, 20, 20]);
    const errors = out.lines.filter((l) => l.startsWith('error'));
    assert.equal(errors.length, 4);
    assert.match(errors[0]!, /Trying again in 0 s \(1 of 3\)/);
    assert.doesNotMatch(errors.at(-1)!, /Trying again|Try again/, 'the last line does not promise another try');
    for (const line of errors) assert.doesNotMatch(line, /AWS_TRANSIENT|InternalError|resumes where it stopped|ssm:SendCommand/);
    const message = gaveUpMessage(end, 'the bootstrap log', 'demo');
    assert.equal(message, 'Stopped following the bootstrap log of demo after 3 failed reads in a row. AWS or the network failed for a moment. Try again.');
  });

  it('an emulator that runs no commands stops following at once and says exactly that', async () => {
    setEndpointForErrors(() => ({ url: 'http://127.0.0.1:4566', source: 'setting' }));
    const notRun = new GeuseError({ code: 'SSM_COMMAND_NOT_RUN', kind: 'unknown', message: 'nothing ran', nextStep: 'x' });
    const { open, opened } = scripted([{ chunks: [], then: notRun }]);
    const end = await followWithRetries(open, bootstrapCursor(), 'bootstrap', sink(), new AbortController().signal, retry);
    assert.equal(opened.length, 1, 'not asked again');
    assert.ok(end.kind === 'gave-up' && end.why === 'endpoint');
    assert.match(gaveUpMessage(end, 'the bootstrap log', 'demo'), /^Stopped following the bootstrap log of demo\. The emulator at http:\/\/127\.0\.0\.1:4566 does not run commands on instances \(SSM Run Command\)\./);
  });

  it('stopping by hand ends quietly', async () => {
    const controller = new AbortController();
    const { open } = scripted([{ chunks: [chunkAt(5, 'x')], then: transient() }]);
    const out = sink();
    controller.abort();
    assert.deepEqual(await followWithRetries(open, bootstrapCursor(), 'bootstrap', out, controller.signal, retry), { kind: 'stopped' });
  });
});
