import { GeuseError, type ErrorCode, type ErrorKind } from '../errors';
import { describeOperation, networkError, systemErrorOf } from './network-errors';

export { ENDPOINT_EXAMPLE } from './network-errors';

/** The shape AWS SDK v3 service exceptions have; anything else is treated as unknown. */
interface AwsLikeError {
  name: string;
  message?: string;
  Code?: string;
  /** Set by the client factory's middleware: the action that failed, e.g. ec2:CreateVpc. */
  $operation?: string;
  $metadata?: { httpStatusCode?: number };
  /** Node's system error code (ECONNREFUSED…), which the SDK passes through unchanged. */
  code?: unknown;
  cause?: unknown;
}

function isAwsLike(value: unknown): value is AwsLikeError {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

const byCode: Record<string, ErrorKind> = {
  // throttling
  Throttling: 'throttling', ThrottlingException: 'throttling', RequestLimitExceeded: 'throttling',
  TooManyRequestsException: 'throttling', RequestThrottled: 'throttling', SlowDown: 'throttling',
  // capacity
  InsufficientInstanceCapacity: 'capacity', InsufficientCapacity: 'capacity', UnfulfillableCapacity: 'capacity',
  SpotMaxPriceTooLow: 'capacity', InsufficientFreeAddressesInSubnet: 'capacity', InsufficientThroughputCapacity: 'capacity',
  // quota
  VcpuLimitExceeded: 'quota', InstanceLimitExceeded: 'quota', MaxSpotInstanceCountExceeded: 'quota',
  VpcLimitExceeded: 'quota', LimitExceeded: 'quota', LimitExceededException: 'quota',
  FileSystemLimitExceeded: 'quota', ParameterLimitExceeded: 'quota', ServiceQuotaExceededException: 'quota',
  RulesPerSecurityGroupLimitExceeded: 'quota', SecurityGroupLimitExceeded: 'quota', AddressLimitExceeded: 'quota',
  // permission
  UnauthorizedOperation: 'permission', AccessDenied: 'permission', AccessDeniedException: 'permission',
  AuthFailure: 'permission', InvalidClientTokenId: 'permission', UnrecognizedClientException: 'permission',
  ExpiredToken: 'permission', ExpiredTokenException: 'permission', OptInRequired: 'permission',
  SignatureDoesNotMatch: 'permission', CredentialsProviderError: 'permission', TokenProviderError: 'permission',
  // not found
  NoSuchEntity: 'not-found', NoSuchEntityException: 'not-found', ParameterNotFound: 'not-found',
  FileSystemNotFound: 'not-found', MountTargetNotFound: 'not-found', ResourceNotFoundException: 'not-found',
  // conflict
  EntityAlreadyExists: 'conflict', EntityAlreadyExistsException: 'conflict', ParameterAlreadyExists: 'conflict',
  FileSystemAlreadyExists: 'conflict', MountTargetConflict: 'conflict', DependencyViolation: 'conflict',
  ResourceInUse: 'conflict', FileSystemInUse: 'conflict', DeleteConflict: 'conflict', DeleteConflictException: 'conflict',
  IncorrectFileSystemLifeCycleState: 'conflict', IncorrectMountTargetState: 'conflict', InvalidGroup_Duplicate: 'conflict',
  'InvalidGroup.Duplicate': 'conflict', 'InvalidPermission.Duplicate': 'conflict', IdempotentParameterMismatch: 'conflict',
  ConcurrentModification: 'conflict', ConcurrentModificationException: 'conflict', 'Resource.AlreadyAssociated': 'conflict',
  // CloudFront: a stale ETag, or deleting a distribution still being disabled
  PreconditionFailed: 'conflict', DistributionNotDisabled: 'conflict',
  // invalid input
  ValidationError: 'invalid-input', ValidationException: 'invalid-input', InvalidParameterValue: 'invalid-input',
  InvalidParameterCombination: 'invalid-input', InvalidParameter: 'invalid-input', MissingParameter: 'invalid-input',
  Unsupported: 'invalid-input', MalformedPolicyDocument: 'invalid-input', BadRequest: 'invalid-input',
  InvalidInstanceType: 'invalid-input', InvalidAMIID_Malformed: 'invalid-input', 'InvalidAMIID.Malformed': 'invalid-input',
  // transient
  InternalError: 'transient', InternalFailure: 'transient', InternalServerError: 'transient', ServiceUnavailable: 'transient',
  ServiceUnavailableException: 'transient', Unavailable: 'transient', RequestTimeout: 'transient', RequestTimeoutException: 'transient',
  TimeoutError: 'transient',
  // ELB: a rule priority taken (by a rule an earlier attempt made, or another one)
  PriorityInUse: 'conflict',
};

const CREDENTIAL_ERRORS = /^(CredentialsProviderError|TokenProviderError)$/;

function kindOf(code: string, status: number | undefined): ErrorKind {
  const direct = byCode[code];
  if (direct) return direct;
  // ELB and CloudFront name their limits TooManyLoadBalancers, TooManyRules, TooManyDistributions...
  if (/^TooMany/.test(code)) return 'quota';
  // RDS and ElastiCache say Fault: DBInstanceNotFoundFault, ReplicationGroupAlreadyExistsFault, InsufficientDBInstanceCapacityFault.
  if (/^Insufficient\w*Capacity(Fault)?$/.test(code)) return 'capacity';
  if (/(QuotaExceeded|QuotaForCustomerExceeded)(Fault)?$/.test(code)) return 'quota';
  if (code.endsWith('NotFoundFault')) return 'not-found';
  if (/(AlreadyExists|State)Fault$/.test(code)) return 'conflict';
  if (code.endsWith('.NotFound') || code.endsWith('NotFound') || code.startsWith('NoSuch')) return 'not-found';
  // Before the Invalid… rule: InvalidSubnet.Conflict (a CIDR taken) and InvalidIPAddress.InUse are collisions, not bad values.
  if (/(\.Duplicate|AlreadyExists|AlreadyAssociated|Conflict|InUse|\.NotAttached)$/.test(code) || code.startsWith('Incorrect')) return 'conflict';
  if (code.endsWith('.Malformed') || code.startsWith('Invalid')) return 'invalid-input';
  if (status === 429) return 'throttling';
  if (status === 403) return 'permission';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status !== undefined && status >= 500) return 'transient';
  return 'unknown';
}

