import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import type { SsmFactory } from '../../src/engine/operate';
import type { SsmApi } from '../../src/engine/ssm/api';
import { newReplayCursor, operationOf, RecordedCommands, recordedRunCommandSchema } from '../../src/engine/ssm/recorded-commands';
import { SsmCommandRunner } from '../../src/engine/ssm/run-command';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { cli } from './run-cli';

const REPLAY = join(__dirname, '..', 'fixtures', 'ssm', 'models-replay.json');

/**
 * The recorded model answers (test/fixtures/ssm/models-replay.json) through the replay's RecordedCommands and the
 * engine's own SsmCommandRunner, as GEUSEMAKER_SSM_REPLAY wires them; every operation sent is kept, and `onSend`
 * sees each one as it goes.
 */
function recordedSsm(onSend: (operation: string) => void = () => undefined): { factory: SsmFactory; sent: string[] } {
  const answers = recordedRunCommandSchema.parse((JSON.parse(readFileSync(REPLAY, 'utf8')) as { runCommand: unknown }).runCommand);
  const cursor = newReplayCursor();
  const sent: string[] = [];
  const factory: SsmFactory = (ssm) => {
    const recorded = new RecordedCommands(answers, cursor, ssm);
    const spy: SsmApi = {
      send: (command, options) => {
        if (command instanceof SendCommandCommand) {
          const operation = operationOf(command.input.Parameters?.commands ?? []) ?? command.input.Comment ?? '';
          sent.push(operation);
          onSend(operation);
        }
        return recorded.send(command, options);
      },
    };
    return { runner: new SsmCommandRunner(spy, { pollIntervalMs: 5 }) };
  };
  return { factory, sent };
}

async function deployed(overrides: Parameters<typeof devConfig>[0] = {}): Promise<string> {
  const stateDir = tempDir('gm-cli-models-');
  const engine = testEngine({ stateDir });
  try {
    await engine.deploy(devConfig(overrides));
  } finally {
    engine.dispose();
  }
  return stateDir;
}

/** The progress lines a pull printed on stderr, without their time stamps. */
const pullLines = (stderr: string, model: string) => stderr.split('\n').flatMap((line) => {
  const match = new RegExp(`^\\[\\s*[\\d.]+s\\] ${model.replace(/\./g, '\\.')}: (.*)$`).exec(line);
  return match ? [match[1]!] : [];
});

