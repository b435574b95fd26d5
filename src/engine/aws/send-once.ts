import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { classifyAwsError } from './classify';
import type { ServiceName } from './clients';

/**
 * Calls AWS would carry out a second time if the SDK re-sent them after a lost answer: creates with no
 * idempotency token (or one the emulator ignores), and associations whose repeat answers with an error
 * about the first. The SDK must not retry these blind; the engine looks for what the first attempt did
 * (resources/ensure.ts, resources/once.ts) and only then sends again.
 */
export const NOT_RESENT: ReadonlySet<string> = new Set([
  'ec2:CreateVpc', 'ec2:CreateSubnet', 'ec2:CreateInternetGateway', 'ec2:AttachInternetGateway', 'ec2:CreateRouteTable',
  'ec2:CreateRoute', 'ec2:AssociateRouteTable', 'ec2:CreateSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress',
  // Real EC2 honours RunInstances' ClientToken; looking first by tag keeps us right where it is not honoured.
  'ec2:RunInstances',
  // A repeat answers AlreadyExists about the first: the group is looked up by name and our stack id instead.
  'autoscaling:CreateAutoScalingGroup',
  // Real EC2 honours its ClientToken, the emulator does not: the version is looked for by its fingerprint first.
  'ec2:CreateLaunchTemplateVersion',
  'efs:CreateMountTarget',
  'iam:CreateRole', 'iam:CreateInstanceProfile', 'iam:AddRoleToInstanceProfile',
  // Its repeat answers NoSuchEntity in IAM and an HTML 500 in moto: looking whether the role is still in is right for both.
  'iam:RemoveRoleFromInstanceProfile',
  'ssm:PutParameter',
  'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:CreateListener',
  'elasticloadbalancing:CreateRule',
  'cloudfront:CreateDistributionWithTags', 'cloudfront:UpdateDistribution',
]);

const WRAPPER = 'GeuseMakerNotResent';

/** Throttling means AWS refused before acting, and a refused connection never reached it: both are safe to re-send. */
function safeToResend(error: unknown): boolean {
  if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ECONNREFUSED') return true;
  return classifyAwsError(error).kind === 'throttling';
}

export function operationName(service: ServiceName, context: unknown): string {
  return `${service}:${String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '')}`;
}

/**
 * Sits inside the SDK's retry loop. A failed attempt of a NOT_RESENT call leaves the loop wrapped in an
 * error the retry strategy treats as final; `unwrapNotResent` (outside the loop) gives the caller the
 * original AWS error back, marked `$notResent`.
 */
export function sendOnceMiddleware(service: ServiceName): FinalizeRequestMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (!NOT_RESENT.has(operationName(service, context)) || safeToResend(error)) throw error;
      throw Object.assign(new Error('not re-sent'), { name: WRAPPER, original: error });
    }
  };
}

export function unwrapNotResent(error: unknown): unknown {
  if (typeof error !== 'object' || error === null || (error as { name?: unknown }).name !== WRAPPER) return error;
  const original = (error as { original?: unknown }).original;
  if (typeof original === 'object' && original !== null) Object.assign(original, { $notResent: true });
  return original;
}
