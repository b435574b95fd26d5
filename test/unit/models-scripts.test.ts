import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeuseError } from '../../src/engine/errors';
import { listModels, removeModel } from '../../src/engine/models/list';
import type { PullProgress } from '../../src/engine/models/progress';
import { pullModel } from '../../src/engine/models/pull';
import { PULL_DIR } from '../../src/engine/models/scripts';
import { SSM_STDOUT_LIMIT, type CommandResult, type CommandRunner, type RunOptions } from '../../src/engine/ssm/run-command';

/**
 * Stand-in for curl on the instance: /api/tags and /api/delete answer from GM_FAKE_* variables (body to -o, the
 * status for -w), /api/pull streams the NDJSON file GM_FAKE_PULL to stdout a line every GM_FAKE_PULL_DELAY seconds.
 */
const STUB_CURL = `#!/bin/sh
out=''; url=''
while [ $# -gt 0 ]; do
  case "$1" in -o) out=$2; shift ;; -w|-m|-X|-H|-d) shift ;; http*) url=$1 ;; esac
  shift
done
[ -z "$GM_FAKE_CURL_EXIT" ] || exit "$GM_FAKE_CURL_EXIT"
case "$url" in
  */api/tags) cat "$GM_FAKE_TAGS" >"$out"; printf '200' ;;
  */api/delete) printf '%s' "$GM_FAKE_DELETE_BODY" >"$out"; printf '%s' "\${GM_FAKE_DELETE_CODE:-200}" ;;
  */api/pull) while IFS= read -r line; do printf '%s\\n' "$line"; sleep "\${GM_FAKE_PULL_DELAY:-0}"; done <"$GM_FAKE_PULL" ;;
esac
exit 0
`;

/** Runs a script under sh here as AWS-RunShellScript does there (GM_ROOT a scratch folder), with SSM's output limit. */
class ShellRunner implements CommandRunner {
  readonly root = mkdtempSync(join(tmpdir(), 'gm-models-root-'));
  readonly operations: string[] = [];
  private readonly bin = mkdtempSync(join(tmpdir(), 'gm-models-bin-'));

  constructor(public env: Record<string, string> = {}) {
    writeFileSync(join(this.bin, 'curl'), STUB_CURL);
    chmodSync(join(this.bin, 'curl'), 0o755);
  }

  async run(_instanceId: string, lines: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    if (options.signal?.aborted) throw new GeuseError({ code: 'CANCELLED', kind: 'cancelled', message: 'cancelled', nextStep: '' });
    this.operations.push(lines[0] ?? '');
    // A detached pull must not hold the command open: SSM's agent would wait for it, so this would time out.
    const result = spawnSync('sh', ['-c', lines.join('\n')], {
      encoding: 'utf8', timeout: 10_000, env: { ...process.env, PATH: `${this.bin}:${process.env.PATH ?? ''}`, GM_ROOT: this.root, ...this.env },
    });
    if (result.error) throw result.error;
    const truncated = result.stdout.length > SSM_STDOUT_LIMIT;
    return { status: 'Success', stdout: truncated ? `${result.stdout.slice(0, SSM_STDOUT_LIMIT)}\n---Output truncated---` : result.stdout, stderr: result.stderr, truncated, exitCode: result.status ?? 0 };
  }

