import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { freeLocalPort } from '../../src/engine/ssm/ports';
import { PLUGIN_INSTALL_URL, RESPONSE_ENV_PREFIX } from '../../src/engine/ssm/plugin';
import { tempDir } from '../harness/engine';
import { testEmulator } from '../harness/root-hooks';
import { connectCli, deployDemo, RECORDED_SESSION, RecordedSessions, standIns, waitFor, type PluginRecord, type Run } from './connect-harness';

const TOKEN = RECORDED_SESSION.TokenValue;

function fetchLocal(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** The plugin was started as the AWS CLI starts it: seven argv entries, the token only in the environment variable argv[1] names. */
function assertStartedLikeAwsCli(started: PluginRecord | undefined, request: Record<string, unknown>): void {
  const argv = started?.argv ?? [];
  assert.equal(argv.length + 1, 7, `program + 6 arguments: ${JSON.stringify(argv)}`);
  const [envName, region, operation, profile, requestJson, endpoint] = argv;
  assert.match(envName ?? '', new RegExp(`^${RESPONSE_ENV_PREFIX}_`));
  assert.deepEqual([region, operation, profile, endpoint], ['us-east-1', 'StartSession', '', testEmulator().endpoint]);
  assert.deepEqual(JSON.parse(requestJson ?? '{}'), request);
  assert.ok(!argv.some((arg) => arg.includes(TOKEN)), 'no token in argv');
  assert.deepEqual(JSON.parse(started?.env?.[envName ?? ''] ?? '{}').TokenValue, TOKEN, 'the token travels in the named variable');
}

describe('geusemaker shell and tunnel (moto stack; recorded StartSession answer; a stand-in session-manager-plugin)', function () {
  this.timeout(120_000);

  it('recorded: shell starts the plugin with seven arguments and the token only in its environment; TerminateSession when it exits', async () => {
    const { stateDir, instanceId } = await deployDemo();
    const ssm = new RecordedSessions();
    const fake = standIns();
    const run = await connectCli(['shell', 'demo'], { stateDir, ssm: ssm.factory, env: { PATH: `${fake.bin}:${process.env.PATH ?? ''}`, GM_FAKE_PLUGIN_LOG: fake.pluginLog, GM_FAKE_PLUGIN_MODE: 'exit' } });
    assert.equal(run.code, 0, run.stderr);
    const started = fake.records().filter((r) => r.event === 'started');
    assert.equal(started.length, 1);
    assertStartedLikeAwsCli(started[0], { Target: instanceId });
    assert.deepEqual(ssm.started.map((input) => input.Target), [instanceId]);
    assert.deepEqual(ssm.terminated, [RECORDED_SESSION.SessionId], 'the session is ended on the AWS side');
    assert.match(run.stderr, new RegExp(`SSM session ${RECORDED_SESSION.SessionId} on demo started`));
    assert.ok(!`${run.stdout}${run.stderr}`.includes(TOKEN), 'the token is never printed');
  });

  it('recorded: Ctrl-C during shell stops the plugin and calls TerminateSession; exit 0', async () => {
    const { stateDir } = await deployDemo();
    const ssm = new RecordedSessions();
    const fake = standIns();
    const running = connectCli(['shell', 'demo'], { stateDir, ssm: ssm.factory, env: { PATH: `${fake.bin}:${process.env.PATH ?? ''}`, GM_FAKE_PLUGIN_LOG: fake.pluginLog, GM_FAKE_PLUGIN_MODE: 'wait' } });
    await waitFor(() => fake.records().some((r) => r.event === 'started'), 'the plugin to start');
    process.emit('SIGINT', 'SIGINT');
    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    assert.ok(fake.records().some((r) => r.event === 'stopped' && r.signal === 'SIGTERM'), 'the plugin was stopped');
    assert.deepEqual(ssm.terminated, [RECORDED_SESSION.SessionId]);
    assert.match(run.stderr, /Ending the shell and its SSM session/);
  });

  it('a missing plugin gives SSM_PLUGIN_MISSING with the install link (exit 2), before any session is started', async () => {
    const { stateDir } = await deployDemo();
    const ssm = new RecordedSessions();
    for (const argv of [['shell', 'demo'], ['tunnel', 'demo']]) {
      const run: Run = await connectCli(argv, { stateDir, ssm: ssm.factory, env: { PATH: tempDir('gm-empty-path-') } });
      assert.equal(run.code, 2, `${argv[0]}: ${run.stderr}`);
      assert.match(run.stderr, /SSM_PLUGIN_MISSING/);
      assert.ok(run.stderr.includes(PLUGIN_INSTALL_URL), 'the install link');
      assert.match(run.stderr, /on PATH/);
    }
    assert.deepEqual(ssm.started, [], 'no session was started');
  });

  it('recorded: tunnel forwards n8n on --local-port and ollama on a free port, prints the URLs and the n8n login, --open opens the first; Ctrl-C ends both sessions', async () => {
    const { stateDir, instanceId } = await deployDemo();
    const ssm = new RecordedSessions();
    const fake = standIns();
    const port = await freeLocalPort();
    const live = { stdout: '', stderr: '' };
    const running = connectCli(['tunnel', 'demo', 'n8n', 'ollama', '--local-port', String(port), '--open'], {
      stateDir, ssm: ssm.factory, live,
      env: { PATH: `${fake.bin}:${process.env.PATH ?? ''}`, GM_FAKE_PLUGIN_LOG: fake.pluginLog, GM_FAKE_PLUGIN_MODE: 'wait', GM_FAKE_OPEN_LOG: fake.openLog },
    });
    await waitFor(() => live.stdout.includes('stay open until Ctrl-C'), 'the tunnels to open');
    assert.match(live.stdout, new RegExp(`^n8n +http://localhost:${port}/$`, 'm'));
    const ollamaPort = Number(/^ollama +http:\/\/localhost:(\d+)\/$/m.exec(live.stdout)?.[1]);
    assert.ok(ollamaPort > 0 && ollamaPort !== port);
    assert.match(live.stdout, /n8n: sign in as admin@demo\.local; the owner password: geusemaker password demo/);
    assert.equal(await fetchLocal(port), 'fake-forward', 'the local port reaches the plugin');
    await waitFor(() => existsSync(fake.openLog), 'the browser to be opened');
    assert.equal(readFileSync(fake.openLog, 'utf8'), `http://localhost:${port}/\n`);

    const started = fake.records().filter((r) => r.event === 'started');
    assert.equal(started.length, 2);
    const forward = (remote: number, local: number) => ({ Target: instanceId, DocumentName: 'AWS-StartPortForwardingSession', Parameters: { portNumber: [String(remote)], localPortNumber: [String(local)] } });
    const byPort = (local: number) => started.find((r) => (r.argv?.[4] ?? '').includes(`"localPortNumber":["${local}"]`));
    assertStartedLikeAwsCli(byPort(port), forward(5678, port));
    assertStartedLikeAwsCli(byPort(ollamaPort), forward(11434, ollamaPort));

    process.emit('SIGINT', 'SIGINT');
    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(fake.records().filter((r) => r.event === 'stopped').length, 2, 'both plugins stopped');
    assert.deepEqual([...ssm.terminated].sort(), [RECORDED_SESSION.SessionId, `${RECORDED_SESSION.SessionId}-2`].sort(), 'both sessions ended');
    assert.ok(!`${run.stdout}${run.stderr}`.includes(TOKEN));
  });

  it('recorded: a tunnel whose plugin exits early reconnects once with a new session (said on stderr); Ctrl-C ends the new one', async () => {
    const { stateDir } = await deployDemo();
    const ssm = new RecordedSessions();
    const fake = standIns();
    const live = { stdout: '', stderr: '' };
    const running = connectCli(['tunnel', 'demo'], {
      stateDir, ssm: ssm.factory, live, env: { PATH: `${fake.bin}:${process.env.PATH ?? ''}`, GM_FAKE_PLUGIN_LOG: fake.pluginLog, GM_FAKE_PLUGIN_MODE: 'drop-first' },
    });
    await waitFor(() => /open again/.test(live.stderr), 'the tunnel to reconnect');
    const port = Number(/^n8n +http:\/\/localhost:(\d+)\/$/m.exec(live.stdout)?.[1]);
    assert.equal(await fetchLocal(port), 'fake-forward', 'the same local port works again');
    assert.match(live.stderr, /The tunnel to n8n closed \(session-manager-plugin exit code 0\); reconnecting with a new SSM session in 1 s \(1 of 5\)\./);
    assert.deepEqual(ssm.terminated, [RECORDED_SESSION.SessionId], 'the dropped session was ended');

    process.emit('SIGINT', 'SIGINT');
    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(ssm.started.length, 2, 'one reconnect');
    assert.equal(fake.records().filter((r) => r.event === 'started').length, 2);
    assert.deepEqual(ssm.terminated, [RECORDED_SESSION.SessionId, `${RECORDED_SESSION.SessionId}-2`]);
  });

  it('tunnel refuses a service the stack does not run and a bad --local-port before any call', async () => {
    const { stateDir } = await deployDemo();
    const ssm = new RecordedSessions();
    const fake = standIns();
    const env = { PATH: `${fake.bin}:${process.env.PATH ?? ''}`, GM_FAKE_PLUGIN_LOG: fake.pluginLog };
    const calls: string[] = [];
    const comfy = await connectCli(['tunnel', 'demo', 'n8n', 'comfyui'], { stateDir, ssm: ssm.factory, env, calls });
    assert.equal(comfy.code, 3);
    assert.match(comfy.stderr, /does not run "comfyui"/);
    assert.deepEqual(calls, []);
    const badPort = await connectCli(['tunnel', 'demo', '--local-port', '70000'], { stateDir, ssm: ssm.factory, env });
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--local-port must be a port number from 1 to 65535/);
    assert.deepEqual(ssm.started, []);
    assert.deepEqual(fake.records(), []);
  });
});
