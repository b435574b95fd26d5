import {
  AddRoleToInstanceProfileCommand, AttachRolePolicyCommand, CreateInstanceProfileCommand, CreateRoleCommand,
  GetInstanceProfileCommand, GetRoleCommand, GetRolePolicyCommand, PutRolePolicyCommand, TagRoleCommand,
  paginateListAttachedRolePolicies, type Role, type Tag as IamTag,
} from '@aws-sdk/client-iam';
import { QUEUE_METRIC, scaleNames } from '../scale/names';
import type { ScaleSettings } from '../stack/scale-config';
import type { StepContext } from '../context';
import { isNotFound } from '../aws/classify';
import { refused } from '../errors';
import { names, stackTags, tagValue, TAG_STACK, TAG_STACK_ID } from '../stack/naming';
import { bootstrapStatusParameter } from '../bootstrap/status';
import { applyOnce } from './once';
import { ensureResource, onceOf } from './ensure';
import { hasTags, samePolicyDocument } from './compare-json';
import type { WithId } from './network';

export const SSM_CORE_POLICY_ARN = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

const trustPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** AWS's public parameters (AMI ids, service lists): account-less ARNs, readable by anyone anyway. */
export const PUBLIC_AWS_PARAMETERS_ARN = 'arn:aws:ssm:*::parameter/aws/*';

/** The SSM actions that return parameter values; GetParameterHistory returns old values too. */
export const PARAMETER_READ_ACTIONS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory'];

/** Every parameter of the stack and no other: the trailing slash of the path keeps "demo" out of "/geusemaker/demo2/". */
export function stackParameterArnPattern(region: string, accountId: string, stack: string): string {
  return `arn:aws:ssm:${region}:${accountId}:parameter${names.parameterPath(stack)}*`;
}

/**
 * The instance may read only its own stack's parameters, decrypt them only through SSM, and write only its bootstrap status.
 * The role also carries AmazonSSMManagedInstanceCore (ssm:GetParameter(s) on "*"), and the aws/ssm key lets any principal
 * of the account decrypt through SSM; allows add up, so only the explicit denies make "own stack only" hold.
 */
export function renderSecretsPolicy(region: string, accountId: string, stack: string, scale?: ScaleSettings): string {
  const ownParameters = stackParameterArnPattern(region, accountId, stack);
  const statusArn = `arn:aws:ssm:${region}:${accountId}:parameter${bootstrapStatusParameter(stack)}`;
  const viaSsm = { 'kms:ViaService': `ssm.${region}.amazonaws.com` };
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadOwnStackSecrets', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'], Resource: ownParameters },
      { Sid: 'WriteBootstrapStatus', Effect: 'Allow', Action: 'ssm:PutParameter', Resource: statusArn },
      {
        Sid: 'DecryptOwnStackSecretsThroughSsm', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*',
        Condition: { StringEquals: viaSsm, StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': ownParameters } },
      },
      { Sid: 'DenyOtherStacksParameters', Effect: 'Deny', Action: PARAMETER_READ_ACTIONS, NotResource: [ownParameters, PUBLIC_AWS_PARAMETERS_ARN] },
      // SSM decrypts a SecureString with its ARN as encryption context; a missing context is denied too.
      {
        Sid: 'DenyDecryptOfOtherStacksParameters', Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*',
        Condition: { StringEquals: viaSsm, StringNotLike: { 'kms:EncryptionContext:PARAMETER_ARN': ownParameters } },
      },
      ...(scale ? scaleStatements(region, accountId, stack, scale) : []),
    ],
  });
}

/**
 * Scale: a worker marks itself unhealthy (its watchdog) in the stack's own groups only, the main instance
 * publishes n8n's queue depth in our namespace only, and its address when workers reach its services.
 */