export interface ClassifyContext {
  operation?: string;
  profile?: string;
  region?: string;
  /** The stack being worked on, so a next step can name the command to run. */
  stack?: string;
}

/** New accounts get a 403 AccessDenied from CloudFront until AWS Support verifies them: not an IAM problem. */
const CLOUDFRONT_NOT_VERIFIED = /account must be verified.*CloudFront/i;


/** Credential problems get their own codes: the UI offers a different fix for each (sign in, choose a profile). */
function credentialCode(code: string, awsMessage: string): ErrorCode | undefined {
  if (/ExpiredToken|expired|SSO/i.test(`${code} ${awsMessage}`)) return 'AWS_CREDENTIALS_EXPIRED';
  if (code === 'CredentialsProviderError' || code === 'TokenProviderError') return 'AWS_NO_CREDENTIALS';
  return undefined;
}

/** The SDK's note on an answer it could not parse: it points at a hidden field no user can inspect. */
const SDK_RAW_RESPONSE_NOTE = /\s*Deserialization error: to see the raw response, inspect the hidden field \{error\}\.\$response on this object\.?/g;

/** What AWS (or the SDK) said, without the SDK's notes for programmers. */
export function awsSaid(message: string): string {
  return message.replace(SDK_RAW_RESPONSE_NOTE, '').trim();
}

/**
 * An answer the SDK could not read as the service's: a web page (an emulator answering an API it lacks, a proxy's
 * error page) or text that does not parse. Only errors from an SDK call count; our own JSON.parse is not this.
 */
function unreadableAnswer(error: AwsLikeError): { status?: number; page: boolean } | undefined {
  // A parsed error code means the answer was readable after all.
  if ((error.$metadata === undefined && error.$operation === undefined) || error.Code !== undefined) return undefined;
  const response = (error as { $response?: { headers?: Record<string, string | undefined> } }).$response;
  const message = error.message ?? '';
  const page = /text\/html/i.test(response?.headers?.['content-type'] ?? '') || /Unexpected token '<'|<!doctype|<html/i.test(message);
  if (!page && !SDK_RAW_RESPONSE_NOTE.test(message) && !(error.name === 'SyntaxError' && error.Code === undefined)) return undefined;
  SDK_RAW_RESPONSE_NOTE.lastIndex = 0;
  return { status: error.$metadata?.httpStatusCode, page };
}

