import assert from 'node:assert/strict';
import { DEFAULT_MAX_ATTEMPTS, type ClientInstrument, type InstrumentableClient, type ServiceName } from '../../src/engine/aws/clients';
import { operationName } from '../../src/engine/aws/send-once';
import { GeuseError } from '../../src/engine/errors';
import type { StackConfig } from '../../src/engine/stack/config';
import type { Engine } from '../../src/engine/engine';
import { testEngine } from './engine';

/** SDK middleware that injects real AWS error shapes and records every call — no mocks of AWS itself. */
export interface InjectedError {
  name: string;
  message: string;
  status: number;
}

export interface FaultRule {
  /** IAM-style action, e.g. "ec2:CreateVpc". */
  operation: string;
  /** before: AWS never sees the call; after: AWS did it but the response is lost. */
  mode: 'before' | 'after';
  error: InjectedError;
  /** Only calls whose input matches. */
  when?: (input: Record<string, unknown>) => boolean;
  /** How many matching calls fail (default 1). */
  times?: number;
}

export const MUTATING = /^(Start|Cancel|Send|Set|Enable|Disable|Replace|Create|Tag|Untag|Run|Put|Attach|Add|Associate|Modify|Authorize|Revoke|Delete|Terminate|Detach|Disassociate|Remove|Register|Deregister|Update)/;

export function awsError(spec: InjectedError): Error {
  return Object.assign(new Error(spec.message), {
    name: spec.name,
    $fault: spec.status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: spec.status, attempts: 1, totalRetryDelay: 0 },
  });
}

export class FaultInjector {
  readonly calls: string[] = [];
  readonly failures: string[] = [];
  private readonly remaining = new Map<FaultRule, number>();
  /** Fraction of calls (0–1) answered with a throttling error inside the SDK's retry loop. */
  throttleRate = 0;
  throttled = 0;
  private seed = 42;

  constructor(private readonly rules: FaultRule[] = []) {
    for (const rule of rules) this.remaining.set(rule, rule.times ?? 1);
  }

  mutatingCalls(): string[] {
    return this.calls.filter((op) => MUTATING.test(op.split(':')[1] ?? ''));
  }

  /** Deterministic pseudo-random numbers so a throttling run is repeatable. */
  private random(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
    return this.seed / 2 ** 31;
  }

  private match(operation: string, input: Record<string, unknown>): FaultRule | undefined {
    return this.rules.find((rule) => rule.operation === operation && (this.remaining.get(rule) ?? 0) > 0 && (!rule.when || rule.when(input)));
  }

  readonly instrument: ClientInstrument = (client: InstrumentableClient, service: ServiceName) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        this.calls.push(operationName(service, context));
        return next(args);
      },
      { step: 'initialize', name: 'geusemakerTestCalls' },
    );
    // Inside the SDK's retry loop, as a real lost answer or refusal is: the SDK sees each attempt fail
    // and decides itself whether to send the call again.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = operationName(service, context);
        const input = (args as { input: Record<string, unknown> }).input;
        const rule = this.match(operation, input);
        if (rule) this.remaining.set(rule, (this.remaining.get(rule) ?? 1) - 1);
        if (rule?.mode === 'before') {
          this.failures.push(`${operation} (before)`);
          throw awsError(rule.error);
        }
        if (this.throttleRate > 0 && this.random() < this.throttleRate) {
          this.throttled++;
          throw awsError(service === 'ec2'
            ? { name: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503 }
            : { name: 'ThrottlingException', message: 'Rate exceeded', status: 400 });
        }
        const result = await next(args);
        if (rule?.mode === 'after') {
          this.failures.push(`${operation} (after)`);
          throw awsError(rule.error);
        }
        return result;
      },
      { step: 'finalizeRequest', name: 'geusemakerTestFaults', priority: 'low' },
    );
  };
}

