import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, TagRoleCommand, UpdateAssumeRolePolicyCommand, type Role } from '@aws-sdk/client-iam';
import { isNotFound } from '../aws/classify';
import type { StepContext } from '../context';
import { refused } from '../errors';
import { hasManagedPolicy } from '../resources/iam';
import { ensureResource } from '../resources/ensure';
import { hasTags, samePolicyDocument } from '../resources/compare-json';
import type { AwsClients } from '../aws/clients';
import type { SweptResource } from '../resources/sweep';
import { names, stackTags, tagValue, TAG_STACK_ID } from '../stack/naming';
import { BACKUP_KEYS, backupRoleName } from './names';
import { sweptBackup } from './tags';

/** AWS's own policies for AWS Backup: what a backup and a restore of EFS need, kept current by AWS. */
export const BACKUP_POLICY_ARNS = [
  'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
  'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores',
];

const trustPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

async function getRole(ctx: StepContext, name: string): Promise<Role | undefined> {
  try {
    return (await ctx.clients.iam.send(new GetRoleCommand({ RoleName: name }))).Role;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The role AWS Backup assumes for the plan's runs, our on-demand backups and restores. IAM is global: the name
 * carries the region, and a role of that name without our stack id is someone else's, never touched.
 */
export async function ensureBackupRole(ctx: StepContext): Promise<{ outcome: 'created' | 'reused'; detail: string; arn: string }> {
  const roleName = backupRoleName(ctx.stack, ctx.clients.region);
  let described: Role | undefined;
  const fromExisting = async () => {
    const role = await getRole(ctx, roleName);
    described = role;
    if (!role) return undefined;
    if (tagValue(role.Tags, TAG_STACK_ID) !== ctx.stackId) {
      throw refused('NAME_TAKEN', `IAM role ${roleName} already exists and does not belong to this stack.`,
        `Choose another stack name; if ${roleName} belongs to a stack of yours deployed from elsewhere, take that stack over with \`geusemaker deploy ${ctx.stack} --adopt\`.`);
    }
    return { id: roleName, attrs: { arn: role.Arn ?? '' } };
  };
  const { found, outcome } = await ensureResource(ctx, {
    key: BACKUP_KEYS.role, kind: 'iam-role',
    describe: fromExisting,
    findOrphan: fromExisting,
    create: async () => {
      const out = await ctx.clients.iam.send(new CreateRoleCommand({
        RoleName: roleName, Path: names.iamPath, AssumeRolePolicyDocument: trustPolicy,
        Description: `GeuseMaker stack ${ctx.stack}: AWS Backup backs up and restores its file system`, Tags: stackTags(ctx, BACKUP_KEYS.role, roleName),
      }));
      return { id: roleName, attrs: { arn: out.Role?.Arn ?? '' } };
    },
  });
  // A new role is written without a look; a reused one only where it differs (a redeploy makes no call).
  const fresh = outcome === 'created';
  for (const arn of BACKUP_POLICY_ARNS) {
    if (fresh || !(await hasManagedPolicy(ctx, roleName, arn))) await ctx.clients.iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: arn }));
  }
  if (!fresh && described?.AssumeRolePolicyDocument && !samePolicyDocument(described.AssumeRolePolicyDocument, trustPolicy)) {
    await ctx.clients.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: trustPolicy }));
  }
  const tags = stackTags(ctx, BACKUP_KEYS.role, roleName);
  if (!fresh && !hasTags(described?.Tags, tags)) await ctx.clients.iam.send(new TagRoleCommand({ RoleName: roleName, Tags: tags }));
  return { outcome, detail: roleName, arn: found.attrs?.arn ?? '' };
}

/** AWS Backup's role of the stack (its fixed name, with the region), reported whoever's it is. */
export async function sweepBackupRoles(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  try {
    const role = (await clients.iam.send(new GetRoleCommand({ RoleName: backupRoleName(stack, clients.region) }))).Role;
    if (!role?.RoleName) return [];
    return [sweptBackup('iam-role', role.RoleName, role.Tags)];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
