import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeInstanceInformationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { GeuseError } from '../../src/engine/errors';
import type { SsmApi, SsmCommand } from '../../src/engine/ssm/api';
import { SsmAgentDirectory, waitForAgent, type AgentDirectory, type AgentStatus } from '../../src/engine/ssm/agents';
import { SsmCommandRunner } from '../../src/engine/ssm/run-command';
import { awsErrorFrom } from '../fixtures/ssm/local-runner';

const INSTANCE = 'i-0abc1234def567890';
const FIXTURES = join(__dirname, '..', 'fixtures', 'ssm');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
type Recorded = { error?: { name: string; message: string; status: number } } & Record<string, unknown>;

/** Replays recorded-shape answers per operation, in order, and records what was asked. */
class ReplaySsm implements SsmApi {
  readonly calls: string[] = [];
  constructor(private readonly answers: Record<string, Recorded[]>) {}
  async send(command: SsmCommand): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, '');
    this.calls.push(name);
    const queue = this.answers[name] ?? [];
    const next = queue.length > 1 ? queue.shift() : queue[0];
    if (!next) throw new Error(`no recorded answer for ${name}`);
    if (next.error) throw awsErrorFrom(next.error);
    return next;
  }
}

const FAST = { pollIntervalMs: 1, maxPollIntervalMs: 2, graceMs: 200 };

describe('ssm run command (recorded-shape responses)', () => {
  it('retries InvocationDoesNotExist after SendCommand, waits out InProgress, then returns the output', async () => {
    const ssm = new ReplaySsm({
      SendCommand: [fixture('send-command.json') as Recorded],
      GetCommandInvocation: fixture('health-invocation-sequence.json') as Recorded[],
    });
    const result = await new SsmCommandRunner(ssm, FAST).run(INSTANCE, ['echo hi'], { timeoutSeconds: 30 });
    assert.equal(result.status, 'Success');
    assert.match(result.stdout, /^GM_HEALTH_V1 /);
    assert.equal(result.truncated, false);
    assert.deepEqual(ssm.calls, ['SendCommand', 'GetCommandInvocation', 'GetCommandInvocation', 'GetCommandInvocation', 'GetCommandInvocation']);
  });

  it('sends AWS-RunShellScript with the script lines and an execution timeout', async () => {
    let sent: SendCommandCommand | undefined;
    const ssm: SsmApi = {
      async send(command) {
        if (command instanceof SendCommandCommand) { sent = command; return fixture('send-command.json'); }
        return (fixture('health-invocation-sequence.json') as Recorded[])[3];
      },
    };
    await new SsmCommandRunner(ssm, FAST).run(INSTANCE, ['a', 'b'], { timeoutSeconds: 90 });
    assert.equal(sent?.input.DocumentName, 'AWS-RunShellScript');
    assert.deepEqual(sent?.input.InstanceIds, [INSTANCE]);
    assert.deepEqual(sent?.input.Parameters, { commands: ['a', 'b'], executionTimeout: ['90'] });
  });

  it('a failed script becomes a GeuseError with its exit code, what it said, and a next step', async () => {
    const ssm = new ReplaySsm({ SendCommand: [fixture('send-command.json') as Recorded], GetCommandInvocation: [fixture('invocation-failed.json') as Recorded] });
    await assert.rejects(new SsmCommandRunner(ssm, FAST).run(INSTANCE, ['docker ps']), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'SSM_COMMAND_FAILED');
      assert.match(error.message, /exit code 127/);
      assert.match(error.message, /docker: command not found/);
      assert.match(error.nextStep, /Open Terminal/);
      return true;
    });
  });

  it('a command SSM could not deliver in time says so', async () => {
    const ssm = new ReplaySsm({ SendCommand: [fixture('send-command.json') as Recorded], GetCommandInvocation: [fixture('invocation-delivery-timed-out.json') as Recorded] });
    await assert.rejects(new SsmCommandRunner(ssm, FAST).run(INSTANCE, ['true']), (error: unknown) =>
      error instanceof GeuseError && error.code === 'SSM_COMMAND_TIMED_OUT' && /never reached the SSM agent/.test(error.message));
  });

  it('InvalidInstanceId on SendCommand (agent not registered) becomes SSM_AGENT_OFFLINE', async () => {
    const ssm = new ReplaySsm({ SendCommand: [{ error: { name: 'InvalidInstanceId', message: 'Instances [[i-0abc1234def567890]] not in a valid state for account 123456789012', status: 400 } }] });
    await assert.rejects(new SsmCommandRunner(ssm, FAST).run(INSTANCE, ['true']), (error: unknown) =>
      error instanceof GeuseError && error.code === 'SSM_AGENT_OFFLINE' && /AmazonSSMManagedInstanceCore/.test(error.nextStep));
  });

  it('InvocationDoesNotExist that never ends gives up after the deadline instead of polling forever', async () => {
    const ssm = new ReplaySsm({ SendCommand: [fixture('send-command.json') as Recorded], GetCommandInvocation: [{ error: { name: 'InvocationDoesNotExist', message: '', status: 400 } }] });
    const runner = new SsmCommandRunner(ssm, { pollIntervalMs: 5, maxPollIntervalMs: 5, graceMs: 0 });
    // The runner's timeout floor is 30 s; a clock that jumps 10 s per reading reaches the deadline at once.
    const realNow = Date.now;
    let now = realNow();
    Date.now = () => (now += 10_000);
    try {
      await assert.rejects(runner.run(INSTANCE, ['true'], { timeoutSeconds: 30 }), (error: unknown) => error instanceof GeuseError && error.code === 'SSM_COMMAND_TIMED_OUT');
    } finally {
      Date.now = realNow;
    }
  });

  it('cancelling while waiting cancels the command on the instance too', async () => {
    const ssm = new ReplaySsm({
      SendCommand: [fixture('send-command.json') as Recorded],
      GetCommandInvocation: [(fixture('health-invocation-sequence.json') as Recorded[])[2]!],
      CancelCommand: [{}],
    });
    const controller = new AbortController();
    const running = new SsmCommandRunner(ssm, { pollIntervalMs: 20 }).run(INSTANCE, ['sleep 600'], { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(running, (error: unknown) => error instanceof GeuseError && error.kind === 'cancelled');
    assert.ok(ssm.calls.includes('CancelCommand'));
  });
});

