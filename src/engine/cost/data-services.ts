import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { SCALE_KEYS } from '../scale/names';
import type { StackState } from '../state/schema';

/*
 * A scaled stack's database and queue as RDS and ElastiCache describe them now: when each was created (the start of
 * what it has cost), its class or node type, its storage and node count. Absent when the journal holds no live record
 * of it, or AWS does not describe it (deleted since, or the read was refused): cost to date then uses the journal.
 */

export interface DatabaseNow {
  id: string;
  /** RDS InstanceCreateTime. */
  createdAt?: string;
  instanceClass?: string;
  allocatedGb?: number;
  /** available, stopped, …: a stopped instance bills its storage only. */
  status?: string;
}

export interface CacheNow {
  id: string;
  /** ElastiCache ReplicationGroupCreateTime. */
  createdAt?: string;
  nodeType?: string;
  nodes?: number;
}

const time = z.union([z.date(), z.string()]).optional().transform((value) => {
  if (value === undefined) return undefined;
  const at = value instanceof Date ? value : new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
});
const dbSchema = z.object({
  DBInstanceIdentifier: z.string(),
  InstanceCreateTime: time,
  DBInstanceClass: z.string().optional(),
  AllocatedStorage: z.number().int().nonnegative().optional(),
  DBInstanceStatus: z.string().optional(),
});
const cacheSchema = z.object({
  ReplicationGroupId: z.string(),
  ReplicationGroupCreateTime: time,
  CacheNodeType: z.string().optional(),
  MemberClusters: z.array(z.string()).optional(),
});

const liveId = (state: Pick<StackState, 'resources'>, key: string) => {
  const record = state.resources[key];
  return record?.status === 'created' && record.id ? record.id : undefined;
};

/** The stack's RDS instance now (undefined: none recorded, gone, or unreadable). */
export async function databaseNow(clients: AwsClients, state: Pick<StackState, 'resources'>, signal?: AbortSignal): Promise<DatabaseNow | undefined> {
  const id = liveId(state, SCALE_KEYS.database);
  if (!id) return undefined;
  try {
    const out = await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), { abortSignal: signal });
    const parsed = dbSchema.safeParse(out.DBInstances?.[0]);
    if (!parsed.success || parsed.data.DBInstanceIdentifier !== id) return undefined;
    const db = parsed.data;
    return { id, createdAt: db.InstanceCreateTime, instanceClass: db.DBInstanceClass, allocatedGb: db.AllocatedStorage, status: db.DBInstanceStatus };
  } catch {
    return undefined;
  }
}

/** The stack's ElastiCache replication group now (undefined: none recorded, gone, or unreadable). */
export async function cacheNow(clients: AwsClients, state: Pick<StackState, 'resources'>, signal?: AbortSignal): Promise<CacheNow | undefined> {
  const id = liveId(state, SCALE_KEYS.cache);
  if (!id) return undefined;
  try {
    const out = await clients.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }), { abortSignal: signal });
    const parsed = cacheSchema.safeParse(out.ReplicationGroups?.[0]);
    if (!parsed.success || parsed.data.ReplicationGroupId !== id) return undefined;
    const group = parsed.data;
    return { id, createdAt: group.ReplicationGroupCreateTime, nodeType: group.CacheNodeType, ...(group.MemberClusters ? { nodes: group.MemberClusters.length } : {}) };
  } catch {
    return undefined;
  }
}
