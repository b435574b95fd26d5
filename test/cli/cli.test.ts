import assert from 'node:assert/strict';
import { SECRETS } from '../../src/engine/resources/secrets';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DescribeInstancesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { DescribeFileSystemsCommand } from '@aws-sdk/client-efs';
import { launchRealism } from '../harness/launch-realism';
import { runCli, type CliIo } from '../../src/cli/main';
import { newStackState } from '../../src/engine/deploy';
import { Engine } from '../../src/engine/engine';
import { StateStore } from '../../src/engine/state/store';
import { countByKind, devConfig, FAST_TIMING, inspector, sweep, tempDir } from '../harness/engine';
import { PROJECT_ROOT } from '../harness/emulator';
import { testEmulator } from '../harness/root-hooks';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  cwd?: string;
  stateDir?: string;
  isTTY?: boolean;
  /** Lines typed at the y/N question. */
  answers?: string[];
  /** Environment variables to set (or, undefined, unset) for this run. */
  env?: Record<string, string | undefined>;
  /** Leave out the `--max-attempts 1` every other run gets. */
  ownAttempts?: boolean;
}

/** Runs the CLI in-process against the test emulator (GEUSEMAKER_AWS_ENDPOINT), with fast polling and no retries. */
async function cli(argv: string[], options: RunOptions = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const answers = [...(options.answers ?? [])];
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Keep the developer's shell settings out of the runs.
  for (const key of Object.keys(env)) if (key.startsWith('GEUSEMAKER_') && key !== 'GEUSEMAKER_HOME' && key !== 'GEUSEMAKER_AWS_ENDPOINT') delete env[key];
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const io: CliIo = {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    isTTY: options.isTTY ?? false,
    readLine: async () => answers.shift() ?? '',
    env,
    cwd: options.cwd ?? tempDir('gm-cli-cwd-'),
  };
  const withState = options.stateDir !== undefined ? [...argv, '--state-dir', options.stateDir] : argv;
  const code = await runCli(options.ownAttempts ? withState : [...withState, '--max-attempts', '1'], io, { timing: FAST_TIMING, instrument: launchRealism(testEmulator().endpoint) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Nothing at all in the emulator: no stack-tagged resource, and no VPC, instance or file system of any name. */
async function assertNothingCreated(): Promise<void> {
  assert.deepEqual(await sweep(), []);
  const aws = inspector();
  try {
    const vpcs = (await aws.ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
    assert.deepEqual(vpcs.filter((vpc) => !vpc.IsDefault).map((vpc) => vpc.VpcId), []);
    const reservations = (await aws.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? [];
    assert.deepEqual(reservations.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId), []);
    assert.deepEqual((await aws.efs.send(new DescribeFileSystemsCommand({}))).FileSystems ?? [], []);
  } finally {
    aws.destroy();
  }
}

/** A local port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

/**
 * The real CLI in a child process with no AWS credentials anywhere: an empty home, no AWS_* variables, no instance
 * metadata. Only a child can do this: the SDK's credential chain reads the process's own environment.
 */
function cliWithoutCredentials(argv: string[], home: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: home, GEUSEMAKER_HOME: join(home, '.geusemaker'), GEUSEMAKER_AWS_ENDPOINT: testEmulator().endpoint,
    AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, '.aws', 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test', 'harness', 'cli-child.ts'), ...argv, '--max-attempts', '1'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Stdout of a --json run must be exactly one JSON document. */
function parseJson(run: Run): Record<string, unknown> {
  const value: unknown = JSON.parse(run.stdout);
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), 'a JSON object');
  return value as Record<string, unknown>;
}

/** A stack state with a good backup, written without touching AWS, then corrupted. */
async function corruptStateWithBackup(stateDir: string): Promise<string> {
  const store = new StateStore(stateDir);
  const state = newStackState(devConfig());
  await store.write(state);
  await store.write({ ...state, notes: ['second version, so the first is a backup'] });
  writeFileSync(store.filePath('demo'), '{ "schemaVersion": 1, "name": "demo", ');
  return store.filePath('demo');
}

describe('geusemaker CLI', function () {
  this.timeout(120_000);

  describe('refuses bad input and refusals with the right exit code, creating nothing', () => {
    for (const name of ['Bad_Name', 'ab', 'a'.repeat(30)]) {
      it(`invalid name ${JSON.stringify(name)} → 2 naming name`, async () => {
        const run = await cli(['deploy', name, '--yes'], { stateDir: tempDir('gm-cli-state-') });
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, /Error \[CONFIG_INVALID\]/);
        assert.match(run.stderr, /name: /);
        assert.ok(run.stderr.includes(JSON.stringify(name)), 'names the value');
        assert.match(run.stderr, /^Next: /m);
        await assertNothingCreated();
      });
    }

    it('unknown tier → 2 naming tier', async () => {
      const run = await cli(['deploy', 'demo', '--tier', 'mega', '--yes'], { stateDir: tempDir('gm-cli-state-') });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /tier: must be one of dev, automation, gpu \(got "mega"; from --tier\)/);
      await assertNothingCreated();
    });

    it('tier gpu with a type that has no GPU → 2 naming instanceType, nothing created', async () => {
      const run = await cli(['deploy', 'demo', '--tier', 'gpu', '--instance-type', 't3.xlarge', '--yes'], { stateDir: tempDir('gm-cli-state-') });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /instanceType/);
      assert.match(run.stderr, /g4dn|g5|GPU/);
      await assertNothingCreated();
    });

    it('unknown region → 2 naming region', async () => {
      const run = await cli(['deploy', 'demo', '--region', 'mars-north-1', '--yes'], { stateDir: tempDir('gm-cli-state-') });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /region: .*"mars-north-1"/);
      await assertNothingCreated();
    });

    it('a well-formed but unknown instance type → 2 naming instanceType', async () => {
      const run = await cli(['deploy', 'demo', '--instance-type', 't3.bogus', '--yes'], { stateDir: tempDir('gm-cli-state-') });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /instanceType: t3\.bogus/);
      await assertNothingCreated();
    });

    it('malformed YAML config → 2 with the line', async () => {
      const cwd = tempDir('gm-cli-cwd-');
      writeFileSync(join(cwd, 'geusemaker.yaml'), 'name: demo\ntier: [dev\nregion: us-east-1\n');
      const run = await cli(['deploy', '--yes'], { cwd, stateDir: tempDir('gm-cli-state-') });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /CONFIG_MALFORMED/);
      assert.match(run.stderr, /geusemaker\.yaml:\d+:\d+/);
      assert.match(run.stderr, /at line \d+/);
      await assertNothingCreated();
    });

    it('unknown config key → 2 naming it', async () => {
      const cwd = tempDir('gm-cli-cwd-');
      writeFileSync(join(cwd, 'geusemaker.yaml'), 'name: demo\ninstanceTyp: t3.xlarge\n');
      const run = await cli(['deploy', '--yes'], { cwd, stateDir: tempDir('gm-cli-state-') });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /instanceTyp: unknown setting; did you mean instanceType\? \(from .*geusemaker\.yaml line 2\)/);
      await assertNothingCreated();
    });

    it('a corrupt state file → 2 naming the file and `geusemaker state restore`', async () => {
      const stateDir = tempDir('gm-cli-state-');
      const file = await corruptStateWithBackup(stateDir);
      const run = await cli(['deploy', 'demo', '--yes'], { stateDir });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /STATE_CORRUPT/);
      assert.ok(run.stderr.includes(file), 'names the file');
      assert.ok(run.stderr.includes('geusemaker state restore demo'), 'says how to restore');
      await assertNothingCreated();
    });

    it('a second concurrent deploy → 3 naming the lock holder', async () => {
      const stateDir = tempDir('gm-cli-state-');
      const holder = new Engine({ stateDir, index: null });
      const lock = await holder.store.lock('demo', 'deploy');
      try {
        const run = await cli(['deploy', 'demo', '--yes'], { stateDir });
        assert.equal(run.code, 3, run.stderr);
        assert.match(run.stderr, /STACK_LOCKED/);
        assert.ok(run.stderr.includes(`a deploy started at ${lock.info.since} by process ${process.pid}`), run.stderr);
      } finally {
        await lock.release();
        holder.dispose();
      }
      await assertNothingCreated();
    });

    it('a lock left by a replaced container → 3 naming its host and age; --take-over-lock then deploys', async () => {
      const stateDir = tempDir('gm-cli-state-');
      const lockFile = new StateStore(stateDir).lockPath('demo');
      writeFileSync(lockFile, JSON.stringify({ hostname: 'old-container-1234', since: '2026-01-01' }));
      utimesSync(lockFile, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
      const refusedRun = await cli(['deploy', 'demo', '--yes'], { stateDir });
      assert.equal(refusedRun.code, 3, refusedRun.stderr);
      assert.match(refusedRun.stderr, /STACK_LOCK_EXPIRED/);
      assert.match(refusedRun.stderr, /old-container-1234/);
      assert.match(refusedRun.stderr, /--take-over-lock/);
      await assertNothingCreated();
      const taken = await cli(['deploy', 'demo', '--yes', '--take-over-lock'], { stateDir });
      assert.equal(taken.code, 0, taken.stderr);
      assert.equal(existsSync(lockFile), false, 'the lock was released after the deploy');
      assert.equal((await cli(['destroy', 'demo', '--yes', '--delete-data'], { stateDir })).code, 0);
    });

    it('deploy without --yes and no terminal → 3, saying to pass --yes', async () => {
      const run = await cli(['deploy', 'demo'], { stateDir: tempDir('gm-cli-state-') });
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /CONFIRMATION_REQUIRED/);
      assert.match(run.stderr, /Next: Pass --yes/);
      assert.match(run.stdout, /create\s+VPC/, 'the plan was shown');
      await assertNothingCreated();
    });

    it('answering no on a terminal → 3', async () => {
      const run = await cli(['deploy', 'demo'], { stateDir: tempDir('gm-cli-state-'), isTTY: true, answers: ['n'] });
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /Deploy stack demo\? \[y\/N\]/);
      assert.match(run.stderr, /DECLINED/);
      await assertNothingCreated();
    });

    it('unknown flags and commands → 2 naming them and --help', async () => {
      const flag = await cli(['deploy', 'demo', '--frobnicate']);
      assert.equal(flag.code, 2);
      assert.match(flag.stderr, /--frobnicate/);
      assert.match(flag.stderr, /geusemaker --help/);
      const misplaced = await cli(['list', '--delete-data']);
      assert.equal(misplaced.code, 2);
      assert.match(misplaced.stderr, /--delete-data does not apply to `geusemaker list`/);
      const command = await cli(['deploi']);
      assert.equal(command.code, 2);
      assert.match(command.stderr, /Unknown command "deploi"/);
      assert.match(command.stderr, /geusemaker --help/);
      const json = await cli(['deploy', '--root-volume-gb', 'big', '--json']);
      assert.equal(json.code, 2);
      assert.deepEqual(Object.keys(parseJson(json)), ['error']);
      assert.match(json.stdout, /--root-volume-gb must be a whole number/);
      await assertNothingCreated();
    });

  });

  describe('no such stack: one code (STACK_NOT_FOUND) and one exit code (4) in every command', () => {
    const commands: [string, string[]][] = [
      ['show', ['show', 'nothere']],
      ['cost', ['cost', 'nothere']],
      ['state restore', ['state', 'restore', 'nothere']],
      ['pause', ['pause', 'nothere']],
      ['resume', ['resume', 'nothere']],
      ['destroy --yes (no state, nothing in AWS)', ['destroy', 'nothere', '--yes']],
      ['destroy without --yes', ['destroy', 'nothere']],
    ];
    for (const [label, argv] of commands) {
      it(`${label} of a stack that does not exist → 4 STACK_NOT_FOUND naming it, in words and in --json`, async () => {
        const stateDir = tempDir('gm-cli-state-');
        const run = await cli(argv, { stateDir });
        assert.equal(run.code, 4, run.stderr);
        assert.match(run.stderr, /^Error \[STACK_NOT_FOUND\]: (There is no stack named nothere in |No stack named nothere was found)/m);
        assert.match(run.stderr, /^Next: .*geusemaker list/m);
        assert.doesNotMatch(run.stdout, /destroyed|paused|Restored/i);
        const json = await cli([...argv, '--json'], { stateDir });
        assert.equal(json.code, 4, json.stdout);
        assert.deepEqual((parseJson(json).error as { code: string; kind: string }).code, 'STACK_NOT_FOUND');
        assert.equal((parseJson(json).error as { kind: string }).kind, 'not-found');
        await assertNothingCreated();
      });
    }
  });

  describe('errors that say what to check', () => {
    it('an endpoint that refuses connections (--endpoint) → 1 naming it, the flag, and to check the emulator', async () => {
      const port = await closedPort();
      const run = await cli(['plan', 'demo', '--endpoint', `http://127.0.0.1:${port}`], { stateDir: tempDir('gm-cli-state-') });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^Error \[AWS_UNREACHABLE\]: .*got no answer from the endpoint at 127\.0\.0\.1:\d+: the connection was refused/m);
      assert.ok(run.stderr.includes(`Every AWS call goes to http://127.0.0.1:${port} (from the --endpoint flag).`), run.stderr);
      assert.match(run.stderr, /^Next: Check that the emulator or proxy at http:\/\/127\.0\.0\.1:\d+ is running.*leave out --endpoint/m);
      assert.doesNotMatch(run.stderr, /report it|INTERNAL|AWS_UNKNOWN/);
    });

    it('the same through GEUSEMAKER_AWS_ENDPOINT names the variable', async () => {
      const port = await closedPort();
      const run = await cli(['plan', 'demo'], { stateDir: tempDir('gm-cli-state-'), env: { GEUSEMAKER_AWS_ENDPOINT: `http://127.0.0.1:${port}` } });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /\(from the environment variable GEUSEMAKER_AWS_ENDPOINT\)/);
      assert.match(run.stderr, /unset GEUSEMAKER_AWS_ENDPOINT/);
    });

    it('GEUSEMAKER_AWS_ENDPOINT that is not a URL → 2 before any AWS call, naming the variable; --help still works', async () => {
      const run = await cli(['deploy', 'demo', '--yes'], { stateDir: tempDir('gm-cli-state-'), env: { GEUSEMAKER_AWS_ENDPOINT: 'not a url' } });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^Error \[ENDPOINT_INVALID\]: The environment variable GEUSEMAKER_AWS_ENDPOINT is "not a url", which is not an http\(s\) URL, so nothing was sent to AWS\.$/m);
      assert.match(run.stderr, /^Next: Set it to .*http:\/\/127\.0\.0\.1:4566.*unset GEUSEMAKER_AWS_ENDPOINT/m);
      assert.doesNotMatch(run.stderr, /Invalid URL|report it/);
      assert.equal((await cli(['--help'], { env: { GEUSEMAKER_AWS_ENDPOINT: 'not a url' } })).code, 0);
      const flag = await cli(['plan', 'demo', '--endpoint', 'not a url']);
      assert.equal(flag.code, 2);
      assert.match(flag.stderr, /--endpoint must be an http\(s\) URL/);
      await assertNothingCreated();
    });

    it('a state folder that is a file → 2 naming the folder and the problem, for the commands that read or write state (deploy, destroy, show, list, pause)', async () => {
      const file = join(tempDir('gm-cli-file-'), 'hostname');
      writeFileSync(file, 'a file');
      for (const argv of [['deploy', 'demo', '--yes'], ['destroy', 'demo', '--yes'], ['list'], ['show', 'demo'], ['pause', 'demo']]) {
        const run = await cli([...argv, '--state-dir', file]);
        assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stderr}`);
        assert.ok(run.stderr.includes(`Error [STATE_DIR_UNUSABLE]: The state folder ${file} (from --state-dir) is a file, not a folder`), run.stderr);
        assert.match(run.stderr, /^Next: Choose another folder: pass --state-dir a folder you can write to, or move the file out of the way/m);
        assert.doesNotMatch(run.stderr, /bug in GeuseMaker|EEXIST|ENOTDIR/);
      }
      const under = await cli(['deploy', 'demo', '--yes', '--state-dir', join(file, 'stacks')]);
      assert.equal(under.code, 2, under.stderr);
      assert.ok(under.stderr.includes(`cannot be made: ${file} is a file, not a folder`), under.stderr);
      await assertNothingCreated();
    });

    it('--max-attempts -1 → 2 saying the range, not "argument is ambiguous"', async () => {
      const run = await cli(['deploy', 'demo', '--yes', '--max-attempts', '-1'], { stateDir: tempDir('gm-cli-state-'), ownAttempts: true });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^Error \[USAGE\]: --max-attempts must be a whole number from 1 to 20 \(got "-1"\)\.$/m);
      assert.doesNotMatch(run.stderr, /ambiguous/);
    });

    it('prices with AWS unreachable lists the bundled table, every price estimated, and says on stderr why', async () => {
      const port = await closedPort();
      const run = await cli(['prices', '--endpoint', `http://127.0.0.1:${port}`]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /^! Live prices are not available: .*got no answer from the endpoint at 127\.0\.0\.1:\d+.*bundled us-east-1 on-demand list prices, all estimated/m);
      const rows = run.stdout.split('\n').filter((line) => /^ {2}[a-z0-9]+\.[a-z0-9]+ /.test(line));
      assert.ok(rows.length >= 5, run.stdout);
      for (const row of rows) assert.match(row, /\$\d+\.\d{4} \(estimated\)/);
      assert.match(run.stdout, /t3\.xlarge\s+4 vCPU, 16 GiB\s+\$0\.1664 \(estimated\)/);
      const json = await cli(['prices', '--gpu', '--json', '--endpoint', `http://127.0.0.1:${port}`]);
      assert.equal(json.code, 0, json.stdout);
      const document = parseJson(json) as { warning?: string; placements: { type: { type: string }; onDemand?: { source: { kind: string } } }[] };
      assert.match(document.warning ?? '', /Live prices are not available/);
      assert.ok(document.placements.some((p) => p.type.type === 'g5.xlarge'));
      for (const placement of document.placements) assert.equal(placement.onDemand?.source.kind, 'estimated');
    });

    it('with no AWS credentials at all, plan, deploy, destroy, resume and prices give the profile/SSO next step, never "a bug"; show and list say the status is as recorded, with that step', async function () {
      this.timeout(240_000);
      const home = tempDir('gm-cli-nocreds-');
      const stateDir = tempDir('gm-cli-state-');
      const store = new StateStore(stateDir);
      const instance = { key: 'instance', kind: 'instance' as const, status: 'created' as const, id: 'i-0123456789abcdef0', attrs: {}, external: false, updatedAt: new Date().toISOString() };
      await store.write({ ...newStackState(devConfig({ name: 'kept' })), status: 'deployed', resources: { instance } });
      for (const argv of [['show', 'kept'], ['list']]) {
        const run = await cliWithoutCredentials([...argv, '--state-dir', stateDir], home);
        assert.equal(run.code, 0, `${argv.join(' ')}: ${run.stderr}`);
        assert.match(run.stdout, /deployed \(recorded, no AWS credentials\)/, argv.join(' '));
        assert.match(run.stdout, /! (The status is|Statuses are) as recorded \(no AWS credentials\)\. Configure credentials \(`aws configure` or `aws sso login`\)/, argv.join(' '));
      }
      await store.write({ ...newStackState(devConfig({ name: 'napping' })), status: 'paused' });
      for (const argv of [['plan', 'demo'], ['deploy', 'demo', '--yes'], ['destroy', 'demo', '--yes'], ['destroy', 'kept', '--yes'], ['resume', 'napping']]) {
        const run = await cliWithoutCredentials([...argv, '--state-dir', stateDir], home);
        assert.equal(run.code, 1, `${argv.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, /^Error \[AWS_NO_CREDENTIALS\]: No usable AWS credentials were found/m, argv.join(' '));
        assert.match(run.stderr, /^Next: Configure credentials \(`aws configure` or `aws sso login`\), or pass --profile/m);
        assert.doesNotMatch(run.stderr, /bug in GeuseMaker|INTERNAL/);
      }
      const prices = await cliWithoutCredentials(['prices'], home);
      assert.equal(prices.code, 0, prices.stderr);
      assert.match(prices.stderr, /^! Live prices are not available: No usable AWS credentials were found.*aws sso login/m);
      assert.match(prices.stdout, /\(estimated\)/);
      await assertNothingCreated();
    });

    it('an expired SSO session gives `aws sso login --profile <profile>` from destroy and deploy alike', async function () {
      this.timeout(120_000);
      const home = tempDir('gm-cli-sso-');
      mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
      const startUrl = 'https://example.awsapps.com/start';
      writeFileSync(join(home, '.aws', 'config'), `[profile work]\nsso_start_url = ${startUrl}\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n`);
      // The SDK finds the cached token by the SHA-1 of the start URL; this one expired long ago.
      const { createHash } = await import('node:crypto');
      writeFileSync(join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(startUrl).digest('hex')}.json`),
        JSON.stringify({ accessToken: 'expired', expiresAt: '2020-01-01T00:00:00Z', region: 'us-east-1', startUrl }));
      for (const argv of [['destroy', 'demo', '--yes', '--profile', 'work'], ['deploy', 'demo', '--yes', '--profile', 'work']]) {
        const run = await cliWithoutCredentials([...argv, '--state-dir', tempDir('gm-cli-state-')], home);
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /^Error \[AWS_CREDENTIALS_EXPIRED\]: Your AWS credentials have expired/m);
        assert.match(run.stderr, /^Next: Sign in again: run `aws sso login --profile work`/m);
      }
      await assertNothingCreated();
    });
  });

  it('destroy from another state folder → 3 saying whose the stack is, deleting nothing; --adopt --yes then destroys it', async () => {
    const owner = tempDir('gm-cli-owner-');
    const other = tempDir('gm-cli-other-');
    assert.equal((await cli(['deploy', 'demo', '--yes'], { stateDir: owner })).code, 0);
    const before = countByKind(await sweep());
    const stackId = (JSON.parse(readFileSync(join(owner, 'demo.json'), 'utf8')) as { stackId: string }).stackId;

    const taken = await cli(['deploy', 'demo', '--yes'], { stateDir: other });
    assert.equal(taken.code, 3, taken.stderr);
    assert.match(taken.stderr, /NAME_TAKEN/);
    assert.match(taken.stderr, /geusemaker deploy demo --adopt/);
    assert.doesNotMatch(taken.stderr, /geusemaker destroy/);

    for (const extra of [[], ['--delete-data']]) {
      const run = await cli(['destroy', 'demo', '--yes', ...extra], { stateDir: other });
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /NOT_OURS/);
      assert.ok(run.stderr.includes(`belongs to stack id ${stackId}`), run.stderr);
      assert.match(run.stderr, /geusemaker destroy demo --adopt/);
    }
    assert.deepEqual(countByKind(await sweep()), before, 'nothing of the owner\'s stack was deleted');

    const adopted = await cli(['destroy', 'demo', '--yes', '--adopt', '--delete-data'], { stateDir: other });
    assert.equal(adopted.code, 0, adopted.stderr);
    assert.ok(adopted.stdout.includes(`Adopting stack id ${stackId}`), adopted.stdout);
    assert.deepEqual(await sweep(), []);
  });

  it('init writes a config that plan accepts, and refuses to overwrite it without --force', async () => {
    const cwd = tempDir('gm-cli-cwd-');
    const stateDir = tempDir('gm-cli-state-');
    const init = await cli(['init', '--name', 'demo'], { cwd });
    assert.equal(init.code, 0, init.stderr);
    const file = join(cwd, 'geusemaker.yaml');
    assert.match(readFileSync(file, 'utf8'), /^name: "demo"$/m);

    const again = await cli(['init'], { cwd });
    assert.equal(again.code, 3);
    assert.match(again.stderr, /--force/);
    assert.equal((await cli(['init', '--name', 'demo', '--force'], { cwd })).code, 0);

    const plan = await cli(['plan'], { cwd, stateDir });
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /Plan for stack demo/);
    assert.match(plan.stdout, /create\s+EC2 instance/);
    const planJson = await cli(['plan', '--json'], { cwd, stateDir });
    assert.equal(planJson.code, 0, planJson.stderr);
    assert.ok(Array.isArray(parseJson(planJson).items));
    await assertNothingCreated();
  });

  it('deploy --yes --json: one JSON document on stdout, JSON lines on stderr; list/show --json; destroy --delete-data leaves nothing', async () => {
    const stateDir = tempDir('gm-cli-state-');
    const deploy = await cli(['deploy', 'demo', '--yes', '--json'], { stateDir });
    assert.equal(deploy.code, 0, deploy.stderr);
    const result = parseJson(deploy);
    assert.deepEqual(Object.keys(result).sort(), ['notes', 'plan', 'state', 'timings']);
    const events = deploy.stderr.trim().split('\n').map((line) => JSON.parse(line) as { event: { type: string } });
    assert.ok(events.length > 10);
    for (const line of events) assert.ok(line.event && typeof line.event.type === 'string');
    assert.ok(events.some((line) => line.event.type === 'step-done'));

    const list = await cli(['list', '--json'], { stateDir });
    assert.equal(list.code, 0, list.stderr);
    const stacks = parseJson(list).stacks as { name: string; status: string; instanceId?: string }[];
    assert.equal(stacks.length, 1);
    assert.equal(stacks[0]?.name, 'demo');
    assert.equal(stacks[0]?.status, 'deployed');
    assert.match(stacks[0]?.instanceId ?? '', /^i-/);

    const show = await cli(['show', 'demo', '--json'], { stateDir });
    assert.equal(show.code, 0, show.stderr);
    const state = parseJson(show) as { name: string; status: string; resources: Record<string, { id?: string }> };
    assert.equal(state.name, 'demo');
    assert.equal(state.status, 'deployed');
    assert.equal(state.resources.instance?.id, stacks[0]?.instanceId);

    const human = await cli(['show', 'demo'], { stateDir });
    assert.match(human.stdout, /Stack demo \(deployed, healthy\) in us-east-1/);
    assert.match(human.stdout, /aws ssm start-session --target i-/);

    const destroy = await cli(['destroy', 'demo', '--yes', '--delete-data', '--json'], { stateDir });
    assert.equal(destroy.code, 0, destroy.stderr);
    assert.equal(parseJson(destroy).stateRemoved, true);
    assert.deepEqual(await sweep(), []);
    const after = await cli(['list', '--json'], { stateDir });
    assert.deepEqual(parseJson(after).stacks, []);
  });

  it('human deploy prints the plan, progress and a summary; destroy keeps data by default and says what it costs', async () => {
    const stateDir = tempDir('gm-cli-state-');
    const deploy = await cli(['deploy', 'demo', '--yes'], { stateDir });
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.match(deploy.stdout, /create\s+VPC/);
    assert.match(deploy.stderr, /^\[\s*\d+\.\ds\] ✓ VPC — created vpc-\w+ \(\d+\.\ds\)$/m);
    assert.match(deploy.stdout, /Instance: i-\w+ \(t3\.xlarge, (spot|on-demand) in us-east-1\w\)/);
    assert.match(deploy.stdout, /--document-name AWS-StartPortForwardingSession --parameters portNumber=5678,localPortNumber=5678/);
    assert.ok(deploy.stdout.includes(`To destroy it: geusemaker destroy demo --state-dir ${stateDir}`));

    const destroy = await cli(['destroy', 'demo', '--yes'], { stateDir });
    assert.equal(destroy.code, 0, destroy.stderr);
    assert.match(destroy.stdout, new RegExp(`Will keep \\(${SECRETS.length + 1}\\)`), 'the file system and every secret');
    assert.match(destroy.stdout, /Costs about \$\d+\.\d\d\/month/);
    assert.deepEqual(countByKind(await sweep()), { efs: 1, 'ssm-parameter': SECRETS.length });

    const all = await cli(['destroy', 'demo', '--yes', '--delete-data'], { stateDir });
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(await sweep(), []);
  });

  it('state restore brings back a corrupted state file; list shows the corrupt entry without failing', async () => {
    const stateDir = tempDir('gm-cli-state-');
    assert.equal((await cli(['deploy', 'demo', '--yes'], { stateDir })).code, 0);
    const file = join(stateDir, 'demo.json');
    writeFileSync(file, 'not json at all');

    const list = await cli(['list'], { stateDir });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /demo\s+unreadable/);
    assert.match(list.stdout, /STATE_CORRUPT/);
    const show = await cli(['show', 'demo'], { stateDir });
    assert.equal(show.code, 2);
    assert.ok(show.stderr.includes('geusemaker state restore demo'));

    const restore = await cli(['state', 'restore', 'demo'], { stateDir });
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /Restored stack demo from .*\.backups/);
    assert.ok(!existsSync(join(stateDir, 'demo.lock')), 'the lock is released');
    const shown = parseJson(await cli(['show', 'demo', '--json'], { stateDir }));
    assert.equal(shown.name, 'demo');

    const twice = await cli(['state', 'restore', 'demo'], { stateDir });
    assert.equal(twice.code, 3, 'a valid file is never rolled back');

    assert.equal((await cli(['destroy', 'demo', '--yes', '--delete-data'], { stateDir })).code, 0);
    assert.deepEqual(await sweep(), []);
  });
});