describe('ssm agent directory (recorded-shape responses)', () => {
  it('reads PingStatus from DescribeInstanceInformation, and NotRegistered from an empty list', async () => {
    const online = await new SsmAgentDirectory(new ReplaySsm({ DescribeInstanceInformation: [fixture('describe-instance-information-online.json') as Recorded] })).status(INSTANCE);
    assert.equal(online.pingStatus, 'Online');
    assert.equal(online.platformName, 'Amazon Linux');
    assert.ok(online.lastPingAt instanceof Date);
    const none = await new SsmAgentDirectory(new ReplaySsm({ DescribeInstanceInformation: [fixture('describe-instance-information-not-registered.json') as Recorded] })).status(INSTANCE);
    assert.equal(none.pingStatus, 'NotRegistered');
  });

  it('filters by the instance id', async () => {
    let asked: DescribeInstanceInformationCommand | undefined;
    await new SsmAgentDirectory({ async send(command) { asked = command as DescribeInstanceInformationCommand; return fixture('describe-instance-information-online.json'); } }).status(INSTANCE);
    assert.deepEqual(asked?.input.Filters, [{ Key: 'InstanceIds', Values: [INSTANCE] }]);
  });

  it('waitForAgent returns once the agent is online, reporting the wait', async () => {
    const answers: AgentStatus['pingStatus'][] = ['NotRegistered', 'NotRegistered', 'Online'];
    const directory: AgentDirectory = { async status(instanceId) { return { instanceId, pingStatus: answers.shift() ?? 'Online' }; } };
    const waits: string[] = [];
    const status = await waitForAgent(directory, INSTANCE, { intervalMs: 1, onWaiting: (s) => waits.push(s.pingStatus) });
    assert.equal(status.pingStatus, 'Online');
    assert.deepEqual(waits, ['NotRegistered', 'NotRegistered']);
  });

  it('waitForAgent is bounded and abortable', async () => {
    const directory: AgentDirectory = { async status(instanceId) { return { instanceId, pingStatus: 'NotRegistered' }; } };
    await assert.rejects(waitForAgent(directory, INSTANCE, { intervalMs: 5, timeoutMs: 30 }), (error: unknown) =>
      error instanceof GeuseError && error.code === 'SSM_AGENT_OFFLINE' && /still not online/.test(error.message));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(waitForAgent(directory, INSTANCE, { intervalMs: 5, timeoutMs: 60_000, signal: controller.signal }), (error: unknown) =>
      error instanceof GeuseError && error.kind === 'cancelled');
  });
});
