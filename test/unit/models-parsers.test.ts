import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GeuseError } from '../../src/engine/errors';
import { disksOf } from '../../src/engine/health/disks';
import { parseHealthOutput } from '../../src/engine/health/report';
import { readFrame } from '../../src/engine/models/frame';
import { parseTags } from '../../src/engine/models/list';
import { checkModelName, declaredIn } from '../../src/engine/models/names';
import { PullTracker } from '../../src/engine/models/progress';
import { listScript, pullPollScript, pullStartScript, pullStopScript, removeScript } from '../../src/engine/models/scripts';
import { replayFromFile } from '../../src/engine/ssm/replay';

const replay = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'ssm', 'models-replay.json'), 'utf8')) as {
  runCommand: Record<string, { StandardOutputContent: string }[]>;
};
const recorded = (key: string, index = 0) => replay.runCommand[key]![index]!.StandardOutputContent;
const errorCode = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GeuseError, String(error));
    return error.code;
  }
  return 'no error';
};

describe('models: the parsers of what the instance prints', () => {
  it('recorded: /api/tags as Ollama prints it (with details) gives each model\'s name, size and modified time, by name', () => {
    const frame = readFrame({ stdout: recorded('models-list', 1), truncated: false }, 'i-0abc', 'model list');
    assert.deepEqual(frame.header, { exit: '0', code: '200', size: '1012' });
    const models = parseTags(frame.content);
    assert.deepEqual(models.map((m) => [m.name, m.sizeBytes, m.modifiedAt, m.parameterSize]), [
      ['llama3.2:1b', 1321098329, '2026-12-07T09:31:18.204Z', '1.2B'],
      ['llama3.2:3b', 2019393189, '2026-12-01T09:12:44.517Z', '3.2B'],
      ['nomic-embed-text:latest', 274302450, '2026-12-01T09:14:02.089Z', '137M'],
    ]);
  });

  it('/api/tags without details (the script\'s compact form), with none at all, and with a zone offset', () => {
    assert.deepEqual(parseTags('{"models":[{"name":"codellama:13b","modified_at":"2023-11-04T14:56:49.277302595-07:00","size":7365960935,"digest":"9f438cb9cd58"}]}'),
      [{ name: 'codellama:13b', sizeBytes: 7365960935, modifiedAt: '2023-11-04T21:56:49.277Z', digest: '9f438cb9cd58' }]);
    assert.deepEqual(parseTags('{"models":[]}'), []);
    assert.deepEqual(parseTags('{"models":null}'), []);
    assert.equal(errorCode(() => parseTags('{"models":[{"name":"x"}]}')), 'SSM_UNEXPECTED_ANSWER');
    assert.equal(errorCode(() => parseTags('<html>502 Bad Gateway</html>')), 'SSM_UNEXPECTED_ANSWER');
  });

  it('the frame: found among other output; nothing printed means nothing ran; a cut output is said as such', () => {
    const frame = readFrame({ stdout: 'motd noise\nGM_MODELS_V1 exit=0 code=404\n{"error":"model not found"}\nGM_MODELS_END\ntrailing', truncated: false }, 'i-0abc', 'x');
    assert.deepEqual(frame, { header: { exit: '0', code: '404' }, content: '{"error":"model not found"}' });
    assert.equal(errorCode(() => readFrame({ stdout: '', truncated: false }, 'i-0abc', 'x')), 'SSM_COMMAND_NOT_RUN');
    assert.equal(errorCode(() => readFrame({ stdout: 'GM_MODELS_V1 exit=0\n{"models":[', truncated: true }, 'i-0abc', 'x')), 'SSM_OUTPUT_TRUNCATED');
    assert.equal(errorCode(() => readFrame({ stdout: 'sh: 1: curl: not found\n', truncated: false }, 'i-0abc', 'x')), 'SSM_OUTPUT_MISSING');
  });

  it('recorded: the pull\'s NDJSON over four polls: each status once, the download\'s percent rising, never the same words twice', () => {
    const tracker = new PullTracker('llama3.2:1b');
    const texts: string[] = [];
    const percents: number[] = [];
    for (let i = 0; i < 4; i++) {
      const frame = readFrame({ stdout: recorded('models-pull-progress', i), truncated: false }, 'i-0abc', 'pull');
      for (const progress of tracker.fold(frame.content.split('\n'))) {
        texts.push(progress.text);
        if (progress.percent !== undefined) percents.push(progress.percent);
      }
    }
    assert.deepEqual(texts, [
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
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'the percent never goes back');
    assert.equal(tracker.succeeded, true);
    assert.deepEqual(tracker.bytes, { completed: 1321098329, total: 1321098329 });
  });

  it('a layer announced later does not pull the percent back; Ollama\'s error and foreign lines are kept, not shown', () => {
    const tracker = new PullTracker('m');
    const first = tracker.fold(['{"status":"pulling aaa","digest":"sha256:aaa","total":1000000000,"completed":900000000}']);
    const second = tracker.fold(['{"status":"pulling bbb","digest":"sha256:bbb","total":1000000000}', 'not json', '{"error":"pull model manifest: file does not exist"}']);
    assert.deepEqual([...first, ...second].map((p) => [p.percent, p.text]), [[90, 'downloading 90% (900 MB of 1000 MB)'], [90, 'downloading 90% (900 MB of 2000 MB)']]);
    assert.deepEqual(tracker.fold(['{"status":"pulling bbb","digest":"sha256:bbb","total":1000000000}']), [], 'the same words are not repeated');
    assert.equal(tracker.error, 'pull model manifest: file does not exist');
    assert.equal(tracker.unexpected, 'not json');
    assert.equal(tracker.succeeded, false);
  });

  it('model names: the config\'s rule, before anything is sent; a name without a tag is :latest when matched with ollamaModels', () => {
    for (const good of ['llama3.2:3b', 'nomic-embed-text', 'library/qwen2.5:14b-instruct-q4_K_M', 'hf.co/bartowski/llama:Q4_0']) assert.equal(checkModelName(good), good);
    for (const bad of ['', 'Llama3', 'llama 3', 'llama3;rm -rf /', '$(reboot)', "x'y", ':3b', 'llama3:']) assert.equal(errorCode(() => checkModelName(bad)), 'MODEL_NAME_INVALID', bad);
    const models = parseTags(readFrame({ stdout: recorded('models-list', 1), truncated: false }, 'i', 'x').content);
    assert.deepEqual(declaredIn(models, ['llama3.2:3b', 'nomic-embed-text']).map((m) => [m.name, m.declared]),
      [['llama3.2:1b', false], ['llama3.2:3b', true], ['nomic-embed-text:latest', true]]);
  });

  it('every script names its operation first and never writes a double brace (SSM would resolve it)', () => {
    const scripts = { 'models-list': listScript(), 'models-remove': removeScript('llama3.2:1b'), 'models-pull-start': pullStartScript('llama3.2:1b', '0123456789abcdef'),
      'models-pull-progress': pullPollScript('0123456789abcdef', 42), 'models-pull-stop': pullStopScript('0123456789abcdef') };
    for (const [key, lines] of Object.entries(scripts)) {
      assert.equal(lines[0], `# geusemaker-op: ${key}`);
      assert.doesNotMatch(lines.join('\n'), /\{\{|\}\}/, key);
    }
    assert.throws(() => removeScript("x'; reboot #"), /not a model name Ollama accepts/);
    assert.throws(() => pullPollScript('../../etc', 0), /Not a pull id/);
  });
});

describe('health: disk space in the on-instance report', () => {
  const report = (disks: string) => `GM_HEALTH_V1 {"docker":true,"bootstrap":"done","step":"finish","services":[]${disks}}\n`;

  it('df of the root volume and EFS in bytes; EFS not mounted is said, not shown as the root volume\'s figures', () => {
    const parsed = parseHealthOutput(report(',"disks":[{"name":"root","totalKb":31441920,"usedKb":9437184,"availableKb":22004736,"mount":"/"},{"name":"efs","totalKb":9007199254739968,"usedKb":5242880,"availableKb":9007199249497088,"mount":"/mnt/efs"}]'));
    assert.ok('report' in parsed);
    assert.deepEqual(disksOf(parsed.report.disks), [
      { volume: 'root', path: '/', mounted: true, totalBytes: 32196526080, usedBytes: 9663676416, availableBytes: 22532849664 },
      { volume: 'efs', path: '/mnt/efs', mounted: true, totalBytes: 9007199254739968 * 1024, usedBytes: 5368709120, availableBytes: 9007199249497088 * 1024 },
    ]);
    const unmounted = parseHealthOutput(report(',"disks":[{"name":"efs","totalKb":31441920,"usedKb":9437184,"availableKb":22004736,"mount":"/"}]'));
    assert.ok('report' in unmounted);
    assert.deepEqual(disksOf(unmounted.report.disks).map((d) => [d.volume, d.mounted, d.availableBytes]), [['efs', false, 0]]);
  });

  it('a report without disks (a script from before) still parses; a malformed one is refused', () => {
    const old = parseHealthOutput(report(''));
    assert.ok('report' in old);
    assert.deepEqual(disksOf(old.report.disks), []);
    assert.ok('problem' in parseHealthOutput(report(',"disks":[{"name":"root","totalKb":"lots"}]')));
  });
});

describe('the SSM replay file with recorded Run Command answers', () => {
  const fakeSsm = { send: async () => ({}) };

  it('an old file (sessions and agent status only) stays valid and replaces no Run Command; a runCommand-only file replaces only that', async () => {
    const old = replayFromFile(join(__dirname, '..', 'e2e', 'fixtures', 'ssm-replay.json'))(fakeSsm);
    assert.deepEqual(Object.keys(old).sort(), ['agents', 'sessions']);
    const models = replayFromFile(join(__dirname, '..', 'fixtures', 'ssm', 'models-replay.json'))(fakeSsm);
    assert.deepEqual(Object.keys(models), ['runner']);
  });

  it('recorded: a script answers from its operation\'s recordings in order (the last repeats); any other script goes to SSM', async () => {
    const passedOn: string[] = [];
    const ssm = { send: async (command: { constructor: { name: string } }) => {
      passedOn.push(command.constructor.name);
      return { Command: { CommandId: 'real-1' } };
    } };
    const factory = replayFromFile(join(__dirname, '..', 'fixtures', 'ssm', 'models-replay.json'));
    const lists = [];
    // The engine makes its SSM services anew for each call: the recordings' order holds across them.
    for (let i = 0; i < 3; i++) lists.push((await factory(ssm).runner!.run('i-0abc', ['# geusemaker-op: models-list', 'true'])).stdout);
    assert.deepEqual(lists.map((out) => (out.match(/"name":/g) ?? []).length), [2, 3, 3]);
    assert.deepEqual(passedOn, []);
    await assert.rejects(factory(ssm).runner!.run('i-0abc', ['echo not recorded'], { timeoutSeconds: 30 }), /.+/);
    assert.equal(passedOn[0], 'SendCommandCommand', 'an unrecorded script goes to SSM itself');
  });
});
