import {
  DeleteInternetGatewayCommand, DeleteNetworkInterfaceCommand, DeleteRouteTableCommand, DeleteSecurityGroupCommand,
  DeleteSubnetCommand, DeleteVolumeCommand, DeleteVpcCommand, DescribeInstancesCommand, DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand, DescribeSecurityGroupsCommand, DetachInternetGatewayCommand, DisassociateRouteTableCommand,
  RevokeSecurityGroupIngressCommand, TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { DeleteFileSystemCommand, DeleteMountTargetCommand, DescribeMountTargetsCommand } from '@aws-sdk/client-efs';
import {
  DeleteInstanceProfileCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand,
  ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, RemoveRoleFromInstanceProfileCommand, GetInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { DeleteParametersCommand } from '@aws-sdk/client-ssm';
import { DeleteLoadBalancerCommand, DeleteTargetGroupCommand, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteDistributionCommand, GetDistributionCommand, GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import type { AwsClients } from '../aws/clients';
import { awsErrorCode, isNotFound } from '../aws/classify';
import type { EngineTiming } from '../context';
import { timeoutsSchema } from '../stack/config';
import { pollUntil, sleep } from '../wait';
import { describeFileSystemById } from './efs-describe';
import { applyOnce, isAlreadyUndone, isTransient } from './once';

export interface TeardownContext {
  clients: AwsClients;
  timing: EngineTiming;
  signal: AbortSignal | undefined;
  /** The stack's timeouts.cloudFrontDeployedMinutes in ms (timing.distributionDeployedTimeoutMs overrides it; the config default without it). */
  distributionTimeoutMs?: number;
  waiting(what: string): void;
}

/** "Already gone" (or "not attached") is success for every delete: often our own earlier attempt, its answer lost. */
async function ignoreGone(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!isAlreadyUndone(error)) throw error;
  }
}

const DEPENDENCY_CODES = new Set(['DependencyViolation', 'ResourceInUse', 'FileSystemInUse', 'IncorrectMountTargetState', 'IncorrectFileSystemLifeCycleState', 'DeleteConflict', 'InvalidParameterValue']);

/** Retries while AWS still sees dependents (ENIs linger for minutes after an instance or ALB goes). */
async function untilDependentsGone(ctx: TeardownContext, what: string, call: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + ctx.timing.eventualConsistencyTimeoutMs;
  let delay = Math.max(10, ctx.timing.pollIntervalMs / 2);
  for (;;) {
    try {
      await ignoreGone(call);
      return;
    } catch (error) {
      const code = awsErrorCode(error);
      if (!code || !DEPENDENCY_CODES.has(code) || Date.now() > deadline) throw error;
      ctx.waiting(`${what} (AWS still sees something using it: ${code})`);
      await sleep(delay, ctx.signal);
      delay = Math.min(delay * 2, ctx.timing.pollIntervalMs * 4);
    }
  }
}

export async function terminateInstances(ctx: TeardownContext, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const live = async (): Promise<string[]> => {
    try {
      const reservations = (await ctx.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [...ids] }))).Reservations ?? [];
      return reservations.flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== 'terminated').map((i) => i.InstanceId!);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  };
  const running = await live();
  if (running.length === 0) return;
  await ignoreGone(() => ctx.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: running })));
  const what = `instance ${running.join(', ')} to terminate`;
  await pollUntil(async () => ((await live()).length === 0 ? true : undefined), {
    what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.instanceTerminatedTimeoutMs, signal: ctx.signal, onWaiting: () => ctx.waiting(what),
  });
}

/**
 * CloudFront deletes only a disabled, deployed distribution, and every write needs the newest ETag:
 * read config + ETag → update Enabled=false (IfMatch) → wait Deployed → delete with the ETag of that last read.
 */