describe('geusemaker models (against moto; Run Command output from recorded answers)', function () {
  this.timeout(180_000);

  it('recorded: list as a table and --json, pull with progress lines on stderr (percent rising, no line twice), the new model listed, rm asks unless --yes', async () => {
    const stateDir = await deployed();
    const ssm = recordedSsm();
    const run = (argv: string[]) => cli(argv, { stateDir, ssm: ssm.factory });

    const listed = await run(['models', 'demo', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = listed.stdout.trimEnd().split('\n').map((line) => line.trim().split(/\s{2,}/));
    assert.deepEqual(rows, [
      ['NAME', 'SIZE', 'MODIFIED', 'IN CONFIG'],
      ['llama3.2:3b', '2.0 GB', '2026-12-01 09:12', 'yes'],
      ['nomic-embed-text:latest', '274 MB', '2026-12-01 09:14', 'no (not in ollamaModels)'],
    ]);

    const pulled = await run(['models', 'demo', 'pull', 'llama3.2:1b']);
    assert.equal(pulled.code, 0, pulled.stderr);
    const lines = pullLines(pulled.stderr, 'llama3.2:1b');
    assert.deepEqual(lines, [
      'pulling manifest',
      'downloading 0% (0 MB of 1321 MB)',
      'downloading 20% (264 MB of 1321 MB)',
      'downloading 60% (793 MB of 1321 MB)',
      'downloading 100% (1321 MB of 1321 MB)',
      'verifying sha256 digest',
      'writing manifest',
      'removing any unused layers',
      'success',
    ]);
    assert.equal(new Set(lines).size, lines.length, 'no line twice');
    assert.equal(ssm.sent.filter((op) => op === 'models-pull-progress').length, 4, 'four polls, each read from where the last one stopped');
    assert.match(pulled.stdout, /^Pulled llama3\.2:1b \(1\.3 GB\) on stack demo in [\d.]+s\.$/m);
    assert.match(pulled.stdout, /^! llama3\.2:1b is not in the stack's ollamaModels\./m);

    const after = await run(['models', 'list', 'demo', '--json']);
    assert.equal(after.code, 0, after.stderr);
    const document = JSON.parse(after.stdout) as { name: string; models: { name: string; sizeBytes: number; declared: boolean }[] };
    assert.equal(document.name, 'demo');
    assert.deepEqual(document.models.map((m) => [m.name, m.sizeBytes, m.declared]),
      [['llama3.2:1b', 1321098329, false], ['llama3.2:3b', 2019393189, true], ['nomic-embed-text:latest', 274302450, false]]);

    const unasked = await run(['models', 'demo', 'rm', 'llama3.2:1b']);
    assert.equal(unasked.code, 3, 'refused: no terminal to ask on');
    assert.match(unasked.stderr, /needs confirmation, but there is no terminal/);
    assert.match(unasked.stderr, /--yes/);
    assert.ok(!ssm.sent.includes('models-remove'), 'nothing was sent before the answer');

    const removed = await run(['models', 'demo', 'rm', 'llama3.2:1b', '--yes']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout.trim(), 'Removed llama3.2:1b from stack demo.');
    assert.deepEqual(ssm.sent, ['models-list', 'models-pull-start', 'models-pull-progress', 'models-pull-progress', 'models-pull-progress', 'models-pull-progress', 'models-list', 'models-remove']);
  });

  it('recorded: pull --json prints its progress as JSON lines on stderr and one document on stdout', async () => {
    const stateDir = await deployed();
    const ssm = recordedSsm();
    const pulled = await cli(['models', 'demo', 'pull', 'llama3.2:1b', '--json'], { stateDir, ssm: ssm.factory });
    assert.equal(pulled.code, 0, pulled.stderr);
    const events = pulled.stderr.trim().split('\n').map((line) => JSON.parse(line) as { pull: { text: string; percent?: number } });
    assert.equal(events.length, 9);
    assert.deepEqual(events.flatMap((e) => (e.pull.percent === undefined ? [] : [e.pull.percent])), [0, 20, 60, 100, 100, 100, 100, 100]);
    const document = JSON.parse(pulled.stdout) as { name: string; model: string; pulled: boolean; totalBytes: number };
    assert.deepEqual([document.name, document.model, document.pulled, document.totalBytes], ['demo', 'llama3.2:1b', true, 1321098329]);
  });

  it('Ctrl-C during a pull stops the polling and the pull on the instance', async () => {
    const stateDir = await deployed();
    const interrupt = new AbortController();
    let polls = 0;
    const ssm = recordedSsm((operation) => {
      if (operation === 'models-pull-progress' && ++polls === 2) interrupt.abort();
    });
    const run = await cli(['models', 'demo', 'pull', 'llama3.2:1b'], { stateDir, ssm: ssm.factory, interrupt: interrupt.signal });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /Stopping the pull on the instance/);
    assert.match(run.stderr, /The pull of llama3\.2:1b was cancelled and stopped on the instance\./);
    assert.equal(ssm.sent.at(-1), 'models-pull-stop');
    assert.ok(!pullLines(run.stderr, 'llama3.2:1b').includes('success'));
  });

  it('refused before any AWS call: a name Ollama would reject, a stack without Ollama; a paused stack is refused in plain words', async () => {
    const stateDir = await deployed();
    const calls: string[] = [];
    const ssm = recordedSsm();
    const bad = await cli(['models', 'demo', 'pull', 'Llama 3;reboot'], { stateDir, ssm: ssm.factory, calls });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /"Llama 3;reboot" is not a model name Ollama accepts/);
    const badRm = await cli(['models', 'demo', 'rm', '$(reboot)', '--yes'], { stateDir, ssm: ssm.factory, calls });
    assert.equal(badRm.code, 2, badRm.stderr);
    assert.deepEqual(calls, [], 'no AWS call');
    assert.deepEqual(ssm.sent, []);

    const engine = testEngine({ stateDir });
    try {
      await engine.deploy(devConfig({ name: 'plain', services: { n8n: true, ollama: false, qdrant: true, crawl4ai: true, postgres: true } }));
      await engine.pause('demo');
    } finally {
      engine.dispose();
    }
    const noOllama = await cli(['models', 'plain', 'list'], { stateDir, ssm: ssm.factory, calls });
    assert.equal(noOllama.code, 3, noOllama.stderr);
    assert.match(noOllama.stderr, /Stack plain does not run Ollama, so it has no models\./);
    assert.deepEqual(calls, [], 'still no AWS call');

    const paused = await cli(['models', 'demo', 'list'], { stateDir, ssm: ssm.factory });
    assert.equal(paused.code, 3, paused.stderr);
    assert.match(paused.stderr, /Stack demo has no instance in service: paused/);
    assert.deepEqual(ssm.sent, [], 'nothing reached an instance');
  });
});
