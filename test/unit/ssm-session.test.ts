import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartSessionCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { GeuseError } from '../../src/engine/errors';
import type { SsmCommand } from '../../src/engine/ssm/api';
import { findPlugin, pluginInvocation, PLUGIN_INSTALL_URL, PLUGIN_PATH_SETTING, RESPONSE_ENV_PREFIX } from '../../src/engine/ssm/plugin';
import { freeLocalPort } from '../../src/engine/ssm/ports';
import { portForwardRequest, shellRequest, SsmSessionApi, type StartedSession } from '../../src/engine/ssm/session';
import { awsErrorFrom } from '../fixtures/ssm/local-runner';

const INSTANCE = 'i-0abc1234def567890';
const recorded = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'ssm', 'start-session.json'), 'utf8')) as StartedSession;

describe('ssm sessions and session-manager-plugin (recorded-shape responses)', () => {
  it('starts a shell and a port forward with the right StartSession requests, and terminates', async () => {
    const sent: SsmCommand[] = [];
    const api = new SsmSessionApi({ async send(command) { sent.push(command); return command instanceof StartSessionCommand ? { ...recorded, $metadata: {} } : {}; } });
    const shell = await api.start(shellRequest(INSTANCE));
    assert.deepEqual(shell, recorded);
    await api.start(portForwardRequest(INSTANCE, 5678, 49152));
    await api.terminate(shell.SessionId);
    const [first, second, third] = sent;
    assert.ok(first instanceof StartSessionCommand && second instanceof StartSessionCommand && third instanceof TerminateSessionCommand);
    assert.equal(first.input.Target, INSTANCE);
    assert.equal(first.input.DocumentName, undefined);
    assert.equal(second.input.DocumentName, 'AWS-StartPortForwardingSession');
    assert.deepEqual(second.input.Parameters, { portNumber: ['5678'], localPortNumber: ['49152'] });
    assert.equal(third.input.SessionId, recorded.SessionId);
  });

  it('terminating a session that is already gone is fine; a StartSession answer without a token is refused', async () => {
    const gone = new SsmSessionApi({ async send() { throw awsErrorFrom({ name: 'DoesNotExistException', message: 'Session not found', status: 400 }); } });
    await gone.terminate('gm-user-0');
    const broken = new SsmSessionApi({ async send() { return { SessionId: 'x', StreamUrl: 'wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/x' }; } });
    await assert.rejects(broken.start(shellRequest(INSTANCE)), (error: unknown) => error instanceof GeuseError && error.code === 'SSM_UNEXPECTED_ANSWER');
  });

  it('the plugin gets seven argv entries (program + 6), like the AWS CLI passes them, and no token', () => {
    const request = portForwardRequest(INSTANCE, 11434, 50123);
    const call = pluginInvocation({ pluginPath: '/usr/local/bin/session-manager-plugin', session: recorded, request, region: 'eu-west-1', profile: 'work' });
    const argv = [call.command, ...call.args];
    assert.equal(argv.length, 7, 'session-manager-plugin requires len(os.Args) == 7 (ArgumentLength in session.go)');
    const [, envName, region, operation, profile, requestJson, endpoint] = argv;
    assert.ok(envName?.startsWith(RESPONSE_ENV_PREFIX));
    assert.equal(region, 'eu-west-1');
    assert.equal(operation, 'StartSession');
    assert.equal(profile, 'work');
    assert.deepEqual(JSON.parse(requestJson ?? ''), { Target: INSTANCE, DocumentName: 'AWS-StartPortForwardingSession', Parameters: { portNumber: ['11434'], localPortNumber: ['50123'] } });
    assert.equal(endpoint, 'https://ssm.eu-west-1.amazonaws.com');
    for (const arg of argv) {
      assert.ok(!arg.includes(recorded.TokenValue), 'the token is never in argv');
      assert.ok(!arg.includes(recorded.StreamUrl), 'nor the stream URL');
    }
  });

  it('the environment variable carries the StartSession answer, under a name unique to the session', () => {
    const call = pluginInvocation({ pluginPath: 'p', session: recorded, request: shellRequest(INSTANCE), region: 'us-east-1' });
    const name = call.args[0]!;
    assert.deepEqual(Object.keys(call.env), [name]);
    assert.deepEqual(JSON.parse(call.env[name]!), recorded);
    assert.equal(call.args[3], '', 'no profile: an empty argument, still present');
    assert.deepEqual(JSON.parse(call.args[4]!), { Target: INSTANCE });
    const other = pluginInvocation({ pluginPath: 'p', session: { ...recorded, SessionId: 'gm-user-ffff' }, request: shellRequest(INSTANCE), region: 'us-east-1' });
    assert.notEqual(other.args[0], name);
    assert.match(name, /^[A-Za-z0-9_]+$/);
  });

  it('finds the plugin on PATH or at the configured path; when missing, says how to install it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gm-plugin-'));
    const plugin = join(dir, 'session-manager-plugin');
    writeFileSync(plugin, '#!/bin/sh\n');
    chmodSync(plugin, 0o755);
    assert.equal(findPlugin({ env: { PATH: `/nonexistent:${dir}` } }), plugin);
    assert.equal(findPlugin({ configuredPath: plugin, env: { PATH: '' } }), plugin);
    for (const attempt of [() => findPlugin({ env: { PATH: '/nonexistent' } }), () => findPlugin({ configuredPath: join(dir, 'nope'), env: { PATH: dir } })]) {
      assert.throws(attempt, (error: unknown) => {
        assert.ok(error instanceof GeuseError);
        assert.equal(error.code, 'SSM_PLUGIN_MISSING');
        assert.ok(error.nextStep.includes(PLUGIN_INSTALL_URL));
        assert.ok(error.nextStep.includes(PLUGIN_PATH_SETTING));
        return true;
      });
    }
  });

  it('picks a free local port for a tunnel, and another one when the preferred port is taken', async () => {
    const port = await freeLocalPort();
    assert.ok(port > 0);
    const server = createServer();
    await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
    try {
      const other = await freeLocalPort(port);
      assert.notEqual(other, port);
    } finally {
      server.close();
    }
  });
});