  /** The pids the pulls recorded on the "instance". */
  pullPids(): number[] {
    const dir = join(this.root, PULL_DIR);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((name) => name.endsWith('.pid')).map((name) => Number(readFileSync(join(dir, name), 'utf8').trim()));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function ndjson(lines: readonly unknown[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gm-pull-')), 'pull.ndjson');
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return file;
}

/** A pull as Ollama streams it: the manifest, one layer's progress in `steps` lines, a small layer, then the end. */
function pullLines(steps: number): unknown[] {
  const total = 1_321_082_688;
  const big = 'sha256:74701a8c35f6c8d9a4b91f3f3497643001d63e0c7a84e085bed452548fa88d45';
  const small = 'sha256:966de95ca8a62200913e3f8bfb6c3a1e8c7d4f3ac1d6e4dd6d4a3e2c0b0f4e31';
  return [
    { status: 'pulling manifest' },
    ...Array.from({ length: steps }, (_, i) => ({ status: 'pulling 74701a8c35f6', digest: big, total, ...(i > 0 ? { completed: Math.round((total * i) / (steps - 1)) } : {}) })),
    { status: 'pulling 966de95ca8a6', digest: small, total: 1429, completed: 1429 },
    { status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' },
  ];
}

describe('models: the scripts themselves, run under sh with a stand-in curl', function () {
  this.timeout(60_000);
  const runners: ShellRunner[] = [];
  const runner = (env: Record<string, string>) => {
    const made = new ShellRunner(env);
    runners.push(made);
    return made;
  };
  afterEach(() => {
    // A failed test must not leave a stand-in pull running: each is ended by the pid it recorded.
    for (const each of runners.splice(0)) for (const pid of each.pullPids()) if (alive(pid)) process.kill(-pid, 'SIGKILL');
  });

  it('list prints /api/tags as it is, and without details when it would not fit SSM\'s output', async () => {
    const tags = join(mkdtempSync(join(tmpdir(), 'gm-tags-')), 'tags.json');
    const model = (i: number) => ({ name: `model-${i}:latest`, model: `model-${i}:latest`, modified_at: '2026-12-01T09:12:44.517312245Z', size: 1000 + i, digest: 'a'.repeat(64),
      details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' } });
    writeFileSync(tags, JSON.stringify({ models: [model(1)] }));
    const small = await listModels(runner({ GM_FAKE_TAGS: tags }), 'i-local');
    assert.deepEqual(small.map((m) => [m.name, m.sizeBytes, m.parameterSize]), [['model-1:latest', 1001, '3.2B']]);
    writeFileSync(tags, JSON.stringify({ models: Array.from({ length: 80 }, (_, i) => model(i)) }));
    const many = await listModels(runner({ GM_FAKE_TAGS: tags }), 'i-local');
    assert.equal(many.length, 80, 'all 80 models, details left out to fit');
    assert.equal(many[0]?.parameterSize, undefined);
    await assert.rejects(listModels(runner({ GM_FAKE_CURL_EXIT: '7' }), 'i-local'), (error: GeuseError) => error.code === 'OLLAMA_UNREACHABLE' && /connection refused/.test(error.message));
  });

  it('remove: 200 is done, 404 is "no such model" in Ollama\'s words', async () => {
    await removeModel(runner({ GM_FAKE_DELETE_CODE: '200', GM_FAKE_DELETE_BODY: '' }), 'i-local', 'llama3.2:1b');
    await assert.rejects(removeModel(runner({ GM_FAKE_DELETE_CODE: '404', GM_FAKE_DELETE_BODY: '{"error":"model \'llama9:1b\' not found"}' }), 'i-local', 'llama9:1b'),
      (error: GeuseError) => error.code === 'MODEL_NOT_FOUND' && /model 'llama9:1b' not found/.test(error.message));
  });

  it('pull: detached on the instance, read by byte offset over several polls, every status once and the percent rising', async () => {
    const shell = runner({ GM_FAKE_PULL: ndjson(pullLines(60)), GM_FAKE_PULL_DELAY: '0.03' });
    const seen: PullProgress[] = [];
    const result = await pullModel(shell, 'i-local', 'llama3.2:1b', { intervalMs: 300, onProgress: (progress) => seen.push(progress) });
    assert.equal(result.totalBytes, 1_321_082_688 + 1429);
    const polls = shell.operations.filter((op) => op.endsWith('models-pull-progress')).length;
    assert.ok(polls >= 3, `several polls (${polls})`);
    const texts = seen.map((p) => p.text);
    assert.equal(texts[0], 'pulling manifest');
    assert.deepEqual(texts.slice(-3), ['verifying sha256 digest', 'writing manifest', 'success']);
    assert.ok(texts.every((text, i) => text !== texts[i - 1]), `no line twice in a row: ${texts.join(' | ')}`);
    assert.equal(new Set(texts.filter((t) => !t.startsWith('downloading'))).size, texts.filter((t) => !t.startsWith('downloading')).length, 'each status once');
    const percents = seen.flatMap((p) => (p.text.startsWith('downloading') ? [p.percent ?? -1] : []));
    assert.ok(percents.length >= 2 && percents.every((p, i) => i === 0 || p >= percents[i - 1]!), `rising: ${percents.join(', ')}`);
    assert.equal(percents.at(-1), 100);
  });

  it('pull cancelled: polling stops and the pull\'s process group on the instance is ended', async () => {
    const shell = runner({ GM_FAKE_PULL: ndjson(pullLines(60)), GM_FAKE_PULL_DELAY: '1' });
    const controller = new AbortController();
    const pulled = pullModel(shell, 'i-local', 'llama3.2:1b', { intervalMs: 200, signal: controller.signal, onProgress: () => controller.abort() });
    await assert.rejects(pulled, (error: GeuseError) => error.kind === 'cancelled' && /cancelled and stopped on the instance/.test(error.message));
    assert.equal(shell.operations.at(-1), '# geusemaker-op: models-pull-stop');
    const [pid] = shell.pullPids();
    assert.ok(pid !== undefined && pid > 0);
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(alive(pid), false, 'the detached pull was stopped');
  });

  it('a pull Ollama refuses ends with its words', async () => {
    const shell = runner({ GM_FAKE_PULL: ndjson([{ status: 'pulling manifest' }, { error: 'pull model manifest: file does not exist' }]) });
    await assert.rejects(pullModel(shell, 'i-local', 'llama9:1b', { intervalMs: 100 }),
      (error: GeuseError) => error.code === 'MODEL_PULL_FAILED' && /file does not exist/.test(error.message) && /ollama\.com\/library/.test(error.nextStep));
  });
});
