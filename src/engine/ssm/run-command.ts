import { CancelCommandCommand, GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { awsErrorCode, classifyAwsError } from '../aws/classify';
import { cancelled, GeuseError } from '../errors';
import { sleep } from '../wait';
import type { SsmApi } from './api';

/** SSM keeps only this much of a command's output in GetCommandInvocation (AWS-REALITY.md). */
export const SSM_STDOUT_LIMIT = 24_000;
export const SSM_STDERR_LIMIT = 8_000;
/** What the SSM agent appends when it cuts output. */
const TRUNCATION_MARK = '---Output truncated---';

export interface RunOptions {
  /** How long the script may run on the instance. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Shown in the SSM console's command history. */
  comment?: string;
}

export interface CommandResult {
  status: 'Success';
  stdout: string;
  stderr: string;
  /** SSM cut stdout or stderr: callers that need every byte must fetch in smaller pieces. */
  truncated: boolean;
  exitCode: number;
}

/** Runs a shell script on an instance and returns its output; the SSM implementation is below, tests use fakes. */
export interface CommandRunner {
  run(instanceId: string, lines: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

export interface SsmRunnerTiming {
  /** First wait between GetCommandInvocation polls; grows by half each time. */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /** Extra time past the script's timeout before we give up waiting for a result. */
  graceMs: number;
}

const DEFAULT_TIMING: SsmRunnerTiming = { pollIntervalMs: 500, maxPollIntervalMs: 5_000, graceMs: 60_000 };

const sendOutputSchema = z.object({ Command: z.object({ CommandId: z.string().min(1) }) });
const invocationSchema = z.object({
  Status: z.string(),
  StatusDetails: z.string().optional(),
  ResponseCode: z.number().optional(),
  StandardOutputContent: z.string().optional(),
  StandardErrorContent: z.string().optional(),
});
type Invocation = z.infer<typeof invocationSchema>;

const PENDING = new Set(['Pending', 'InProgress', 'Delayed']);

function isTruncated(text: string, limit: number): boolean {
  return text.length >= limit || text.trimEnd().endsWith(TRUNCATION_MARK);
}

/** The tail of stderr is where a shell says what went wrong; keep messages short. */
function stderrTail(stderr: string): string {
  const tail = stderr.trim().split('\n').slice(-3).join(' | ');
  return tail.length > 400 ? `…${tail.slice(-400)}` : tail;
}

function failure(invocation: Invocation, instanceId: string, commandId: string): GeuseError {
  const details = invocation.StatusDetails ?? invocation.Status;
  const where = `on ${instanceId} (command ${commandId})`;
  const stderr = stderrTail(invocation.StandardErrorContent ?? '');
  switch (invocation.Status) {
    case 'TimedOut':
      return new GeuseError({
        code: 'SSM_COMMAND_TIMED_OUT', kind: 'transient', operation: 'ssm:GetCommandInvocation',
        message: details === 'DeliveryTimedOut'
          ? `The command never reached the SSM agent ${where}: delivery timed out.`
          : `The command ran out of time ${where} (${details}).`,
        nextStep: 'Check that the instance is running and its SSM agent is online (Refresh), then try again.',
      });
    case 'Cancelled':
    case 'Cancelling':
      return new GeuseError({
        code: 'SSM_COMMAND_CANCELLED', kind: 'cancelled', operation: 'ssm:GetCommandInvocation',
        message: `The command was cancelled ${where}.`,
        nextStep: 'Run it again when ready.',
      });
    case 'Failed':
      return new GeuseError({
        code: 'SSM_COMMAND_FAILED', kind: 'unknown', operation: 'ssm:GetCommandInvocation',
        message: `The command failed ${where} with exit code ${invocation.ResponseCode ?? 'unknown'} (${details}).${stderr ? ` It said: ${stderr}` : ''}`,
        nextStep: 'Open a terminal on the instance (GeuseMaker: Open Terminal) to look closer, or check the bootstrap log.',
      });
    default:
      // Undeliverable, Terminated, InvalidPlatform, AccessDenied and anything AWS adds later.
      return new GeuseError({
        code: 'SSM_COMMAND_UNDELIVERABLE', kind: details === 'AccessDenied' ? 'permission' : 'unknown', operation: 'ssm:GetCommandInvocation',
        message: `SSM could not run the command ${where}: ${details}.`,
        nextStep: details === 'AccessDenied'
          ? 'Grant ssm:SendCommand on the instance and the AWS-RunShellScript document, then try again.'
          : 'Check that the instance is running and its SSM agent is online (Refresh), then try again.',
      });
  }
}

function agentOffline(instanceId: string, cause: unknown): GeuseError {
  return new GeuseError({
    code: 'SSM_AGENT_OFFLINE', kind: 'transient', operation: 'ssm:SendCommand', cause,
    message: `The SSM agent on ${instanceId} is not online, so it cannot take commands yet.`,
    nextStep: 'A new instance needs a few minutes to register with SSM; wait and Refresh. If it stays offline, check that the instance role has AmazonSSMManagedInstanceCore and the instance can reach the internet on port 443.',
  });
}

/** Run Command over SSM: SendCommand, then poll GetCommandInvocation until the script is done. */
export class SsmCommandRunner implements CommandRunner {
  private readonly timing: SsmRunnerTiming;

  constructor(private readonly ssm: SsmApi, timing: Partial<SsmRunnerTiming> = {}) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
  }

  async run(instanceId: string, lines: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const timeoutSeconds = Math.max(30, Math.ceil(options.timeoutSeconds ?? 60));
    const { signal } = options;
    if (signal?.aborted) throw cancelled();
    let commandId: string;
    try {
      const sent = sendOutputSchema.parse(await this.ssm.send(new SendCommandCommand({
        InstanceIds: [instanceId],
        DocumentName: 'AWS-RunShellScript',
        Parameters: { commands: [...lines], executionTimeout: [String(timeoutSeconds)] },
        // How long SSM keeps trying to deliver the command; 30 s is its minimum.
        TimeoutSeconds: 30,
        Comment: (options.comment ?? 'GeuseMaker').slice(0, 100),
      }), { abortSignal: signal }));
      commandId = sent.Command.CommandId;
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      if (error instanceof z.ZodError) throw unexpectedAnswer('SendCommand', error);
      // AWS says InvalidInstanceId both for a wrong id and for an instance whose agent has not registered.
      if (awsErrorCode(error) === 'InvalidInstanceId') throw agentOffline(instanceId, error);
      throw classifyAwsError(error, { operation: 'ssm:SendCommand' });
    }
    return this.await(instanceId, commandId, timeoutSeconds, signal);
  }

  private async await(instanceId: string, commandId: string, timeoutSeconds: number, signal?: AbortSignal): Promise<CommandResult> {
    const deadline = Date.now() + timeoutSeconds * 1000 + this.timing.graceMs;
    let interval = this.timing.pollIntervalMs;
    for (;;) {
      await this.pause(interval, instanceId, commandId, signal);
      interval = Math.min(interval * 1.5, this.timing.maxPollIntervalMs);
      const invocation = await this.poll(instanceId, commandId, signal);
      if (invocation && !PENDING.has(invocation.Status)) {
        if (invocation.Status !== 'Success') throw failure(invocation, instanceId, commandId);
        const stdout = invocation.StandardOutputContent ?? '';
        const stderr = invocation.StandardErrorContent ?? '';
        return {
          status: 'Success', stdout, stderr, exitCode: invocation.ResponseCode ?? 0,
          truncated: isTruncated(stdout, SSM_STDOUT_LIMIT) || isTruncated(stderr, SSM_STDERR_LIMIT),
        };
      }
      if (Date.now() > deadline) {
        throw new GeuseError({
          code: 'SSM_COMMAND_TIMED_OUT', kind: 'transient', operation: 'ssm:GetCommandInvocation',
          message: `No result from ${instanceId} (command ${commandId}) after ${timeoutSeconds} s${invocation ? ` (still ${invocation.Status})` : ''}.`,
          nextStep: 'Check that the instance is running and its SSM agent is online (Refresh), then try again.',
        });
      }
    }
  }

  /** One GetCommandInvocation; undefined while AWS has not registered the invocation yet. */
  private async poll(instanceId: string, commandId: string, signal?: AbortSignal): Promise<Invocation | undefined> {
    try {
      return invocationSchema.parse(await this.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }), { abortSignal: signal }));
    } catch (error) {
      if (signal?.aborted) throw cancelled();
      if (error instanceof z.ZodError) throw unexpectedAnswer('GetCommandInvocation', error);
      // Real AWS answers InvocationDoesNotExist for a while right after SendCommand (AWS-REALITY.md).
      if (awsErrorCode(error) === 'InvocationDoesNotExist') return undefined;
      throw classifyAwsError(error, { operation: 'ssm:GetCommandInvocation' });
    }
  }

  /** Waits between polls; on cancellation, also asks SSM to stop the script (best effort). */
  private async pause(ms: number, instanceId: string, commandId: string, signal?: AbortSignal): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (error) {
      await this.ssm.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [instanceId] })).catch(() => undefined);
      throw error;
    }
  }
}

export function unexpectedAnswer(operation: string, error: z.ZodError): GeuseError {
  return new GeuseError({
    code: 'SSM_UNEXPECTED_ANSWER', kind: 'unknown', operation: `ssm:${operation}`, cause: error,
    message: `AWS answered ${operation} in a shape GeuseMaker does not understand: ${error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}.`,
    nextStep: 'Run the command again; if it fails the same way, report it with this message.',
  });
}
