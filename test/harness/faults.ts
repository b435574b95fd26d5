import assert from 'node:assert/strict';
import type { ClientInstrument, InstrumentableClient, ServiceName } from '../../src/engine/aws/clients';
import { GeuseError } from '../../src/engine/errors';
import type { StackConfig } from '../../src/engine/stack/config';
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

export const MUTATING = /^(Create|Tag|Untag|Run|Put|Attach|Add|Associate|Modify|Authorize|Revoke|Delete|Terminate|Detach|Disassociate|Remove|Register|Deregister|Update)/;

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
        const operation = `${service}:${String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '')}`;
        const input = (args as { input: Record<string, unknown> }).input;
        this.calls.push(operation);
        const rule = this.match(operation, input);
        if (rule) this.remaining.set(rule, (this.remaining.get(rule) ?? 1) - 1);
        if (rule?.mode === 'before') {
          this.failures.push(`${operation} (before)`);
          throw awsError(rule.error);
        }
        const result = await next(args);
        if (rule?.mode === 'after') {
          this.failures.push(`${operation} (after)`);
          throw awsError(rule.error);
        }
        return result;
      },
      { step: 'initialize', name: 'geusemakerTestFaults' },
    );
    // Inside the retry loop, so the SDK's adaptive retry sees (and retries) the throttling.
    client.middlewareStack.add(
      (next) => async (args) => {
        if (this.throttleRate > 0 && this.random() < this.throttleRate) {
          this.throttled++;
          throw awsError(service === 'ec2'
            ? { name: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503 }
            : { name: 'ThrottlingException', message: 'Rate exceeded', status: 400 });
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'geusemakerTestThrottle', priority: 'low' },
    );
  };
}

/** Every mutating AWS call of a dev deploy; the fault tests check it against what a clean deploy really calls. */
export const DEV_MUTATING_CALLS = [
  'ec2:CreateVpc', 'ec2:ModifyVpcAttribute', 'ec2:CreateSubnet', 'ec2:ModifySubnetAttribute',
  'ec2:CreateInternetGateway', 'ec2:AttachInternetGateway', 'ec2:CreateRouteTable', 'ec2:CreateRoute',
  'ec2:AssociateRouteTable', 'ec2:CreateSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:RunInstances',
  'efs:CreateFileSystem', 'efs:CreateMountTarget',
  'iam:CreateRole', 'iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:TagRole', 'iam:CreateInstanceProfile', 'iam:AddRoleToInstanceProfile',
  'ssm:PutParameter',
];

/** A response lost on the way back (the call may have taken effect), and a refusal before it. */
export const LOST_RESPONSE: InjectedError = { name: 'InternalError', message: 'An internal error has occurred', status: 500 };
export const DENIED: InjectedError = { name: 'AccessDenied', message: 'User is not authorized to perform this action', status: 403 };

/** Deploys with one injected fault and returns the error it must end in (the fault firing exactly once). */
export async function failingDeploy(config: StackConfig, stateDir: string, rule: FaultRule): Promise<GeuseError> {
  const faults = new FaultInjector([rule]);
  const engine = testEngine({ stateDir, instrument: faults.instrument });
  try {
    await engine.deploy(config);
  } catch (error) {
    assert.ok(error instanceof GeuseError, `expected a GeuseError, got ${String(error)}`);
    assert.equal(faults.failures.length, 1, 'the fault fired once');
    return error;
  } finally {
    engine.dispose();
  }
  assert.fail(`deploy succeeded although ${rule.operation} failed`);
}
