import assert from 'node:assert/strict';
import type { RequestLaunchTemplateData, RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { GetPolicyCommand, GetPolicyVersionCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClients, ClientInstrument } from '../../src/engine/aws/clients';
import { bootstrapStatusParameter } from '../../src/engine/bootstrap/status';
import { renderSecretsPolicy, SSM_CORE_POLICY_ARN } from '../../src/engine/resources/iam';
import { names } from '../../src/engine/stack/naming';
import { devConfig, gpuConfig, inspector, launchTemplateData, testEngine } from '../harness/engine';
import { awsSsmKeyPolicy, evaluate, type IamRequest } from '../harness/iam-simulator';
import { testEmulator } from '../harness/root-hooks';

const REGION = 'us-east-1';
const READS = ['ssm:GetParameter', 'ssm:GetParameters'];

/** IAM returns policy documents URL-encoded. */
const decodePolicy = (document: string | undefined): unknown => JSON.parse(decodeURIComponent(document ?? ''));

/** What the role really has in AWS: its attached managed policies and its inline ones, read back document by document. */
async function rolePolicies(aws: AwsClients, roleName: string): Promise<{ managed: unknown[]; inline: unknown[] }> {
  const attached = (await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? [];
  const managed: unknown[] = [];
  for (const { PolicyArn } of attached) {
    const policy = (await aws.iam.send(new GetPolicyCommand({ PolicyArn }))).Policy;
    const version = (await aws.iam.send(new GetPolicyVersionCommand({ PolicyArn, VersionId: policy?.DefaultVersionId }))).PolicyVersion;
    managed.push(decodePolicy(version?.Document));
  }
  const inline: unknown[] = [];
  for (const PolicyName of (await aws.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? []) {
    inline.push(decodePolicy((await aws.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName }))).PolicyDocument));
  }
  assert.deepEqual(attached.map((p) => p.PolicyArn), [SSM_CORE_POLICY_ARN], 'the SSM agent\'s managed policy stays attached');
  return { managed, inline };
}

