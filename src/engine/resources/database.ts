import {
  CreateDBInstanceCommand, CreateDBSubnetGroupCommand, DeleteDBInstanceCommand, DeleteDBSubnetGroupCommand, DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand, ListTagsForResourceCommand, ModifyDBInstanceCommand, StartDBInstanceCommand, StopDBInstanceCommand,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { z } from 'zod';
import type { StepContext } from '../context';
import { awsErrorCode, isNotFound } from '../aws/classify';
import { imageTag, stackImages } from '../bootstrap/compose';
import { scaleNames, SCALE_KEYS } from '../scale/names';
import { stackTags, tagValue, TAG_STACK_ID } from '../stack/naming';
import { pollUntil } from '../wait';
import { nameTaken } from './name-taken';
import { ensureResource, type Found } from './ensure';
import type { Subnet } from './network';
import { SECRETS, secretValue } from './secrets';
import type { SweptResource } from './sweep';
import type { TeardownContext } from './teardown';
import type { AwsClients } from '../aws/clients';
import type { StepResult } from '../graph/run-graph';

/** Where n8n and the workers reach the database: read back from RDS, never assumed. */
export interface DatabaseEndpoint {
  host: string;
  port: number;
}

const DEFAULT_DATA_SERVICE_TIMEOUT_MS = 40 * 60_000;
export function dataServiceTimeout(timing: { dataServiceTimeoutMs?: number }): number {
  return timing.dataServiceTimeoutMs ?? DEFAULT_DATA_SERVICE_TIMEOUT_MS;
}

/** What we read of a DB instance; the fields deploy depends on are checked. */
const dbInstanceSchema = z.looseObject({
  DBInstanceIdentifier: z.string(),
  DBInstanceArn: z.string().optional(),
  DBInstanceStatus: z.string().optional(),
  DBInstanceClass: z.string().optional(),
  AllocatedStorage: z.number().optional(),
  StorageEncrypted: z.boolean().optional(),
  Endpoint: z.looseObject({ Address: z.string().optional(), Port: z.number().optional() }).optional(),
  TagList: z.array(z.looseObject({ Key: z.string().optional(), Value: z.string().optional() })).optional(),
});
type DbView = z.infer<typeof dbInstanceSchema>;

export async function describeDatabase(clients: AwsClients, id: string): Promise<DbView | undefined> {
  try {
    const found = (await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
    return found ? dbInstanceSchema.parse(found as DBInstance) : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function tagsOf(clients: AwsClients, arn: string | undefined, listed: DbView["TagList"]): Promise<readonly { Key?: string; Value?: string }[]> {
  if (listed && listed.length > 0) return listed;
  if (!arn) return [];
  return (await clients.rds.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList ?? [];
}

/** The stack's subnet group over its private subnets (two AZs, as RDS requires). */
export async function ensureDatabaseSubnetGroup(ctx: StepContext, subnets: readonly Subnet[]): Promise<StepResult & { name: string }> {
  const name = scaleNames.databaseSubnetGroup(ctx.stack);
  const lookUp = async (): Promise<Found | undefined> => {
    try {
      const group = (await ctx.clients.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }))).DBSubnetGroups?.[0];
      if (!group) return undefined;
      const tags = await tagsOf(ctx.clients, group.DBSubnetGroupArn, []);
      if (tagValue(tags, TAG_STACK_ID) !== ctx.stackId) throw nameTaken(ctx.clients.region, 'An RDS subnet group', name, tagValue(tags, TAG_STACK_ID));
      return { id: name };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const { outcome } = await ensureResource(ctx, {
    key: SCALE_KEYS.databaseSubnetGroup, kind: 'db-subnet-group',
    describe: lookUp, findOrphan: lookUp,
    // The name is the idempotency key: RDS has no client token.
    create: () => createOrAdoptNamed(async () => {
      await ctx.clients.rds.send(new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: name, DBSubnetGroupDescription: `GeuseMaker stack ${ctx.stack}: private subnets`,
        SubnetIds: subnets.map((s) => s.id), Tags: stackTags(ctx, SCALE_KEYS.databaseSubnetGroup, name),
      }));
      return { id: name };
    }, lookUp),
  });
  return { outcome, detail: `${name} (${subnets.map((s) => `${s.id} in ${s.zone}`).join(', ')})`, name };
}


/**
 * RDS and ElastiCache name their "already exists" answers per resource (DBInstanceAlreadyExists,
 * ReplicationGroupAlreadyExists…), which the shared list of repeat answers does not hold. After a lost answer the
 * SDK sends the create again and gets one about its own first attempt: looked up by the fixed name, ours is adopted
 * and another stack's is refused (lookUp throws NAME_TAKEN); one being deleted keeps the create's error.
 */
export async function createOrAdoptNamed(create: () => Promise<Found>, lookUp: () => Promise<Found | undefined>): Promise<Found> {
  try {
    return await create();
  } catch (error) {
    if (!/AlreadyExists(Fault)?$/.test(awsErrorCode(error) ?? '')) throw error;
    const found = await lookUp();
    if (!found) throw error;
    return found;
  }
}

/**
 * A delete whose answer was lost, or whose repeat found the resource already being deleted (RDS answers
 * InvalidDBInstanceState, ElastiCache InvalidReplicationGroupState): what AWS says now decides whether it happened.
 */
export async function deleteOnce(send: () => Promise<unknown>, stillThere: () => Promise<boolean>): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (isNotFound(error)) return;
    if (await stillThere().catch(() => true)) throw error;
  }
}

