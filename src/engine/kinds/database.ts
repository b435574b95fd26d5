import type { DatabaseEndpoint } from '../resources/database';
import { refused } from '../errors';
import { SCALE_KEYS } from '../scale/names';
import { securityGroup } from './security-group';
import { ssmParameter } from './ssm-parameter';
import { subnet } from './subnet';
import { defineKind, handle, provide, step } from './types';

const SUBNET_GROUP = handle<string>('db-subnet-group', "the database's subnet group");
const ENDPOINT = handle<DatabaseEndpoint>('database', "the database's endpoint");
/** The endpoint once n8n's data is in it (moved from the instance's PostgreSQL when the stack turns scale on). */
const READY = handle<DatabaseEndpoint>('database', "the database holding n8n's data");

/** RDS's subnet group over the stack's private subnets (or the user's, on an existing network). */
export const databaseSubnetGroup = defineKind({
  kind: 'db-subnet-group',
  part: 'scale',
  dependsOn: [subnet],
  handles: { name: SUBNET_GROUP },
  journalKeys: (scope) => (scope.config.scale?.database === 'rds' ? [SCALE_KEYS.databaseSubnetGroup] : []),
  findByTag: async (clients, stack) => (await import('../resources/database')).sweepDatabaseSubnetGroups(clients, stack),
  steps: (scope) => (scope.config.scale?.database !== 'rds' ? [] : [step({
    id: SCALE_KEYS.databaseSubnetGroup, title: 'Database subnet group (private subnets)', keys: [SCALE_KEYS.databaseSubnetGroup], provides: [SUBNET_GROUP],
    uses: { subnets: scope.newNetwork ? [subnet.handles.privateA, subnet.handles.privateB] : subnet.handles.existing },
    run: async (ctx, use) => {
      const result = await (await import('../resources/database')).ensureDatabaseSubnetGroup(ctx, use.subnets);
      return { ...result, provided: [provide(SUBNET_GROUP, result.name)] };
    },
  })]),
  teardown: {
    step: { id: 'db-subnet-group', title: 'Database subnet group' },
    delete: async (ctx, ids) => (await import('../resources/database')).deleteDatabaseSubnetGroups(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});

/**
 * A scaled stack's PostgreSQL on RDS, which every worker reaches at one stable endpoint. Destroy deletes it after
 * the worker groups (the worker-pool kind depends on it), with a final snapshot unless the data is deleted too.
 */
export const database = defineKind({
  kind: 'database',
  part: 'scale',
  dependsOn: [databaseSubnetGroup, securityGroup, ssmParameter],
  handles: { endpoint: READY },
  journalKeys: (scope) => (scope.config.scale?.database === 'rds' ? [SCALE_KEYS.database] : []),
  findByTag: async (clients, stack) => (await import('../resources/database')).sweepDatabases(clients, stack),
  steps: (scope) => (scope.config.scale?.database !== 'rds' ? [] : [step({
    id: SCALE_KEYS.database, title: 'RDS PostgreSQL (encrypted, private)', keys: [SCALE_KEYS.database], provides: [ENDPOINT],
    // The master password is the stack's postgres-password secret.
    uses: { subnetGroup: SUBNET_GROUP, groupId: securityGroup.handles.database, secrets: ssmParameter.handles.names },
    run: async (ctx, use) => {
      const result = await (await import('../resources/database')).ensureDatabase(ctx, use);
      return { ...result, provided: [provide(ENDPOINT, result.endpoint)] };
    },
  }), step({
    id: 'database-migration', title: "n8n's PostgreSQL moved into RDS (dump, restore, row counts verified)", provides: [READY],
    uses: { endpoint: ENDPOINT },
    run: async (ctx, use) => {
      const { migrationNeeded } = await import('../scale/migrate-needed');
      if (!migrationNeeded(ctx.journal.state, ctx.config)) return { outcome: 'reused', detail: 'n8n keeps its data in RDS', provided: [provide(READY, use.endpoint)] };
      const instanceId = ctx.journal.record('instance')?.id;
      if (!instanceId) {
        throw refused('MIGRATION_FAILED', `Stack ${ctx.stack}'s PostgreSQL data is on its file system, but no instance runs to move it into RDS (the stack is paused or its instance is gone).`,
          `Resume the stack first (\`geusemaker resume ${ctx.stack}\`), then deploy the scale change again.`);
      }
      const moved = await (await import('../scale/migrate')).migrateIntoRds(ctx, { ...use.endpoint, instanceId });
      return { outcome: 'done', detail: `${moved.tables} tables, ${moved.rows} rows copied and counted equal on both sides`, provided: [provide(READY, use.endpoint)] };
    },
  })]),
  teardown: {
    step: { id: 'database', title: 'RDS database (a final snapshot unless data is deleted)' },
    delete: async (ctx, ids) => (await import('../resources/database')).deleteDatabases(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
