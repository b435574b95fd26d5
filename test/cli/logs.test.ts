import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SSM_STDOUT_LIMIT } from '../../src/engine/ssm/run-command';
import { LocalShellRunner } from '../fixtures/ssm/local-runner';
import { tempDir } from '../harness/engine';
import { connectCli, deployDemo, InstanceSsm, waitFor } from './connect-harness';

const RECORDED_LOG = join(__dirname, '..', 'fixtures', 'ssm', 'n8n-container.log');
const recordedLines = (): string[] => readFileSync(RECORDED_LOG, 'utf8').split('\n').filter((line) => line !== '');
/** What a log line says without Docker's timestamp (what `logs` prints). */
const textOf = (line: string): string => line.replace(/^\S+ ?/, '');
const printed = (stdout: string): string[] => (stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout).split('\n');

/** The instance: the recorded n8n log served by a stand-in docker, under sh, through the recorded SSM answers. */
function instance(): { ssm: InstanceSsm; log: string; root: string } {
  const shell = new LocalShellRunner();
  const log = join(shell.root, 'n8n.log');
  copyFileSync(RECORDED_LOG, log);
  shell.env = { GM_FAKE_LOG: log, GM_FAKE_CONTAINERS: 'n8n:0123abcd:running:healthy:0' };
  return { ssm: new InstanceSsm(shell), log, root: shell.root };
}

describe('geusemaker logs (moto stack; Run Command from recorded answers, the instance played by sh)', function () {
  this.timeout(120_000);

  it('recorded: logs --follow reads a 52 KB log in three chunks under SSM\'s 24,000-character limit, then new lines, each line exactly once; Ctrl-C stops with 0', async () => {
    const { stateDir } = await deployDemo();
    const { ssm, log } = instance();
    const expected = recordedLines().map(textOf);
    const live = { stdout: '', stderr: '' };
    const running = connectCli(['logs', 'demo', 'n8n', '--follow', '--tail', '1000'], { stateDir, ssm: ssm.factory, live });

    await waitFor(() => live.stdout.split('\n').length - 1 >= expected.length, 'the recorded log to be printed');
    assert.equal(ssm.scripts.length, 3, 'three Run Commands carried the recorded log');
    for (const output of ssm.outputs) assert.ok(output.length < SSM_STDOUT_LIMIT, `each answer fits SSM's limit (${output.length} characters)`);
    const windows = ssm.scripts.map((script) => /docker logs --timestamps (.*?) "\$gm_cid"/.exec(script.join('\n'))?.[1]);
    assert.equal(windows[0], '--tail 1000');
    for (const window of windows.slice(1)) assert.match(window ?? '', /^--since '2025-05-01T\d\d:\d\d:\d\d\.\d{9}Z'$/, 'later chunks go on from the last line delivered');
    assert.ok(ssm.scripts.slice(1).every((script) => /-v n=[1-3] /.test(script.join('\n'))), 'lines already delivered at that instant are skipped on the instance');

    // New lines while following, one sharing the last recorded instant.
    const lastStamp = recordedLines().at(-1)?.split(' ')[0] ?? '';
    appendFileSync(log, `${lastStamp} Workflow "Ollama chat" (id: q7Rk2mWcX1bN9dTs) execution 9001 started late in the same instant\n2025-05-01T13:00:00.000000001Z New line one\n2025-05-01T13:00:00.000000001Z New line two\n`);
    await waitFor(() => live.stdout.split('\n').length - 1 >= expected.length + 3, 'the new lines', 30_000);
    process.emit('SIGINT', 'SIGINT');
    const run = await running;

    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(printed(run.stdout), [...expected, 'Workflow "Ollama chat" (id: q7Rk2mWcX1bN9dTs) execution 9001 started late in the same instant', 'New line one', 'New line two'],
      'every line once, in order: nothing repeated or missing across the chunks');
    assert.match(run.stderr, /Stopped following/);
    assert.doesNotMatch(run.stderr, /Error/);
  });

  it('recorded: --json prints one {service, time, line} JSON line per log line; --bootstrap --tail N the bootstrap log\'s last N lines', async () => {
    const { stateDir } = await deployDemo();
    const { ssm, root } = instance();
    const json = await connectCli(['logs', 'demo', '--tail', '3', '--json'], { stateDir, ssm: ssm.factory });
    assert.equal(json.code, 0, json.stderr);
    const records = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(records, recordedLines().slice(-3).map((line) => ({ service: 'n8n', time: line.split(' ')[0], line: textOf(line) })), 'n8n by default');

    mkdirSync(join(root, 'var/log/geusemaker'), { recursive: true });
    writeFileSync(join(root, 'var/log/geusemaker/bootstrap.log'), '2025-05-01T11:58:00Z == step aws-cli\nünïcode ✓\n2025-05-01T11:59:00Z == step compose-up\nall services started\n');
    const boot = await connectCli(['logs', 'demo', '--bootstrap', '--tail', '2'], { stateDir, ssm: ssm.factory });
    assert.equal(boot.code, 0, boot.stderr);
    assert.equal(boot.stdout, '2025-05-01T11:59:00Z == step compose-up\nall services started\n');
  });

  it('--since and --tail are checked with messages naming the flag; --since with --bootstrap is refused', async () => {
    const stateDir = tempDir('gm-cli-logs-');
    for (const [argv, flag] of [
      [['--since', '10x'], '--since'], [['--since', '0m'], '--since'], [['--since', 'ten minutes'], '--since'], [['--since', '400d'], '--since'],
      [['--tail', '0'], '--tail'], [['--tail', '-5'], '--tail'], [['--tail', 'all'], '--tail'],
    ] as const) {
      const run = await connectCli(['logs', 'demo', ...argv], { stateDir });
      assert.equal(run.code, 2, `${argv.join(' ')}: invalid input`);
      assert.match(run.stderr, new RegExp(`${flag} must be`), `${argv.join(' ')}: ${run.stderr}`);
    }
    assert.match((await connectCli(['logs', 'demo', '--since', '10x'], { stateDir })).stderr, /30s, 10m, 2h or 1d/);
    const both = await connectCli(['logs', 'demo', '--bootstrap', '--since', '10m'], { stateDir });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--since applies to a service's log/);
  });

  it('a service the stack does not run is refused before any AWS or SSM call', async () => {
    const { stateDir } = await deployDemo();
    const { ssm } = instance();
    for (const service of ['comfyui', 'n9n']) {
      const calls: string[] = [];
      const run = await connectCli(['logs', 'demo', service], { stateDir, ssm: ssm.factory, calls });
      assert.equal(run.code, 3, `${service}: refused`);
      assert.match(run.stderr, new RegExp(`SERVICE_NOT_IN_STACK[\\s\\S]*does not run "${service}"; it runs n8n, ollama, qdrant, crawl4ai, postgres`));
      assert.deepEqual(calls, [], 'no AWS call');
    }
    assert.equal(ssm.scripts.length, 0, 'nothing reached the instance');
  });
});