/** RDS PostgreSQL at the major version the stack's postgres image runs, so a dump restores as it was written. */
export function databaseEngineVersion(images: Readonly<Partial<Record<string, string>>> | undefined): string {
  return imageTag(stackImages(images).postgres).split('-')[0] ?? '16';
}

/**
 * The stack's PostgreSQL on RDS: encrypted, private, automated backups kept 7 days, the master user n8n with the
 * stack's postgres-password secret (read from Parameter Store, sent over TLS to RDS only). Waits until available
 * and hands on the endpoint RDS reports.
 */
export async function ensureDatabase(ctx: StepContext, inputs: { subnetGroup: string; groupId: string }): Promise<StepResult & { endpoint: DatabaseEndpoint }> {
  const scale = ctx.config.scale!;
  const id = scaleNames.database(ctx.stack);
  const lookUp = async (): Promise<Found | undefined> => {
    const db = await describeDatabase(ctx.clients, id);
    if (!db || db.DBInstanceStatus === 'deleting') return undefined;
    const tags = await tagsOf(ctx.clients, db.DBInstanceArn, db.TagList);
    if (tagValue(tags, TAG_STACK_ID) !== ctx.stackId) throw nameTaken(ctx.clients.region, 'An RDS database', id, tagValue(tags, TAG_STACK_ID));
    return { id, attrs: { arn: db.DBInstanceArn ?? '' } };
  };
  const { outcome } = await ensureResource(ctx, {
    key: SCALE_KEYS.database, kind: 'database',
    describe: lookUp, findOrphan: lookUp,
    // The identifier is the idempotency key: RDS has no client token.
    create: () => createOrAdoptNamed(async () => {
      const password = await secretValue(ctx, SECRETS.find((s) => s.name === 'postgres-password')!);
      const out = await ctx.clients.rds.send(new CreateDBInstanceCommand({
        DBInstanceIdentifier: id, DBInstanceClass: scale.databaseClass, Engine: 'postgres', EngineVersion: databaseEngineVersion(ctx.facts.images),
        MasterUsername: 'n8n', MasterUserPassword: password, DBName: 'n8n',
        AllocatedStorage: scale.databaseStorageGb, StorageType: 'gp3', StorageEncrypted: true,
        PubliclyAccessible: false, MultiAZ: false, DBSubnetGroupName: inputs.subnetGroup, VpcSecurityGroupIds: [inputs.groupId],
        BackupRetentionPeriod: 7, CopyTagsToSnapshot: true, AutoMinorVersionUpgrade: true, DeletionProtection: false,
        Tags: stackTags(ctx, SCALE_KEYS.database, id),
      }));
      return { id, attrs: { arn: out.DBInstance?.DBInstanceArn ?? '' } };
    }, lookUp),
  });
  const ready = await untilAvailable(ctx, id);
  await convergeDatabase(ctx, ready);
  const endpoint = { host: ready.Endpoint?.Address ?? '', port: ready.Endpoint?.Port ?? 5432 };
  if (!endpoint.host) throw new Error(`RDS reports no endpoint for ${id} although it is available.`);
  await ctx.journal.created(SCALE_KEYS.database, 'database', id, { arn: ready.DBInstanceArn ?? '', endpoint: `${endpoint.host}:${endpoint.port}`, class: ready.DBInstanceClass ?? '' });
  return {
    outcome, endpoint,
    detail: `${id} (${ready.DBInstanceClass}, ${ready.AllocatedStorage} GiB, ${ready.StorageEncrypted ? 'encrypted' : 'NOT encrypted'}) at ${endpoint.host}:${endpoint.port}`,
  };
}

/** A paused stack's database is stopped: deploy starts it; every other state is waited out. */
async function untilAvailable(ctx: StepContext, id: string): Promise<DbView> {
  const first = await describeDatabase(ctx.clients, id);
  if (first?.DBInstanceStatus === 'stopped') {
    await ctx.clients.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: id }));
    await ctx.report.note(`The database ${id} was stopped (the stack was paused); it is started again.`);
  }
  return pollUntil(async () => {
    const db = await describeDatabase(ctx.clients, id);
    if (db?.DBInstanceStatus === 'available') return db;
    ctx.report.waiting(`RDS database ${id} to become available (${db?.DBInstanceStatus ?? 'not visible yet'}; usually 5–15 minutes)`);
    return undefined;
  }, { what: `RDS database ${id} to become available`, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: dataServiceTimeout(ctx.timing), signal: ctx.report.signal, timeoutNextStep: 'Look at the database in the RDS console, then run deploy again: it waits on the same database.' });
}

