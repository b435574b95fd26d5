import assert from 'node:assert/strict';
import { classifyAwsError, classifyIfAws } from '../../src/engine/aws/classify';
import { exitCodeFor, GeuseError, stackNotFound } from '../../src/engine/errors';

function awsError(name: string, message: string, status: number, operation?: string) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, ...(operation ? { $operation: operation } : {}) });
}

describe('AWS error classification', () => {
  const cases: [string, number, string][] = [
    ['RequestLimitExceeded', 503, 'throttling'],
    ['ThrottlingException', 400, 'throttling'],
    ['InsufficientInstanceCapacity', 500, 'capacity'],
    ['VcpuLimitExceeded', 400, 'quota'],
    ['UnauthorizedOperation', 403, 'permission'],
    ['InvalidVpcID.NotFound', 400, 'not-found'],
    ['NoSuchEntity', 404, 'not-found'],
    ['DependencyViolation', 400, 'conflict'],
    ['EntityAlreadyExists', 409, 'conflict'],
    ['InvalidParameterValue', 400, 'invalid-input'],
    ['InternalError', 500, 'transient'],
    ['SomethingNew', 418, 'unknown'],
    ['TooManyLoadBalancers', 400, 'quota'],
    ['TooManyTargetGroups', 400, 'quota'],
    ['TooManyListeners', 400, 'quota'],
    ['TooManyRules', 400, 'quota'],
    ['TooManyTags', 400, 'quota'],
    ['TooManyDistributions', 400, 'quota'],
    ['TooManyRequestsException', 429, 'throttling'],
    ['PreconditionFailed', 412, 'conflict'],
    ['DistributionNotDisabled', 409, 'conflict'],
  ];
  for (const [code, status, kind] of cases) {
    it(`${code} is ${kind}, with plain words and a next step`, () => {
      const error = classifyAwsError(awsError(code, 'details from AWS', status, 'ec2:CreateVpc'));
      assert.equal(error.kind, kind);
      assert.match(error.message, /ec2:CreateVpc/);
      assert.match(error.message, /details from AWS/);
      assert.ok(error.nextStep.length > 10);
    });
  }

  it('an expired SSO session tells the user to sign in again with their profile', () => {
    const error = classifyAwsError(awsError('CredentialsProviderError', 'The SSO session associated with this profile has expired or is otherwise invalid.', 0), { profile: 'work' });
    assert.equal(error.kind, 'permission');
    assert.equal(error.code, 'AWS_CREDENTIALS_EXPIRED');
    assert.match(error.nextStep, /aws sso login --profile work/);
  });

  it('an expired token from a call also points at sso login', () => {
    const error = classifyAwsError(awsError('ExpiredToken', 'The security token included in the request is expired', 400), { profile: 'dev' });
    assert.match(error.message, /expired/);
    assert.match(error.nextStep, /aws sso login --profile dev/);
  });

  it('missing credentials have their own code, so the editor can offer to choose a profile', () => {
    const error = classifyAwsError(awsError('CredentialsProviderError', 'Could not load credentials from any providers', 0));
    assert.equal(error.code, 'AWS_NO_CREDENTIALS');
    assert.equal(classifyAwsError(awsError('AccessDenied', 'not allowed', 403)).code, 'AWS_PERMISSION');
  });

  it('an unverified new account is told to ask AWS Support about CloudFront, not to grant an IAM permission', () => {
    // The real 403 CloudFront returns to new accounts on CreateDistribution.
    const real = awsError('AccessDenied', 'Your account must be verified before you can add new CloudFront resources. To verify your account, please contact AWS Support (https://console.aws.amazon.com/support/home#/) and include this error message.', 403, 'cloudfront:CreateDistribution');
    const error = classifyAwsError(real, { stack: 'lab' });
    assert.equal(error.code, 'CLOUDFRONT_ACCOUNT_NOT_VERIFIED');
    assert.equal(error.kind, 'quota');
    assert.match(error.message, /must be verified/);
    assert.match(error.nextStep, /AWS Support case/);
    assert.match(error.nextStep, /geusemaker destroy lab/);
    assert.doesNotMatch(error.nextStep, /IAM|Grant the permission/);
    assert.equal(classifyAwsError(real).nextStep.includes('geusemaker destroy <stack>'), true);
  });

  it('maps kinds to CLI exit codes: 2 for invalid input, 3 for refusals, 4 for no such stack, 1 otherwise', () => {
    assert.equal(exitCodeFor(new GeuseError({ code: 'UNKNOWN', kind: 'invalid-input', message: 'm', nextStep: 'n' })), 2);
    assert.equal(exitCodeFor(new GeuseError({ code: 'UNKNOWN', kind: 'refused', message: 'm', nextStep: 'n' })), 3);
    assert.equal(exitCodeFor(stackNotFound('nosuch', '/state')), 4);
    assert.equal(stackNotFound('nosuch', '/state').kind, 'not-found');
    // An AWS resource that is not there is a failure of the operation, not "no such stack".
    assert.equal(exitCodeFor(classifyAwsError(awsError('InvalidVpcID.NotFound', 'x', 400))), 1);
    assert.equal(exitCodeFor(classifyAwsError(awsError('InternalError', 'x', 500))), 1);
    assert.equal(exitCodeFor(new Error('bug')), 1);
  });
});