function scaleStatements(region: string, accountId: string, stack: string, scale: ScaleSettings): object[] {
  return [
    { Sid: 'WorkersReportOwnHealth', Effect: 'Allow', Action: 'autoscaling:SetInstanceHealth', Resource: '*', Condition: { StringEquals: { [`autoscaling:ResourceTag/${TAG_STACK}`]: stack } } },
    ...(scale.n8nWorkers.scaleOn === 'queue' ? [{ Sid: 'PublishQueueDepth', Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': QUEUE_METRIC.namespace } } }] : []),
    ...(scale.database === 'instance' || scale.queue === 'instance'
      ? [{ Sid: 'PublishMainAddress', Effect: 'Allow', Action: 'ssm:PutParameter', Resource: `arn:aws:ssm:${region}:${accountId}:parameter${scaleNames.mainAddressParameter(stack)}` }]
      : []),
  ];
}

export function secretsPolicy(ctx: Pick<StepContext, 'stack' | 'facts' | 'clients' | 'config'>): string {
  return renderSecretsPolicy(ctx.clients.region, ctx.facts.accountId, ctx.stack, ctx.config.scale);
}

/** IAM names are fixed per stack, so "already exists" is either our own earlier attempt or someone else's stack. */
function assertOurs(ctx: StepContext, what: string, name: string, tags: IamTag[] | undefined): void {
  if (tagValue(tags, TAG_STACK_ID) !== ctx.stackId) {
    throw refused('NAME_TAKEN', `IAM ${what} ${name} already exists and does not belong to this stack.`,
      `Choose another stack name; if ${name} belongs to a stack of yours deployed from elsewhere, take that stack over with \`geusemaker deploy ${ctx.stack} --adopt\`.`);
  }
}

async function getRole(ctx: StepContext, name: string) {
  try {
    return (await ctx.clients.iam.send(new GetRoleCommand({ RoleName: name }))).Role;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function getProfile(ctx: StepContext, name: string) {
  try {
    return (await ctx.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function ensureRole(ctx: StepContext): Promise<WithId> {
  const roleName = names.role(ctx.stack);
  // The last description read: its tags say whether the role still needs TagRole.
  let described: Role | undefined;
  const fromExisting = async () => {
    const role = await getRole(ctx, roleName);
    described = role;
    if (!role) return undefined;
    assertOurs(ctx, 'role', roleName, role.Tags);
    return { id: roleName, attrs: { arn: role.Arn ?? '' } };
  };
  const { outcome } = await ensureResource(ctx, {
    key: 'iam-role', kind: 'iam-role',
    describe: fromExisting,
    findOrphan: fromExisting,
    // "Already exists" (our own earlier attempt, or another stack's role) is settled by ensureResource's findOrphan.
    create: async () => {
      const out = await ctx.clients.iam.send(new CreateRoleCommand({
        RoleName: roleName, Path: names.iamPath, AssumeRolePolicyDocument: trustPolicy,
        Description: `GeuseMaker stack ${ctx.stack}: SSM access and its own secrets`, Tags: stackTags(ctx, 'iam-role', roleName),
      }));
      return { id: roleName, attrs: { arn: out.Role?.Arn ?? '' } };
    },
  });
  // A role created (or adopted after a lost answer) just now has none of this yet, so it is written without a look;
  // a reused one is read first and only what differs is written, which also repairs a half-configured role.
  const fresh = outcome === 'created';
  const policy = secretsPolicy(ctx);
  const tags = stackTags(ctx, 'iam-role', roleName);
  if (fresh || !(await hasManagedPolicy(ctx, roleName, SSM_CORE_POLICY_ARN))) {
    await ctx.clients.iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: SSM_CORE_POLICY_ARN }));
  }
  if (fresh || !samePolicyDocument(await inlinePolicy(ctx, roleName, names.secretsPolicy), policy)) {
    await ctx.clients.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: names.secretsPolicy, PolicyDocument: policy }));
  }
  // Roles made before the origin tags existed gain them, so a destroy without state can find the region.
  if (fresh || !hasTags(described?.Tags, tags)) {
    await ctx.clients.iam.send(new TagRoleCommand({ RoleName: roleName, Tags: tags }));
  }
  return { outcome, detail: roleName, id: roleName };
}

export async function hasManagedPolicy(ctx: Pick<StepContext, 'clients'>, roleName: string, arn: string): Promise<boolean> {
  for await (const page of paginateListAttachedRolePolicies({ client: ctx.clients.iam }, { RoleName: roleName })) {
    if (page.AttachedPolicies?.some((attached) => attached.PolicyArn === arn)) return true;
  }
  return false;
}

/** The inline policy's document as IAM returns it (URL-encoded), or undefined when the role has no such policy. */
async function inlinePolicy(ctx: StepContext, roleName: string, policyName: string): Promise<string | undefined> {
  try {
    return (await ctx.clients.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }))).PolicyDocument;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function ensureInstanceProfile(ctx: StepContext, roleName: string): Promise<WithId> {
  const profileName = names.instanceProfile(ctx.stack);
  // The last description read, so the role check below needs no second GetInstanceProfile.
  let described: Awaited<ReturnType<typeof getProfile>>;
  const fromExisting = async () => {
    const profile = await getProfile(ctx, profileName);
    described = profile;
    if (!profile) return undefined;
    assertOurs(ctx, 'instance profile', profileName, profile.Tags);
    return { id: profileName, attrs: { arn: profile.Arn ?? '' } };
  };
  const { outcome } = await ensureResource(ctx, {
    key: 'instance-profile', kind: 'instance-profile',
    describe: fromExisting,
    findOrphan: fromExisting,
    create: async () => {
      const out = await ctx.clients.iam.send(new CreateInstanceProfileCommand({
        InstanceProfileName: profileName, Path: names.iamPath, Tags: stackTags(ctx, 'instance-profile', profileName),
      }));
      described = out.InstanceProfile;
      return { id: profileName, attrs: { arn: out.InstanceProfile?.Arn ?? '' } };
    },
  });
  const hasRole = (profile: typeof described): boolean => profile?.Roles?.some((role) => role.RoleName === roleName) ?? false;
  if (!hasRole(described)) {
    // A profile holds one role: a repeat answers LimitExceeded, which here means the role is already in.
    await applyOnce(onceOf(ctx), {
      send: () => ctx.clients.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName })),
      isDone: async () => hasRole(await getProfile(ctx, profileName)),
    });
  }
  return { outcome, detail: profileName, id: profileName };
}