export async function deleteDistribution(ctx: TeardownContext, id: string): Promise<void> {
  const { cloudfront } = ctx.clients;
  const what = `CloudFront distribution ${id} to finish disabling`;
  for (let attempt = 0; ; attempt++) {
    let current;
    try {
      current = await cloudfront.send(new GetDistributionConfigCommand({ Id: id }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    // Someone changed it since our read (PreconditionFailed) or it is not yet disabled: start over from a fresh read.
    const retryable = (error: unknown) => {
      const code = awsErrorCode(error);
      // A lost answer to the disable is not re-sent by the SDK (the ETag moved): the fresh read shows whether it took.
      return (code === 'PreconditionFailed' || code === 'DistributionNotDisabled' || isTransient(error)) && attempt < 3;
    };
    if (current.DistributionConfig?.Enabled) {
      try {
        await cloudfront.send(new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: { ...current.DistributionConfig, Enabled: false } }));
      } catch (error) {
        if (isNotFound(error)) return;
        if (retryable(error)) continue;
        throw error;
      }
    }
    const etag = await pollUntil(async () => {
      const got = await cloudfront.send(new GetDistributionCommand({ Id: id }));
      if (got.Distribution?.Status === 'Deployed') return got.ETag ?? '';
      ctx.waiting(`${what} (${got.Distribution?.Status ?? 'unknown'}; CloudFront usually takes 5–20 min)`);
      return undefined;
    }, {
      what, intervalMs: ctx.timing.pollIntervalMs * 2, timeoutMs: ctx.timing.distributionDeployedTimeoutMs ?? ctx.distributionTimeoutMs ?? timeoutsSchema.parse({}).cloudFrontDeployedMinutes * 60_000, signal: ctx.signal, onWaiting: () => undefined,
      timeoutNextStep: 'CloudFront keeps disabling in AWS. Run destroy again to keep waiting (it continues where it stopped), or raise timeouts.cloudFrontDeployedMinutes.',
    });
    try {
      await cloudfront.send(new DeleteDistributionCommand({ Id: id, IfMatch: etag }));
      return;
    } catch (error) {
      if (isNotFound(error)) return;
      if (!retryable(error)) throw error;
    }
  }
}

/** Deleting a load balancer deletes its listeners and rules; wait until it is gone so its ENIs start to go. */
export async function deleteLoadBalancers(ctx: TeardownContext, arns: readonly string[]): Promise<void> {
  for (const arn of arns) await ignoreGone(() => ctx.clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })));
  const what = `load balancer ${arns.join(', ')} to be deleted`;
  await pollUntil(async () => {
    try {
      const left = (await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [...arns] }))).LoadBalancers ?? [];
      return left.length === 0 ? true : undefined;
    } catch (error) {
      if (isNotFound(error)) return true;
      throw error;
    }
  }, { what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.loadBalancerTimeoutMs, signal: ctx.signal, onWaiting: () => ctx.waiting(what) });
}

/** ResourceInUse while a listener still uses the group (the load balancer's deletion is still settling). */
export async function deleteTargetGroups(ctx: TeardownContext, arns: readonly string[]): Promise<void> {
  for (const arn of arns) await untilDependentsGone(ctx, `target group ${arn}`, () => ctx.clients.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })));
}

export async function deleteMountTargets(ctx: TeardownContext, fileSystemIds: readonly string[]): Promise<void> {
  const targetsOf = async (fileSystemId: string) => {
    try {
      return (await ctx.clients.efs.send(new DescribeMountTargetsCommand({ FileSystemId: fileSystemId }))).MountTargets ?? [];
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  };
  for (const fileSystemId of fileSystemIds) {
    for (const target of await targetsOf(fileSystemId)) {
      if (target.LifeCycleState === 'deleting' || target.LifeCycleState === 'deleted') continue;
      await untilDependentsGone(ctx, `EFS mount target ${target.MountTargetId}`, () => ctx.clients.efs.send(new DeleteMountTargetCommand({ MountTargetId: target.MountTargetId! })));
    }
    const what = `EFS mount targets of ${fileSystemId} to be deleted`;
    await pollUntil(async () => ((await targetsOf(fileSystemId)).every((t) => t.LifeCycleState === 'deleted') ? true : undefined), {
      what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.mountTargetTimeoutMs, signal: ctx.signal, onWaiting: () => ctx.waiting(what),
    });
  }
}

export async function deleteFileSystem(ctx: TeardownContext, fileSystemId: string): Promise<void> {
  await untilDependentsGone(ctx, `EFS file system ${fileSystemId}`, () => ctx.clients.efs.send(new DeleteFileSystemCommand({ FileSystemId: fileSystemId })));
  const what = `EFS file system ${fileSystemId} to be deleted`;
  await pollUntil(async () => {
    const fs = await describeFileSystemById(ctx.clients, fileSystemId);
    return !fs || fs.LifeCycleState === 'deleted' ? true : undefined;
  }, { what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.fileSystemTimeoutMs, signal: ctx.signal, onWaiting: () => ctx.waiting(what) });
}

/** Cross-references first (the EFS group names the instance group), then the groups themselves. */
export async function deleteSecurityGroups(ctx: TeardownContext, groupIds: readonly string[]): Promise<void> {
  if (groupIds.length === 0) return;
  let groups;
  try {
    groups = (await ctx.clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [...groupIds] }))).SecurityGroups ?? [];
  } catch (error) {
    if (!isNotFound(error)) throw error;
    // One of them is gone already: look them up one by one.
    groups = (await Promise.all(groupIds.map(async (id) => {
      try {
        return (await ctx.clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups ?? [];
      } catch (inner) {
        if (isNotFound(inner)) return [];
        throw inner;
      }
    }))).flat();
  }
  for (const group of groups) {
    const referencing = (group.IpPermissions ?? []).filter((p) => (p.UserIdGroupPairs ?? []).length > 0);
    if (referencing.length > 0) await ignoreGone(() => ctx.clients.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: group.GroupId!, IpPermissions: referencing })));
  }
  for (const group of groups) {
    await untilDependentsGone(ctx, `security group ${group.GroupId}`, () => ctx.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId! })));
  }
}