/** The class and storage follow the config in place (storage only grows: RDS cannot shrink it). */
async function convergeDatabase(ctx: StepContext, db: DbView): Promise<void> {
  const scale = ctx.config.scale!;
  const change: { DBInstanceClass?: string; AllocatedStorage?: number } = {};
  if (db.DBInstanceClass && db.DBInstanceClass !== scale.databaseClass) change.DBInstanceClass = scale.databaseClass;
  if (db.AllocatedStorage !== undefined && scale.databaseStorageGb > db.AllocatedStorage) change.AllocatedStorage = scale.databaseStorageGb;
  if (Object.keys(change).length === 0) return;
  await ctx.clients.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: db.DBInstanceIdentifier, ApplyImmediately: true, ...change }));
  await ctx.report.note(`The database ${db.DBInstanceIdentifier} is being modified (${Object.entries(change).map(([k, v]) => `${k} → ${v}`).join(', ')}); RDS applies it now, with a short interruption for a class change.`);
}

export interface DatabaseDeleteContext extends TeardownContext {
  /** --delete-data: no final snapshot. Otherwise one is taken and kept. */
  deleteData?: boolean;
  /** Called with the final snapshot's name, so destroy can say where the data is kept. */
  onFinalSnapshot?(id: string, snapshot: string): void;
}

/** Deletes the databases, each with a final snapshot unless the data is deleted too, and waits until they are gone. */
export async function deleteDatabases(ctx: DatabaseDeleteContext, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const db = await describeDatabase(ctx.clients, id);
    if (!db) continue;
    if (db.DBInstanceStatus !== 'deleting') {
      const snapshot = ctx.deleteData ? undefined : scaleNames.finalSnapshot(id, new Date());
      await deleteOnce(() => ctx.clients.rds.send(new DeleteDBInstanceCommand({
        DBInstanceIdentifier: id, SkipFinalSnapshot: ctx.deleteData === true,
        ...(snapshot ? { FinalDBSnapshotIdentifier: snapshot } : {}),
        // Automated backups go with the instance; the final snapshot is what is kept.
        DeleteAutomatedBackups: true,
      })), async () => {
        const now = await describeDatabase(ctx.clients, id);
        return now !== undefined && now.DBInstanceStatus !== 'deleting';
      });
      if (snapshot) ctx.onFinalSnapshot?.(id, snapshot);
    }
    await pollUntil(async () => {
      const left = await describeDatabase(ctx.clients, id);
      if (!left) return true;
      ctx.waiting(`RDS database ${id} to be deleted (${left.DBInstanceStatus ?? ''}; usually 5–10 minutes)`);
      return undefined;
    }, { what: `RDS database ${id} to be deleted`, intervalMs: ctx.timing.pollIntervalMs, timeoutMs: dataServiceTimeout(ctx.timing), signal: ctx.signal });
  }
}

export async function deleteDatabaseSubnetGroups(ctx: TeardownContext, names: readonly string[]): Promise<void> {
  for (const name of names) {
    try {
      await ctx.clients.rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: name }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

/** Pause: stop the database (AWS starts a stopped instance again after 7 days on its own). */
export async function stopDatabase(clients: AwsClients, id: string): Promise<'stopped' | 'already' | 'missing'> {
  const db = await describeDatabase(clients, id);
  if (!db) return 'missing';
  if (db.DBInstanceStatus === 'stopped' || db.DBInstanceStatus === 'stopping') return 'already';
  await clients.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: id }));
  return 'stopped';
}

export async function sweepDatabases(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const db = await describeDatabase(clients, scaleNames.database(stack));
  if (!db || db.DBInstanceStatus === 'deleting') return [];
  const tags = await tagsOf(clients, db.DBInstanceArn, db.TagList);
  return [{ kind: 'database', id: db.DBInstanceIdentifier, key: SCALE_KEYS.database, stackId: tagValue(tags, TAG_STACK_ID), state: db.DBInstanceStatus }];
}

export async function sweepDatabaseSubnetGroups(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const name = scaleNames.databaseSubnetGroup(stack);
  try {
    const group = (await clients.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }))).DBSubnetGroups?.[0];
    if (!group) return [];
    const tags = await tagsOf(clients, group.DBSubnetGroupArn, []);
    return [{ kind: 'db-subnet-group', id: name, key: SCALE_KEYS.databaseSubnetGroup, stackId: tagValue(tags, TAG_STACK_ID) }];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
