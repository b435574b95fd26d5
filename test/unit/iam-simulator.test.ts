import assert from 'node:assert/strict';
import { awsSsmKeyPolicy, evaluate } from '../harness/iam-simulator';

const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const param = (name: string) => `arn:aws:ssm:us-east-1:123456789012:parameter${name}`;

describe('IAM policy simulator (test harness)', () => {
  it('an explicit deny anywhere wins over any allow; no allow is an implicit deny', () => {
    const deny = { Statement: { Effect: 'Deny', Action: 'ssm:GetParameter', Resource: param('/secret') } };
    assert.equal(evaluate([allowAll, deny], { action: 'ssm:GetParameter', resource: param('/secret') }), 'explicit-deny');
    assert.equal(evaluate([allowAll, deny], { action: 'ssm:GetParameter', resource: param('/other') }), 'allowed');
    assert.equal(evaluate([deny], { action: 'ssm:GetParameter', resource: param('/other') }), 'implicit-deny');
  });

  it('matches actions case-insensitively and resources case-sensitively, with * and ?', () => {
    const policy = { Statement: [{ Effect: 'Allow', Action: 'SSM:GetParam*', Resource: param('/app/?/key') }] };
    assert.equal(evaluate([policy], { action: 'ssm:getparameters', resource: param('/app/a/key') }), 'allowed');
    assert.equal(evaluate([policy], { action: 'ssm:GetParameter', resource: param('/app/ab/key') }), 'implicit-deny');
    assert.equal(evaluate([policy], { action: 'ssm:GetParameter', resource: param('/APP/a/key') }), 'implicit-deny');
    assert.equal(evaluate([policy], { action: 'ssm:PutParameter', resource: param('/app/a/key') }), 'implicit-deny');
  });

  it('NotAction and NotResource apply to everything they do not list; a wildcard never spans ARN parts', () => {
    const policy = { Statement: [{ Effect: 'Deny', NotAction: 'ssm:DescribeParameters', NotResource: ['arn:aws:ssm:*::parameter/aws/*'] }] };
    assert.equal(evaluate([allowAll, policy], { action: 'ssm:GetParameter', resource: param('/x') }), 'explicit-deny');
    assert.equal(evaluate([allowAll, policy], { action: 'ssm:DescribeParameters', resource: param('/x') }), 'allowed');
    assert.equal(evaluate([allowAll, policy], { action: 'ssm:GetParameter', resource: 'arn:aws:ssm:eu-west-1::parameter/aws/service/ami' }), 'allowed');
    // The region "*" may not swallow the account: an account's own /aws/... ARN is not a public parameter.
    assert.equal(evaluate([allowAll, policy], { action: 'ssm:GetParameter', resource: param('/aws/reference/secretsmanager/db') }), 'explicit-deny');
  });

  it('conditions: keys AND, values OR, a missing key fails positive operators and satisfies negated ones', () => {
    const policy = {
      Statement: [{
        Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': ['ssm.us-east-1.amazonaws.com', 'ssm.eu-west-1.amazonaws.com'], 'kms:CallerAccount': '123456789012' } },
      }],
    };
    const key = 'arn:aws:kms:us-east-1:123456789012:key/k';
    const request = (context: Record<string, string>) => ({ action: 'kms:Decrypt', resource: key, context });
    assert.equal(evaluate([policy], request({ 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com', 'kms:CallerAccount': '123456789012' })), 'allowed');
    assert.equal(evaluate([policy], request({ 'KMS:viaservice': 'ssm.us-east-1.amazonaws.com', 'kms:CallerAccount': '123456789012' })), 'allowed', 'key names are case-insensitive');
    assert.equal(evaluate([policy], request({ 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' })), 'implicit-deny');
    assert.equal(evaluate([policy], request({ 'kms:ViaService': 'SSM.us-east-1.amazonaws.com', 'kms:CallerAccount': '123456789012' })), 'implicit-deny', 'StringEquals is case-sensitive');

    const notLike = { Statement: [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotLike: { 'kms:EncryptionContext:PARAMETER_ARN': param('/own/*') } } }] };
    assert.equal(evaluate([allowAll, notLike], request({})), 'explicit-deny', 'StringNotLike with the key missing is true');
    assert.equal(evaluate([allowAll, notLike], request({ 'kms:EncryptionContext:PARAMETER_ARN': param('/own/a') })), 'allowed');
    assert.equal(evaluate([allowAll, notLike], request({ 'kms:EncryptionContext:PARAMETER_ARN': param('/other/a') })), 'explicit-deny');

    const bool = { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': true }, ArnLike: { 'aws:SourceArn': 'arn:aws:ec2:*:123456789012:instance/*' } } }] };
    const s3 = (context: Record<string, string>) => evaluate([bool], { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context });
    assert.equal(s3({ 'aws:SecureTransport': 'true', 'aws:SourceArn': 'arn:aws:ec2:us-east-1:123456789012:instance/i-1' }), 'allowed');
    assert.equal(s3({ 'aws:SecureTransport': 'false', 'aws:SourceArn': 'arn:aws:ec2:us-east-1:123456789012:instance/i-1' }), 'implicit-deny');
    assert.equal(s3({ 'aws:SourceArn': 'arn:aws:ec2:us-east-1:123456789012:instance/i-1' }), 'implicit-deny', 'Bool with the key missing is false');
  });

  it('refuses what it cannot evaluate instead of guessing', () => {
    const withOperator = (operator: string) => ({ Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { [operator]: { 'aws:SourceIp': '10.0.0.0/8' } } }] });
    for (const operator of ['IpAddress', 'StringEqualsIfExists', 'ForAnyValue:StringLike', 'NumericLessThan']) {
      assert.throws(() => evaluate([allowAll, withOperator(operator)], { action: 'ssm:GetParameter', resource: param('/x') }), /not supported/, operator);
    }
    assert.throws(() => evaluate([{ Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', NotAction: 'ssm:PutParameter', Resource: '*' }] }], { action: 'ssm:GetParameter', resource: '*' }));
    assert.throws(() => evaluate([{ Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] }], { action: 'ssm:GetParameter', resource: '*' }));
    assert.throws(() => evaluate([{ Statement: [{ Effect: 'Allow', NotPrincipal: { AWS: '*' }, Action: '*', Resource: '*' }] }], { action: 'ssm:GetParameter', resource: '*' }));
    assert.throws(() => evaluate([{ Statement: [{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:ssm:*:*:parameter/${aws:username}' }] }], { action: 'ssm:GetParameter', resource: param('/x') }), /Policy variables/);
    assert.throws(() => evaluate([awsSsmKeyPolicy('123456789012', 'us-east-1')], { action: 'kms:DescribeKey', resource: '*' }), /needs a principal/);
  });

  it('the aws/ssm key policy lets any principal of the account decrypt, but only through SSM', () => {
    const keyPolicy = awsSsmKeyPolicy('123456789012', 'us-east-1');
    const request = (context: Record<string, string>) => ({ action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:123456789012:key/k', principal: 'arn:aws:sts::123456789012:assumed-role/any/i-1', context });
    assert.equal(evaluate([keyPolicy], request({ 'kms:CallerAccount': '123456789012', 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' })), 'allowed');
    assert.equal(evaluate([keyPolicy], request({ 'kms:CallerAccount': '123456789012' })), 'implicit-deny');
    assert.equal(evaluate([keyPolicy], request({ 'kms:CallerAccount': '999999999999', 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' })), 'implicit-deny');
  });
});