/** Every mutating AWS call of a dev deploy; the fault tests check it against what a clean deploy really calls. */
export const DEV_MUTATING_CALLS = [
  'ec2:CreateVpc', 'ec2:ModifyVpcAttribute', 'ec2:CreateSubnet', 'ec2:ModifySubnetAttribute',
  'ec2:CreateInternetGateway', 'ec2:AttachInternetGateway', 'ec2:CreateRouteTable', 'ec2:CreateRoute',
  'ec2:AssociateRouteTable', 'ec2:CreateSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CreateLaunchTemplate', 'autoscaling:CreateAutoScalingGroup',
  'efs:CreateFileSystem', 'efs:CreateMountTarget',
  'iam:CreateRole', 'iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:TagRole', 'iam:CreateInstanceProfile', 'iam:AddRoleToInstanceProfile',
  'ssm:PutParameter',
  'backup:CreateBackupVault', 'backup:CreateBackupPlan',
];

/** A response lost on the way back (the call may have taken effect), and a refusal before it. */
export const LOST_RESPONSE: InjectedError = { name: 'InternalError', message: 'An internal error has occurred', status: 500 };
export const DENIED: InjectedError = { name: 'AccessDenied', message: 'User is not authorized to perform this action', status: 403 };

/** Deploys with one injected fault and returns the error it must end in (the fault firing exactly once). */
export async function failingDeploy(config: StackConfig, stateDir: string, rule: FaultRule, maxAttempts = 1): Promise<GeuseError> {
  const { error } = await deployWithFault(config, stateDir, rule, maxAttempts);
  if (!error) assert.fail(`deploy succeeded although ${rule.operation} failed`);
  return error;
}

/**
 * Deploys with one injected fault, by default with the SDK's retries as users have them. Returns the error it
 * ended in, if any; the fault must have fired exactly once.
 */
export function deployWithFault(config: StackConfig, stateDir: string, rule: FaultRule, maxAttempts = DEFAULT_MAX_ATTEMPTS): Promise<{ error?: GeuseError }> {
  return withFault(stateDir, rule, maxAttempts, 'deploy', (engine) => engine.deploy(config));
}

/** Destroys (deleting data) with one injected fault, SDK retries as users have them unless told; returns its error, if any. */
export function destroyWithFault(stateDir: string, rule: FaultRule, maxAttempts = DEFAULT_MAX_ATTEMPTS): Promise<{ error?: GeuseError }> {
  return withFault(stateDir, rule, maxAttempts, 'destroy', (engine) => engine.destroy('demo', { deleteData: true, finalBackup: false }));
}

async function withFault(stateDir: string, rule: FaultRule, maxAttempts: number, what: string, run: (engine: Engine) => Promise<unknown>): Promise<{ error?: GeuseError }> {
  const faults = new FaultInjector([rule]);
  const engine = testEngine({ stateDir, instrument: faults.instrument, maxAttempts });
  let error: unknown;
  try {
    await run(engine);
  } catch (thrown) {
    error = thrown;
  } finally {
    engine.dispose();
  }
  if (error !== undefined) assert.ok(error instanceof GeuseError, `expected a GeuseError, got ${String(error)}`);
  const ended = error instanceof GeuseError ? `the ${what} failed with: ${error.message}` : `the ${what} completed`;
  assert.equal(faults.failures.length, 1, `the fault on ${rule.operation} fired once (${ended})`);
  return error instanceof GeuseError ? { error } : {};
}

/** Every mutating call a dev destroy with --delete-data makes (destroy-faults.test.ts checks its own copy against a clean destroy). */
export const DEV_DESTROY_CALLS = [
  'autoscaling:DeleteAutoScalingGroup', 'ec2:DeleteLaunchTemplate', 'efs:DeleteMountTarget', 'efs:DeleteFileSystem', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup',
  'ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway', 'ec2:DisassociateRouteTable', 'ec2:DeleteRouteTable',
  'ec2:DeleteSubnet', 'ec2:DeleteVpc', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile',
  'iam:DetachRolePolicy', 'iam:DeleteRolePolicy', 'iam:DeleteRole', 'ssm:DeleteParameters',
  'backup:DeleteBackupPlan', 'backup:DeleteBackupVault',
];