function apiMissing(error: AwsLikeError, answer: { status?: number; page: boolean }, ctx: ClassifyContext): GeuseError {
  const what = [answer.status ? `HTTP ${answer.status}` : undefined, answer.page ? 'a web page' : 'not readable'].filter(Boolean).join(', ');
  return new GeuseError({
    code: 'ENDPOINT_API_MISSING', kind: 'unknown', cause: error, operation: ctx.operation,
    message: `${describeOperation(ctx.operation)} got an answer that is not an AWS answer (${what}): the endpoint does not implement this API.`,
    nextStep: 'If GeuseMaker points at an emulator (--endpoint, GEUSEMAKER_AWS_ENDPOINT or the geusemaker.endpoint setting), it lacks this API: use real AWS for what needs it. Otherwise something between you and AWS answered instead: check HTTPS_PROXY and your network.',
  });
}

function plainWords(kind: ErrorKind, code: string, awsMessage: string, ctx: ClassifyContext): { message: string; nextStep: string } {
  const op = describeOperation(ctx.operation);
  const said = awsSaid(awsMessage);
  const detail = said ? ` AWS said: ${said}` : '';
  const profileFlag = ctx.profile ? ` --profile ${ctx.profile}` : '';
  switch (kind) {
    case 'throttling':
      return { message: `${op} was throttled by AWS (${code}) and kept being throttled after retries.${detail}`, nextStep: 'Wait a minute and run the command again; raise the retry attempts setting if this repeats.' };
    case 'capacity':
      return { message: `${op} failed because AWS has no spare capacity for this request right now (${code}).${detail}`, nextStep: 'Try another instance type or region, allow on-demand fallback, or try again later.' };
    case 'quota':
      return { message: `${op} failed because an account limit was reached (${code}).${detail}`, nextStep: 'Remove unused resources or request a higher limit in the Service Quotas console, then run again.' };
    case 'permission':
      if (credentialCode(code, awsMessage) === 'AWS_CREDENTIALS_EXPIRED') {
        return { message: `Your AWS credentials have expired (${code}).${detail}`, nextStep: `Sign in again: run \`aws sso login${profileFlag}\` (or refresh your credentials), then run the command again.` };
      }
      if (credentialCode(code, awsMessage) === 'AWS_NO_CREDENTIALS') {
        return { message: `No usable AWS credentials were found (${code}).${detail}`, nextStep: `Configure credentials (\`aws configure${profileFlag}\` or \`aws sso login${profileFlag}\`), or pass --profile, then run again.` };
      }
      return { message: `${op} was denied: these credentials are not allowed to do it (${code}).${detail}`, nextStep: `Grant the permission for ${ctx.operation ?? 'this action'} to your IAM user or role, or use another --profile, then run again.` };
    case 'not-found':
      return { message: `${op} failed: the resource it refers to does not exist (${code}).${detail}`, nextStep: 'Check the IDs and region in your configuration; if the resource was deleted outside GeuseMaker, run deploy again to recreate it.' };
    case 'conflict':
      return {
        message: `${op} conflicted with the current state of a resource (${code}).${detail}`,
        // Not "your configuration": a repeat of our own earlier call is the commonest cause, and a re-run finds what it made.
        nextStep: 'Wait a minute and run the command again: a resource still changing settles by then, and a deploy finds and reuses what an earlier attempt made. If it fails the same way, look up the resource AWS names in the AWS console and remove or change what it collides with.',
      };
    case 'invalid-input':
      return { message: `AWS rejected ${ctx.operation ?? 'a request'} as invalid (${code}).${detail}`, nextStep: 'Check the values in your stack configuration (instance type, region, network IDs) and run again; if they are right, AWS refused a request GeuseMaker built: report it with this message.' };
    case 'transient':
      return { message: `${op} failed with a temporary AWS or network error (${code}).${detail}`, nextStep: 'Run the command again; it resumes where it stopped.' };
    default:
      return { message: `${op} failed unexpectedly (${code}).${detail}`, nextStep: 'Run the command again; if it fails the same way, report it with this message.' };
  }
}

/** Where an error code alone misleads: what it means for this one operation. */
const OPERATION_SPECIFIC: Readonly<Record<string, { kind: ErrorKind; means: string; nextStep: string }>> = {
  // AWS words "an instance profile holds one role" as a quota, but no quota raise helps.
  'iam:AddRoleToInstanceProfile LimitExceeded': {
    kind: 'conflict',
    means: 'the instance profile already holds a role, and an instance profile holds only one (this is not an account quota)',
    nextStep: 'Run the command again: when the role in it is this stack\'s own (an earlier attempt added it), the deploy goes on. If it fails the same way, another role is in the profile: remove it (IAM console, or `aws iam remove-role-from-instance-profile`), then run again.',
  },
};

