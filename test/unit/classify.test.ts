import assert from 'node:assert/strict';
import { classifyAwsError } from '../../src/engine/aws/classify';
import { exitCodeFor, GeuseError } from '../../src/engine/errors';

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

  it('maps kinds to CLI exit codes: 2 for invalid input, 3 for refusals, 1 otherwise', () => {
    assert.equal(exitCodeFor(new GeuseError({ code: 'X', kind: 'invalid-input', message: 'm', nextStep: 'n' })), 2);
    assert.equal(exitCodeFor(new GeuseError({ code: 'X', kind: 'refused', message: 'm', nextStep: 'n' })), 3);
    assert.equal(exitCodeFor(classifyAwsError(awsError('InternalError', 'x', 500))), 1);
    assert.equal(exitCodeFor(new Error('bug')), 1);
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
