import {
  CreateCacheSubnetGroupCommand, CreateReplicationGroupCommand, DeleteCacheSubnetGroupCommand, DeleteReplicationGroupCommand,
  DescribeCacheSubnetGroupsCommand, DescribeReplicationGroupsCommand, ListTagsForResourceCommand, ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { isNotFound } from '../aws/classify';
import type { StepContext } from '../context';
import type { StepResult } from '../graph/run-graph';
import { scaleNames, SCALE_KEYS } from '../scale/names';
import { stackTags, tagValue, TAG_STACK_ID } from '../stack/naming';
import { pollUntil } from '../wait';
import { createOrAdoptNamed, dataServiceTimeout, deleteOnce } from './database';
import { nameTaken } from './name-taken';
import { ensureResource, type Found } from './ensure';
import type { Subnet } from './network';
import { REDIS_SECRET } from './secret-specs';
import { secretValue } from './secrets';
import type { SweptResource } from './sweep';
import type { TeardownContext } from './teardown';

export interface QueueEndpoint {
  host: string;
  port: number;
}

/** Valkey is the open-source Redis fork ElastiCache runs at a lower price; n8n's queue speaks the Redis protocol to it. */
const CACHE_ENGINE = 'valkey';
const CACHE_ENGINE_VERSION = '8.0';

const groupSchema = z.looseObject({
  ReplicationGroupId: z.string(),
  ARN: z.string().optional(),
  Status: z.string().optional(),
  CacheNodeType: z.string().optional(),
  TransitEncryptionEnabled: z.boolean().optional(),
  AtRestEncryptionEnabled: z.boolean().optional(),
  AuthTokenEnabled: z.boolean().optional(),
  NodeGroups: z.array(z.looseObject({ PrimaryEndpoint: z.looseObject({ Address: z.string().optional(), Port: z.number().optional() }).optional() })).optional(),
});
type CacheView = z.infer<typeof groupSchema>;

export async function describeCache(clients: AwsClients, id: string): Promise<CacheView | undefined> {
  try {
    const found = (await clients.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0];
    return found ? groupSchema.parse(found) : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function stackIdOf(clients: AwsClients, arn: string | undefined): Promise<string | undefined> {
  if (!arn) return undefined;
  return tagValue((await clients.elasticache.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList, TAG_STACK_ID);
}


export async function ensureCacheSubnetGroup(ctx: StepContext, subnets: readonly Subnet[]): Promise<StepResult & { name: string }> {
  const name = scaleNames.cacheSubnetGroup(ctx.stack);
  const lookUp = async (): Promise<Found | undefined> => {
    try {
      const group = (await ctx.clients.elasticache.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }))).CacheSubnetGroups?.[0];
      if (!group) return undefined;
      const stackId = await stackIdOf(ctx.clients, group.ARN);
      if (stackId !== ctx.stackId) throw nameTaken(ctx.clients.region, 'An ElastiCache subnet group', name, stackId);
      return { id: name };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const { outcome } = await ensureResource(ctx, {
    key: SCALE_KEYS.cacheSubnetGroup, kind: 'cache-subnet-group',
    describe: lookUp, findOrphan: lookUp,
    // The name is the idempotency key: ElastiCache has no client token.
    create: () => createOrAdoptNamed(async () => {
      await ctx.clients.elasticache.send(new CreateCacheSubnetGroupCommand({
        CacheSubnetGroupName: name, CacheSubnetGroupDescription: `GeuseMaker stack ${ctx.stack}: private subnets`,
        SubnetIds: subnets.map((s) => s.id), Tags: stackTags(ctx, SCALE_KEYS.cacheSubnetGroup, name),
      }));
      return { id: name };
    }, lookUp),
  });
  return { outcome, detail: `${name} (${subnets.map((s) => s.id).join(', ')})`, name };
}

/**
 * The queue: one Valkey node in a replication group (the API that offers encryption at rest), TLS in transit and
 * the stack's redis-auth-token secret as its AUTH token. Waits until available and hands on the primary endpoint.
 */
export async function ensureCache(ctx: StepContext, inputs: { subnetGroup: string; groupId: string }): Promise<StepResult & { endpoint: QueueEndpoint }> {
  const scale = ctx.config.scale!;
  const id = scaleNames.cache(ctx.stack);
  const lookUp = async (): Promise<Found | undefined> => {
    const group = await describeCache(ctx.clients, id);
    if (!group || group.Status === 'deleting') return undefined;
    const stackId = await stackIdOf(ctx.clients, group.ARN);
    if (stackId !== ctx.stackId) throw nameTaken(ctx.clients.region, 'An ElastiCache replication group', id, stackId);
    return { id, attrs: { arn: group.ARN ?? '' } };
  };
  const { outcome } = await ensureResource(ctx, {
    key: SCALE_KEYS.cache, kind: 'cache',
    describe: lookUp, findOrphan: lookUp,
    create: () => createOrAdoptNamed(async () => {
      const token = await secretValue(ctx, REDIS_SECRET);
      const out = await ctx.clients.elasticache.send(new CreateReplicationGroupCommand({
        ReplicationGroupId: id, ReplicationGroupDescription: `GeuseMaker stack ${ctx.stack}: n8n queue`,
        Engine: CACHE_ENGINE, EngineVersion: CACHE_ENGINE_VERSION, CacheNodeType: scale.cacheNodeType, NumCacheClusters: 1,
        CacheSubnetGroupName: inputs.subnetGroup, SecurityGroupIds: [inputs.groupId],
        TransitEncryptionEnabled: true, AtRestEncryptionEnabled: true, AuthToken: token,
        AutomaticFailoverEnabled: false, SnapshotRetentionLimit: 0,
        Tags: stackTags(ctx, SCALE_KEYS.cache, id),
      }));
      return { id, attrs: { arn: out.ReplicationGroup?.ARN ?? '' } };
    }, lookUp),
  });
  const ready = await pollUntil(async () => {
    const group = await describeCache(ctx.clients, id);
    if (group?.Status === 'available') return group;
    ctx.report.waiting(`ElastiCache queue ${id} to become available (${group?.Status ?? 'not visible yet'}; usually 5–15 minutes)`);
    return undefined;
  }, { what: `ElastiCache queue ${id} to become available`, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: dataServiceTimeout(ctx.timing), signal: ctx.report.signal, timeoutNextStep: 'Look at the replication group in the ElastiCache console, then run deploy again: it waits on the same one.' });
  if (ready.CacheNodeType && ready.CacheNodeType !== scale.cacheNodeType) {
    await ctx.clients.elasticache.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: id, CacheNodeType: scale.cacheNodeType, ApplyImmediately: true }));
    await ctx.report.note(`The queue ${id} is being resized from ${ready.CacheNodeType} to ${scale.cacheNodeType}; ElastiCache applies it now.`);
  }
  const primary = ready.NodeGroups?.[0]?.PrimaryEndpoint;
  const endpoint = { host: primary?.Address ?? '', port: primary?.Port ?? 6379 };
  if (!endpoint.host) throw new Error(`ElastiCache reports no primary endpoint for ${id} although it is available.`);
  await ctx.journal.created(SCALE_KEYS.cache, 'cache', id, { arn: ready.ARN ?? '', endpoint: `${endpoint.host}:${endpoint.port}` });
  const encryption = [ready.TransitEncryptionEnabled ? 'TLS in transit' : 'NO TLS', ready.AtRestEncryptionEnabled ? 'encrypted at rest' : 'NOT encrypted at rest', ready.AuthTokenEnabled ? 'AUTH token' : 'no AUTH token'].join(', ');
  return { outcome, endpoint, detail: `${id} (${ready.CacheNodeType}, ${encryption}) at ${endpoint.host}:${endpoint.port}` };
}

