import assert from 'node:assert/strict';
import { createClients, type AwsClients } from '../../src/engine/aws/clients';
import { GeuseError } from '../../src/engine/errors';
import { checkOnInstance } from '../../src/engine/health/on-instance';
import { servicesOf } from '../../src/engine/health/catalogue';
import { stackConfigSchema } from '../../src/engine/stack/config';
import type { AgentDirectory } from '../../src/engine/ssm/agents';
import { containerCursor, fetchLogs } from '../../src/engine/ssm/logs';
import { SsmCommandRunner } from '../../src/engine/ssm/run-command';
import { FaultInjector } from '../harness/faults';
import { testEmulator } from '../harness/root-hooks';

/**
 * moto 5.2.5 accepts SendCommand for any instance id, answers GetCommandInvocation with Success and empty
 * output, and has no DescribeInstanceInformation (so the agent directory is a fake here). These tests cover
 * what it does support, through the real SDK.
 */
const INSTANCE = 'i-0123456789abcdef0';
const FAST = { pollIntervalMs: 10, maxPollIntervalMs: 20 };
const online: AgentDirectory = { async status(instanceId) { return { instanceId, pingStatus: 'Online' }; } };

function clients(faults?: FaultInjector): AwsClients {
  return createClients({ region: 'us-east-1', endpoint: testEmulator().endpoint, maxAttempts: 1, instrument: faults?.instrument });
}

describe('ssm run command against moto', () => {
  it('SendCommand is accepted and GetCommandInvocation reports Success (moto returns no output)', async () => {
    const aws = clients();
    try {
      const result = await new SsmCommandRunner(aws.ssm, FAST).run(INSTANCE, ['echo hello'], { timeoutSeconds: 30 });
      assert.equal(result.status, 'Success');
      assert.equal(result.stdout, '');
      assert.equal(result.truncated, false);
    } finally {
      aws.destroy();
    }
  });

  it('InvocationDoesNotExist right after SendCommand (real AWS does this) is retried through the SDK', async () => {
    const faults = new FaultInjector([{
      operation: 'ssm:GetCommandInvocation', mode: 'before', times: 2,
      error: { name: 'InvocationDoesNotExist', message: '', status: 400 },
    }]);
    const aws = clients(faults);
    try {
      const result = await new SsmCommandRunner(aws.ssm, FAST).run(INSTANCE, ['true']);
      assert.equal(result.status, 'Success');
      assert.equal(faults.calls.filter((c) => c === 'ssm:GetCommandInvocation').length, 3);
      assert.equal(faults.failures.length, 2);
    } finally {
      aws.destroy();
    }
  });

  it('a health check over moto ends as "unknown: printed nothing", never as a false "healthy"', async () => {
    const aws = clients();
    try {
      const runner = new SsmCommandRunner(aws.ssm, FAST);
      const services = servicesOf(stackConfigSchema.parse({ name: 'demo' }));
      const result = await checkOnInstance({ runner, agents: online }, INSTANCE, services);
      assert.equal(result.checks.length, services.length);
      assert.ok(result.checks.every((c) => c.status === 'unknown' && /printed nothing/.test(c.lastError ?? '')));
    } finally {
      aws.destroy();
    }
  });

  it('a log fetch over moto says the command did not run on the instance, and keeps the cursor for a retry', async () => {
    const aws = clients();
    try {
      const runner = new SsmCommandRunner(aws.ssm, FAST);
      const cursor = containerCursor('n8n');
      const before = JSON.stringify(cursor);
      await assert.rejects(fetchLogs(runner, INSTANCE, cursor), (error: unknown) =>
        error instanceof GeuseError && error.code === 'SSM_COMMAND_NOT_RUN' && /printed nothing: it did not run on the instance/.test(error.message));
      assert.equal(JSON.stringify(cursor), before, 'the cursor is where it was, so a retry misses no line');
    } finally {
      aws.destroy();
    }
  });
});
