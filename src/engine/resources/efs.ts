import {
  CreateFileSystemCommand, CreateMountTargetCommand, DescribeFileSystemsCommand, DescribeMountTargetsCommand,
  type FileSystemDescription, type MountTargetDescription,
} from '@aws-sdk/client-efs';
import type { StepContext } from '../context';
import type { StepResult } from '../graph/run-graph';
import { isNotFound } from '../aws/classify';
import { stackTags, tagValue, TAG_RESOURCE, TAG_STACK_ID } from '../stack/naming';
import { pollUntil } from '../wait';
import { ensureResource, retryNotFound } from './ensure';
import { describeFileSystemById } from './efs-describe';
import type { Subnet, WithId } from './network';

function describeFileSystem(ctx: StepContext, id: string): Promise<FileSystemDescription | undefined> {
  return describeFileSystemById(ctx.clients, id);
}

function usable(fs: FileSystemDescription | undefined): boolean {
  return fs !== undefined && fs.LifeCycleState !== 'deleting' && fs.LifeCycleState !== 'deleted';
}

export async function ensureFileSystem(ctx: StepContext): Promise<WithId> {
  const { found, outcome } = await ensureResource(ctx, {
    key: 'efs', kind: 'efs',
    describe: async (id) => (usable(await describeFileSystem(ctx, id)) ? { id } : undefined),
    findOrphan: async () => {
      // The creation token is journaled with the intent, so an interrupted create is found by it.
      const token = ctx.journal.record('efs')?.token;
      const byToken = token ? (await ctx.clients.efs.send(new DescribeFileSystemsCommand({ CreationToken: token }))).FileSystems?.[0] : undefined;
      if (usable(byToken) && byToken?.FileSystemId) return { id: byToken.FileSystemId };
      const all = (await ctx.clients.efs.send(new DescribeFileSystemsCommand({}))).FileSystems ?? [];
      const tagged = all.find((fs) => usable(fs) && tagValue(fs.Tags, TAG_STACK_ID) === ctx.stackId && tagValue(fs.Tags, TAG_RESOURCE) === 'efs');
      return tagged?.FileSystemId ? { id: tagged.FileSystemId } : undefined;
    },
    // The same token twice answers FileSystemAlreadyExists: findOrphan adopts the first call's file system.
    create: async (token) => {
      const out = await ctx.clients.efs.send(new CreateFileSystemCommand({
        CreationToken: token, Encrypted: true, PerformanceMode: 'generalPurpose', ThroughputMode: 'elastic',
        Tags: stackTags(ctx, 'efs', `gm-${ctx.stack}-data`),
      }));
      return { id: out.FileSystemId! };
    },
  });
  await pollUntil(async () => {
    const fs = await describeFileSystem(ctx, found.id);
    return fs?.LifeCycleState === 'available' ? fs : undefined;
  }, {
    what: `EFS file system ${found.id} to become available`,
    intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.fileSystemTimeoutMs, signal: ctx.report.signal,
    onWaiting: () => ctx.report.waiting(`EFS file system ${found.id} to become available`),
  });
  return { outcome: outcome === 'reused' ? 'reused' : 'created', detail: `${found.id} (encrypted)${outcome === 'reused' ? ', existing data reattached' : ''}`, id: found.id };
}

export async function mountTargets(ctx: StepContext, fileSystemId: string): Promise<MountTargetDescription[]> {
  try {
    return (await ctx.clients.efs.send(new DescribeMountTargetsCommand({ FileSystemId: fileSystemId }))).MountTargets ?? [];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

export interface MountTargetInputs {
  fileSystemId: string;
  subnet: Subnet;
  groupId: string;
}

/** One mount target per AZ the stack uses; EFS allows only one per AZ (MountTargetConflict). */
export async function ensureMountTarget(ctx: StepContext, key: string, { fileSystemId, subnet, groupId }: MountTargetInputs): Promise<StepResult> {
  const subnetId = subnet.id;
  // A subnet journaled without its AZ (older state) is named by its id.
  const zone = subnet.zone || subnetId;
  const inThisZone = async () => (await mountTargets(ctx, fileSystemId)).find((target) =>
    target.SubnetId === subnetId || (subnet.zone !== '' && target.AvailabilityZoneName === subnet.zone));
  const { found, outcome } = await ensureResource(ctx, {
    key, kind: 'mount-target',
    describe: async (id) => {
      const target = (await mountTargets(ctx, fileSystemId)).find((t) => t.MountTargetId === id && t.LifeCycleState !== 'deleting' && t.LifeCycleState !== 'deleted');
      return target ? { id, attrs: { zone, fileSystemId } } : undefined;
    },
    findOrphan: async () => {
      const target = await inThisZone();
      return target?.MountTargetId ? { id: target.MountTargetId, attrs: { zone, fileSystemId } } : undefined;
    },
    // MountTargetConflict (this zone already has one: our earlier attempt's) is adopted through findOrphan.
    create: async () => {
      const out = await retryNotFound(ctx, () => ctx.clients.efs.send(new CreateMountTargetCommand({ FileSystemId: fileSystemId, SubnetId: subnetId, SecurityGroups: [groupId] })));
      return { id: out.MountTargetId!, attrs: { zone, fileSystemId } };
    },
  });
  const what = `EFS mount target in ${zone} to become available`;
  await pollUntil(async () => {
    const target = (await mountTargets(ctx, fileSystemId)).find((t) => t.MountTargetId === found.id);
    if (target?.LifeCycleState === 'error') throw new Error(`EFS mount target ${found.id} in ${zone} failed to create`);
    return target?.LifeCycleState === 'available' ? target : undefined;
  }, { what, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: ctx.timing.mountTargetTimeoutMs, signal: ctx.report.signal, onWaiting: () => ctx.report.waiting(what) });
  return { outcome, detail: `${found.id} in ${zone}` };
}