export async function deleteCaches(ctx: TeardownContext, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const group = await describeCache(ctx.clients, id);
    if (!group) continue;
    if (group.Status !== 'deleting') {
      await deleteOnce(() => ctx.clients.elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id, RetainPrimaryCluster: false })), async () => {
        const now = await describeCache(ctx.clients, id);
        return now !== undefined && now.Status !== 'deleting';
      });
    }
    await pollUntil(async () => {
      const left = await describeCache(ctx.clients, id);
      if (!left) return true;
      ctx.waiting(`ElastiCache queue ${id} to be deleted (${left.Status ?? ''})`);
      return undefined;
    }, { what: `ElastiCache queue ${id} to be deleted`, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: dataServiceTimeout(ctx.timing), signal: ctx.signal });
  }
}

export async function deleteCacheSubnetGroups(ctx: TeardownContext, names: readonly string[]): Promise<void> {
  for (const name of names) {
    try {
      await ctx.clients.elasticache.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: name }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

export async function sweepCaches(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const group = await describeCache(clients, scaleNames.cache(stack));
  if (!group || group.Status === 'deleting') return [];
  return [{ kind: 'cache', id: group.ReplicationGroupId, key: SCALE_KEYS.cache, stackId: await stackIdOf(clients, group.ARN), state: group.Status }];
}

export async function sweepCacheSubnetGroups(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const name = scaleNames.cacheSubnetGroup(stack);
  try {
    const group = (await clients.elasticache.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }))).CacheSubnetGroups?.[0];
    if (!group) return [];
    return [{ kind: 'cache-subnet-group', id: name, key: SCALE_KEYS.cacheSubnetGroup, stackId: await stackIdOf(clients, group.ARN) }];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