/** What Node and the SDK throw when the endpoint does not answer: no AWS code, Node's errno code and the address. */
function systemError(code: string, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { code, errno: -111, syscall: 'connect', $metadata: { attempts: 3 }, $operation: 'ec2:DescribeVpcs', ...extra });
}

describe('an endpoint that does not answer', () => {
  it('a refused connection says it got no answer from that address, and what to check — never "report it"', () => {
    const error = classifyAwsError(systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:4566', { address: '127.0.0.1', port: 4566 }));
    assert.equal(error.code, 'AWS_UNREACHABLE');
    assert.equal(error.kind, 'transient');
    assert.match(error.message, /ec2:DescribeVpcs got no answer from the endpoint at 127\.0\.0\.1:4566: the connection was refused/);
    assert.match(error.nextStep, /network/);
    assert.match(error.nextStep, /emulator or proxy/);
    assert.match(error.nextStep, /region/);
    assert.doesNotMatch(`${error.message} ${error.nextStep}`, /report it|unexpectedly/);
  });

  it('an unknown host, a timeout and a dropped connection are named, also when the SDK wraps them', () => {
    const host = classifyAwsError(systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND emulator.local', { syscall: 'getaddrinfo', hostname: 'emulator.local' }));
    assert.equal(host.code, 'AWS_UNREACHABLE');
    assert.match(host.message, /at emulator\.local: the host name was not found \(ENOTFOUND\)/);
    const wrapped = classifyAwsError(Object.assign(new Error('socket hang up'), { name: 'Error', $metadata: {}, cause: { code: 'ETIMEDOUT', address: '10.0.0.1', port: 443 } }));
    assert.equal(wrapped.code, 'AWS_UNREACHABLE');
    assert.match(wrapped.message, /10\.0\.0\.1:443: the connection timed out \(ETIMEDOUT\)/);
    const both = Object.assign(new AggregateError([{ code: 'ECONNRESET' }], ''), { $metadata: {} });
    assert.match(classifyAwsError(both).message, /the connection was dropped \(ECONNRESET\)/);
  });

  it('an endpoint that is not a URL is invalid input naming the three places it can be set', () => {
    const error = classifyAwsError(Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL', input: 'not a url', $operation: 'ec2:DescribeVpcs' }));
    assert.equal(error.code, 'ENDPOINT_INVALID');
    assert.equal(exitCodeFor(error), 2);
    assert.match(error.nextStep, /--endpoint, GEUSEMAKER_AWS_ENDPOINT or the geusemaker\.endpoint setting/);
  });

  it('missing credentials stay a credentials problem although the metadata-service probe behind them was refused', () => {
    const error = classifyAwsError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError', cause: { code: 'ECONNREFUSED' } }), { profile: 'work' });
    assert.equal(error.code, 'AWS_NO_CREDENTIALS');
    assert.match(error.nextStep, /aws sso login --profile work/);
  });

  it('classifyIfAws words AWS, credential and network errors, and leaves a genuine bug alone', () => {
    assert.equal(classifyIfAws(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }))?.code, 'AWS_NO_CREDENTIALS');
    assert.equal(classifyIfAws(systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'))?.code, 'AWS_UNREACHABLE');
    assert.equal(classifyIfAws(awsError('AccessDenied', 'no', 403))?.code, 'AWS_PERMISSION');
    assert.equal(classifyIfAws(new TypeError("Cannot read properties of undefined (reading 'x')")), undefined);
    assert.equal(classifyIfAws(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', syscall: 'open' })), undefined);
  });
});

describe('collisions are conflicts, with advice that fits', () => {
  const conflicts = ['InvalidSubnet.Conflict', 'InvalidGroup.Duplicate', 'Resource.AlreadyAssociated', 'RouteAlreadyExists', 'PriorityInUse', 'Gateway.NotAttached', 'InvalidIPAddress.InUse', 'IncorrectState', 'DistributionAlreadyExists'];
  for (const code of conflicts) {
    it(`${code} is a conflict: run again (an earlier attempt's resource is reused), not "check your configuration" or "report it"`, () => {
      const error = classifyAwsError(awsError(code, 'details from AWS', 400, 'ec2:CreateSubnet'));
      assert.equal(error.kind, 'conflict');
      assert.equal(error.code, 'AWS_CONFLICT');
      assert.match(error.nextStep, /run the command again/);
      assert.doesNotMatch(error.nextStep, /configuration \(instance type|report it|quota/i);
    });
  }

  it('LimitExceeded from iam:AddRoleToInstanceProfile is a profile already holding its one role, not a quota', () => {
    const error = classifyAwsError(awsError('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', 409, 'iam:AddRoleToInstanceProfile'));
    assert.equal(error.kind, 'conflict');
    assert.equal(error.code, 'AWS_CONFLICT');
    assert.match(error.message, /already holds a role, and an instance profile holds only one/);
    assert.match(error.message, /Cannot exceed quota/, 'AWS\'s own words are kept');
    assert.doesNotMatch(error.nextStep, /Service Quotas|higher limit/);
    assert.match(error.nextStep, /remove-role-from-instance-profile/);
    // Elsewhere the same code is the account limit it says it is.
    assert.equal(classifyAwsError(awsError('LimitExceeded', 'Cannot exceed quota for RolesPerAccount: 1000', 409, 'iam:CreateRole')).kind, 'quota');
  });
});

describe('an answer that is not an AWS answer (an emulator without the API, a proxy\'s page)', () => {
  const SDK_HTML_ERROR = 'Unexpected token \'<\', "<!doctype "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.';
  /** What the SDK throws when moto answers an action it lacks with its HTML 500 page (seen from DescribeInstanceInformation). */
  const htmlAnswer = (operation = 'ssm:DescribeInstanceInformation') => Object.assign(new SyntaxError(SDK_HTML_ERROR), { $metadata: { httpStatusCode: 500 }, $operation: operation });

  it('has its own code, names the operation, and says none of the parser\'s or the SDK\'s internals', () => {
    const error = classifyAwsError(htmlAnswer());
    assert.equal(error.code, 'ENDPOINT_API_MISSING');
    assert.equal(error.operation, 'ssm:DescribeInstanceInformation');
    assert.match(error.message, /ssm:DescribeInstanceInformation got an answer that is not an AWS answer \(HTTP 500, a web page\): the endpoint does not implement this API/);
    assert.doesNotMatch(`${error.message} ${error.nextStep}`, /Deserialization|\$response|Unexpected token|doctype|SyntaxError/);
    assert.doesNotMatch(error.nextStep, /resumes where it stopped/, 'running again gets the same answer');
    assert.equal(exitCodeFor(error), 1);
    assert.equal(classifyIfAws(htmlAnswer())?.code, 'ENDPOINT_API_MISSING');
  });

  it('an HTML content type alone is enough; our own JSON.parse failing is not this', () => {
    const page = Object.assign(new Error('char 0: unexpected <'), { name: 'Error', $metadata: { httpStatusCode: 502 }, $response: { statusCode: 502, headers: { 'content-type': 'text/html; charset=utf-8' } } });
    assert.equal(classifyAwsError(page).code, 'ENDPOINT_API_MISSING');
    let parseError: unknown;
    try {
      JSON.parse('<html>');
    } catch (error) {
      parseError = error;
    }
    assert.notEqual(classifyAwsError(parseError).code, 'ENDPOINT_API_MISSING');
  });

  it('the SDK\'s note about its hidden field is dropped from what AWS said on any error', () => {
    const error = classifyAwsError(Object.assign(awsError('InternalError', 'Oops.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.', 500, 'ec2:CreateVpc'), { Code: 'InternalError' }));
    assert.equal(error.code, 'AWS_TRANSIENT');
    assert.match(error.message, /AWS said: Oops\.$/);
  });
});

describe('generated secrets', () => {
  it('owner passwords always carry a digit, an uppercase and a lowercase letter (n8n refuses others)', async () => {
    const { generateSecret } = await import('../../src/engine/resources/secrets');
    for (let i = 0; i < 500; i++) {
      const secret = generateSecret(18, true);
      assert.match(secret, /[0-9]/);
      assert.match(secret, /[A-Z]/);
      assert.match(secret, /[a-z]/);
    }
    assert.notEqual(generateSecret(32), generateSecret(32));
  });
});