/** Two stacks side by side in one account, and what alpha's instance role is made of. */
async function alphaNextToBeta() {
  const engine = testEngine();
  await engine.deploy(devConfig({ name: 'alpha' }));
  await engine.deploy(devConfig({ name: 'beta' }));
  engine.dispose();
  const aws = inspector(REGION);
  try {
    const accountId = (await aws.sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
    const arnOf = async (name: string) => (await aws.ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.ARN ?? assert.fail(`${name} does not exist`);
    const { managed, inline } = await rolePolicies(aws, names.role('alpha'));
    return {
      accountId,
      managed,
      policies: [...managed, ...inline],
      // The ARNs AWS reports for the parameters the deploys really created.
      alphaSecret: await arnOf(names.parameter('alpha', 'postgres-password')),
      betaSecret: await arnOf(names.parameter('beta', 'postgres-password')),
      principal: `arn:aws:sts::${accountId}:assumed-role/${names.role('alpha')}/i-0123456789abcdef0`,
    };
  } finally {
    aws.destroy();
  }
}

/** kms:Decrypt as SSM makes it while answering GetParameter --with-decryption for the parameter. */
function decryptThroughSsm(accountId: string, principal: string, parameterArn: string): IamRequest {
  return {
    action: 'kms:Decrypt',
    resource: `arn:aws:kms:${REGION}:${accountId}:key/00000000-0000-0000-0000-000000000000`,
    principal,
    context: { 'kms:ViaService': `ssm.${REGION}.amazonaws.com`, 'kms:CallerAccount': accountId, 'kms:EncryptionContext:PARAMETER_ARN': parameterArn },
  };
}

/** Records every launch input: RunInstances (nothing may launch outside the group) and the launch template's data. */
function captureLaunches(): { instrument: ClientInstrument; runInstances: RunInstancesCommandInput[]; templates: RequestLaunchTemplateData[] } {
  const runInstances: RunInstancesCommandInput[] = [];
  const templates: RequestLaunchTemplateData[] = [];
  const instrument: ClientInstrument = (client, service) => {
    if (service !== 'ec2') return;
    client.middlewareStack.add((next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName;
      const input = (args as { input: Record<string, unknown> }).input;
      if (command === 'RunInstancesCommand') runInstances.push(input as unknown as RunInstancesCommandInput);
      if (command === 'CreateLaunchTemplateCommand' || command === 'CreateLaunchTemplateVersionCommand') templates.push(input.LaunchTemplateData as RequestLaunchTemplateData);
      return next(args);
    }, { step: 'initialize', name: 'captureLaunches' });
  };
  return { instrument, runInstances, templates };
}

/** The hop limit every instance of the stack is launched with, as EC2 keeps it in the group's launch template. */
async function templateHopLimit(stack: string): Promise<number | undefined> {
  const aws = inspector(REGION);
  try {
    const data = await launchTemplateData(aws, stack);
    assert.equal(data.MetadataOptions?.HttpTokens, 'required');
    return data.MetadataOptions?.HttpPutResponseHopLimit;
  } finally {
    aws.destroy();
  }
}

function assertLaunchedWithHopLimit1(launches: ReturnType<typeof captureLaunches>, templateVersions: number): void {
  assert.equal(launches.runInstances.length, 0, 'nothing is launched outside the Auto Scaling group');
  assert.equal(launches.templates.length, templateVersions, 'launch template versions written');
  for (const data of launches.templates) assert.deepEqual(data.MetadataOptions, { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 });
}

describe('instance role: each stack\'s instance reaches only its own secrets', function () {
  this.timeout(120_000);
  // Deployed once: the tests only evaluate the documents read back (the emulator is reset between tests).
  let deployed: Awaited<ReturnType<typeof alphaNextToBeta>>;
  before(async function () {
    this.timeout(120_000);
    await testEmulator().reset(); // The root hooks reset only before each test: start from an empty account.
    deployed = await alphaNextToBeta();
  });

  it('one stack\'s instance cannot read another stack\'s secrets', async () => {
    const { managed, policies, alphaSecret, betaSecret } = deployed;
    // The hole the denies close: the SSM agent's managed policy alone lets alpha read beta's parameters.
    assert.equal(evaluate(managed, { action: 'ssm:GetParameter', resource: betaSecret }), 'allowed');
    for (const action of READS) {
      assert.equal(evaluate(policies, { action, resource: alphaSecret }), 'allowed', `${action} on its own secret`);
      assert.equal(evaluate(policies, { action, resource: betaSecret }), 'explicit-deny', `${action} on beta's secret`);
    }
    const betaPath = betaSecret.slice(0, betaSecret.lastIndexOf('/'));
    assert.match(betaPath, /:parameter\/geusemaker\/beta$/);
    for (const action of ['ssm:GetParametersByPath', 'ssm:GetParameterHistory']) {
      assert.equal(evaluate(policies, { action, resource: betaPath }), 'explicit-deny', `${action} on /geusemaker/beta`);
    }
    assert.equal(evaluate(policies, { action: 'ssm:GetParameterHistory', resource: betaSecret }), 'explicit-deny');
    // AWS's public parameters (e.g. the latest AMI ids) stay readable.
    assert.equal(evaluate(policies, { action: 'ssm:GetParameter', resource: `arn:aws:ssm:${REGION}::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64` }), 'allowed');
  });

  it('one stack\'s instance cannot decrypt another stack\'s secrets through SSM', async () => {
    const { accountId, policies, alphaSecret, betaSecret, principal } = deployed;
    const keyPolicy = awsSsmKeyPolicy(accountId, REGION);
    // The key policy alone lets any principal of the account decrypt any parameter through SSM.
    assert.equal(evaluate([keyPolicy], decryptThroughSsm(accountId, principal, betaSecret)), 'allowed');
    assert.equal(evaluate([keyPolicy, ...policies], decryptThroughSsm(accountId, principal, alphaSecret)), 'allowed', 'its own secret');
    assert.equal(evaluate([keyPolicy, ...policies], decryptThroughSsm(accountId, principal, betaSecret)), 'explicit-deny', 'beta\'s secret');
    const withoutContext = decryptThroughSsm(accountId, principal, alphaSecret);
    delete withoutContext.context?.['kms:EncryptionContext:PARAMETER_ARN'];
    assert.equal(evaluate([keyPolicy, ...policies], withoutContext), 'explicit-deny', 'a decrypt through SSM that names no parameter');
  });

  it('an instance reports its own bootstrap status, and can neither read nor overwrite another stack\'s', async () => {
    const { accountId, policies } = deployed;
    const status = (stack: string) => `arn:aws:ssm:${REGION}:${accountId}:parameter${bootstrapStatusParameter(stack)}`;
    assert.equal(evaluate(policies, { action: 'ssm:PutParameter', resource: status('alpha') }), 'allowed');
    assert.equal(evaluate(policies, { action: 'ssm:PutParameter', resource: status('beta') }), 'implicit-deny');
    assert.equal(evaluate(policies, { action: 'ssm:PutParameter', resource: `arn:aws:ssm:${REGION}:${accountId}:parameter${names.parameter('alpha', 'postgres-password')}` }), 'implicit-deny', 'nor its own secrets');
    assert.equal(evaluate(policies, { action: 'ssm:GetParameter', resource: status('beta') }), 'explicit-deny');
  });

  it('a stack named "demo" cannot read the secrets of a stack named "demo2"', async () => {
    const accountId = '123456789012';
    const aws = inspector(REGION);
    let managed: unknown;
    try {
      // The managed policy as AWS publishes it (moto loads AWS's copies); no stack needs to exist.
      const policy = (await aws.iam.send(new GetPolicyCommand({ PolicyArn: SSM_CORE_POLICY_ARN }))).Policy;
      managed = decodePolicy((await aws.iam.send(new GetPolicyVersionCommand({ PolicyArn: SSM_CORE_POLICY_ARN, VersionId: policy?.DefaultVersionId }))).PolicyVersion?.Document);
    } finally {
      aws.destroy();
    }
    const policies = [managed, JSON.parse(renderSecretsPolicy(REGION, accountId, 'demo'))];
    const param = (name: string) => `arn:aws:ssm:${REGION}:${accountId}:parameter${name}`;
    const principal = `arn:aws:sts::${accountId}:assumed-role/${names.role('demo')}/i-0123456789abcdef0`;
    const keyPolicy = awsSsmKeyPolicy(accountId, REGION);
    for (const action of READS) {
      assert.equal(evaluate(policies, { action, resource: param('/geusemaker/demo/postgres-password') }), 'allowed');
      assert.equal(evaluate(policies, { action, resource: param('/geusemaker/demo2/postgres-password') }), 'explicit-deny');
    }
    assert.equal(evaluate(policies, { action: 'ssm:GetParametersByPath', resource: param('/geusemaker/demo2') }), 'explicit-deny');
    assert.equal(evaluate([keyPolicy, ...policies], decryptThroughSsm(accountId, principal, param('/geusemaker/demo/postgres-password'))), 'allowed');
    assert.equal(evaluate([keyPolicy, ...policies], decryptThroughSsm(accountId, principal, param('/geusemaker/demo2/postgres-password'))), 'explicit-deny');
  });
});

describe('instance metadata: no container on the instance can take the instance role\'s credentials', function () {
  this.timeout(120_000);

  it('every dev instance, first launch and after pause and resume, answers IMDS one hop only', async () => {
    const launches = captureLaunches();
    const engine = testEngine({ instrument: launches.instrument });
    try {
      const deployed = await engine.deploy(devConfig({ name: 'alpha' }));
      assertLaunchedWithHopLimit1(launches, 1);
      assert.equal(await templateHopLimit('alpha'), 1);
      await engine.pause('alpha');
      const resumed = await engine.resume('alpha');
      // The same settings: the group launches the new instance from the same template version.
      assertLaunchedWithHopLimit1(launches, 1);
      assert.notEqual(resumed.state.resources.instance?.id, deployed.state.resources.instance?.id);
      assert.equal(await templateHopLimit('alpha'), 1);
    } finally {
      engine.dispose();
    }
  });

  it('a gpu instance answers IMDS one hop only', async function () {
    this.timeout(180_000);
    const launches = captureLaunches();
    const engine = testEngine({ instrument: launches.instrument });
    try {
      await engine.deploy(gpuConfig());
      assertLaunchedWithHopLimit1(launches, 1);
      assert.equal(await templateHopLimit('demo'), 1);
    } finally {
      engine.dispose();
    }
  });
});