export async function deleteInternetGateway(ctx: TeardownContext, gatewayId: string): Promise<void> {
  let attachments;
  try {
    attachments = (await ctx.clients.ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [gatewayId] }))).InternetGateways?.[0]?.Attachments ?? [];
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  for (const attachment of attachments) {
    // Detach fails while public IPs are still mapped in the VPC.
    await untilDependentsGone(ctx, `internet gateway ${gatewayId} to detach`, () => ctx.clients.ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: gatewayId, VpcId: attachment.VpcId! })));
  }
  await untilDependentsGone(ctx, `internet gateway ${gatewayId}`, () => ctx.clients.ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: gatewayId })));
}

export async function deleteRouteTable(ctx: TeardownContext, routeTableId: string): Promise<void> {
  let table;
  try {
    table = (await ctx.clients.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables?.[0];
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  for (const association of table?.Associations ?? []) {
    if (association.Main || !association.RouteTableAssociationId) continue;
    await ignoreGone(() => ctx.clients.ec2.send(new DisassociateRouteTableCommand({ AssociationId: association.RouteTableAssociationId! })));
  }
  await untilDependentsGone(ctx, `route table ${routeTableId}`, () => ctx.clients.ec2.send(new DeleteRouteTableCommand({ RouteTableId: routeTableId })));
}

export async function deleteSubnets(ctx: TeardownContext, subnetIds: readonly string[]): Promise<void> {
  await Promise.all(subnetIds.map((id) => untilDependentsGone(ctx, `subnet ${id}`, () => ctx.clients.ec2.send(new DeleteSubnetCommand({ SubnetId: id })))));
}

export async function deleteVpc(ctx: TeardownContext, vpcId: string): Promise<void> {
  await untilDependentsGone(ctx, `VPC ${vpcId}`, () => ctx.clients.ec2.send(new DeleteVpcCommand({ VpcId: vpcId })));
}

/** Leftover network interfaces (normally deleted with the instance); they go before leftover volumes. */
export async function deleteNetworkInterfaces(ctx: TeardownContext, interfaceIds: readonly string[]): Promise<void> {
  for (const id of interfaceIds) await untilDependentsGone(ctx, `network interface ${id}`, () => ctx.clients.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id })));
}

/** Leftover volumes (normally deleted with the instance). */
export async function deleteVolumes(ctx: TeardownContext, volumeIds: readonly string[]): Promise<void> {
  for (const id of volumeIds) await untilDependentsGone(ctx, `volume ${id}`, () => ctx.clients.ec2.send(new DeleteVolumeCommand({ VolumeId: id })));
}

/** The role first leaves the profile (a repeat is harmless), then the profile goes; before the role. */
export async function deleteInstanceProfile(ctx: TeardownContext, profileName: string): Promise<void> {
  try {
    const profile = (await ctx.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profileName }))).InstanceProfile;
    for (const role of profile?.Roles ?? []) {
      await applyOnce(ctx, {
        send: () => ignoreGone(() => ctx.clients.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: role.RoleName! }))),
        isDone: async () => {
          const now = (await ctx.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profileName }))).InstanceProfile;
          return !now?.Roles?.some((r) => r.RoleName === role.RoleName);
        },
      });
    }
    await ignoreGone(() => ctx.clients.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: profileName })));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export async function deleteRole(ctx: TeardownContext, roleName: string): Promise<void> {
  try {
    const attached = (await ctx.clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? [];
    for (const policy of attached) await ignoreGone(() => ctx.clients.iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policy.PolicyArn! })));
    const inline = (await ctx.clients.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
    for (const policyName of inline) await ignoreGone(() => ctx.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })));
    await untilDependentsGone(ctx, `IAM role ${roleName}`, () => ctx.clients.iam.send(new DeleteRoleCommand({ RoleName: roleName })));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export async function deleteParameters(ctx: TeardownContext, parameterNames: readonly string[]): Promise<void> {
  for (let i = 0; i < parameterNames.length; i += 10) {
    await ctx.clients.ssm.send(new DeleteParametersCommand({ Names: parameterNames.slice(i, i + 10) }));
  }
}