/** Turns anything thrown by an AWS SDK call into a GeuseError with a kind, plain words and a next step. */
/** The code of each kind an AWS answer is classified as. */
const AWS_KIND_CODES: Record<ErrorKind, ErrorCode> = {
  throttling: 'AWS_THROTTLING', capacity: 'AWS_CAPACITY', quota: 'AWS_QUOTA', permission: 'AWS_PERMISSION', 'not-found': 'AWS_NOT_FOUND',
  conflict: 'AWS_CONFLICT', 'invalid-input': 'AWS_INVALID_INPUT', transient: 'AWS_TRANSIENT', unknown: 'AWS_UNKNOWN', refused: 'AWS_UNKNOWN', cancelled: 'CANCELLED',
};

export function classifyAwsError(error: unknown, ctx: ClassifyContext = {}): GeuseError {
  if (error instanceof GeuseError) return error;
  if (!isAwsLike(error)) {
    const text = String(error);
    return new GeuseError({ code: 'UNKNOWN', kind: 'unknown', ...plainWords('unknown', 'Unknown', text, ctx), cause: error, operation: ctx.operation });
  }
  ctx = { ...ctx, operation: ctx.operation ?? error.$operation };
  // A credential error may carry the failed metadata-service probe as its cause: it is still about credentials.
  const system = error.Code === undefined && !CREDENTIAL_ERRORS.test(error.name) ? systemErrorOf(error) : undefined;
  if (system) return networkError(system, error, ctx);
  const unreadable = unreadableAnswer(error);
  if (unreadable) return apiMissing(error, unreadable, ctx);
  const code = error.Code ?? error.name;
  const special = OPERATION_SPECIFIC[`${ctx.operation ?? ''} ${code}`];
  if (special) {
    return new GeuseError({ code: AWS_KIND_CODES[special.kind], kind: special.kind, cause: error, operation: ctx.operation,
      message: `${describeOperation(ctx.operation)} failed: ${special.means} (${code}).${error.message ? ` AWS said: ${error.message}` : ''}`, nextStep: special.nextStep });
  }
  const status = error.$metadata?.httpStatusCode;
  if (CLOUDFRONT_NOT_VERIFIED.test(error.message ?? '')) {
    const stack = ctx.stack ?? '<stack>';
    return new GeuseError({
      code: 'CLOUDFRONT_ACCOUNT_NOT_VERIFIED', kind: 'quota', cause: error, operation: ctx.operation,
      message: `${describeOperation(ctx.operation)} failed: AWS has not yet verified this account for CloudFront (${code}). AWS said: ${error.message ?? ''}`,
      nextStep: `Open an AWS Support case quoting this message and ask for the account to be verified for CloudFront. Meanwhile the load balancer bills: run \`geusemaker destroy ${stack}\`, or run deploy again once AWS confirms.`,
    });
  }
  const kind = kindOf(code, status);
  const words = plainWords(kind, code, error.message ?? '', ctx);
  const geuseCode = (kind === 'permission' ? credentialCode(code, error.message ?? '') : undefined) ?? AWS_KIND_CODES[kind];
  return new GeuseError({ code: geuseCode, kind, ...words, cause: error, operation: ctx.operation });
}

/** The AWS error code of something thrown, or undefined when it is not an AWS error. */
export function awsErrorCode(error: unknown): string | undefined {
  if (error instanceof GeuseError) return awsErrorCode(error.cause);
  return isAwsLike(error) ? (error.Code ?? error.name) : undefined;
}

export function isNotFound(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code !== undefined && kindOf(code, undefined) === 'not-found';
}

/**
 * The classified error when `error` came from AWS, the SDK or the network (credentials, a refused connection);
 * undefined for anything else, which is a bug in GeuseMaker and should say so.
 */
export function classifyIfAws(error: unknown, ctx: ClassifyContext = {}): GeuseError | undefined {
  if (error instanceof GeuseError) return error;
  if (!isAwsLike(error)) return undefined;
  const fromSdk = error.$metadata !== undefined || error.$operation !== undefined || error.Code !== undefined;
  return fromSdk || CREDENTIAL_ERRORS.test(error.name) || systemErrorOf(error) !== undefined ? classifyAwsError(error, ctx) : undefined;
}
