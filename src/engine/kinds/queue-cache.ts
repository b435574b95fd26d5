import type { QueueEndpoint } from '../resources/queue-cache';
import { SCALE_KEYS } from '../scale/names';
import { securityGroup } from './security-group';
import { ssmParameter } from './ssm-parameter';
import { subnet } from './subnet';
import { defineKind, handle, provide, step } from './types';

const SUBNET_GROUP = handle<string>('cache-subnet-group', "the queue's subnet group");
const ENDPOINT = handle<QueueEndpoint>('cache', "the queue's primary endpoint");

export const cacheSubnetGroup = defineKind({
  kind: 'cache-subnet-group',
  part: 'scale',
  dependsOn: [subnet],
  handles: { name: SUBNET_GROUP },
  journalKeys: (scope) => (scope.config.scale?.queue === 'elasticache' ? [SCALE_KEYS.cacheSubnetGroup] : []),
  findByTag: async (clients, stack) => (await import('../resources/queue-cache')).sweepCacheSubnetGroups(clients, stack),
  steps: (scope) => (scope.config.scale?.queue !== 'elasticache' ? [] : [step({
    id: SCALE_KEYS.cacheSubnetGroup, title: 'Queue subnet group (private subnets)', keys: [SCALE_KEYS.cacheSubnetGroup], provides: [SUBNET_GROUP],
    uses: { subnets: scope.newNetwork ? [subnet.handles.privateA, subnet.handles.privateB] : subnet.handles.existing },
    run: async (ctx, use) => {
      const result = await (await import('../resources/queue-cache')).ensureCacheSubnetGroup(ctx, use.subnets);
      return { ...result, provided: [provide(SUBNET_GROUP, result.name)] };
    },
  })]),
  teardown: {
    step: { id: 'cache-subnet-group', title: 'Queue subnet group' },
    delete: async (ctx, ids) => (await import('../resources/queue-cache')).deleteCacheSubnetGroups(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});

/** n8n's queue on ElastiCache (Valkey): TLS in transit, encrypted at rest, the stack's AUTH token. */
export const queueCache = defineKind({
  kind: 'cache',
  part: 'scale',
  dependsOn: [cacheSubnetGroup, securityGroup, ssmParameter],
  handles: { endpoint: ENDPOINT },
  journalKeys: (scope) => (scope.config.scale?.queue === 'elasticache' ? [SCALE_KEYS.cache] : []),
  findByTag: async (clients, stack) => (await import('../resources/queue-cache')).sweepCaches(clients, stack),
  steps: (scope) => (scope.config.scale?.queue !== 'elasticache' ? [] : [step({
    id: SCALE_KEYS.cache, title: 'ElastiCache queue (TLS, encrypted, AUTH token)', keys: [SCALE_KEYS.cache], provides: [ENDPOINT],
    uses: { subnetGroup: SUBNET_GROUP, groupId: securityGroup.handles.queue, secrets: ssmParameter.handles.names },
    run: async (ctx, use) => {
      const result = await (await import('../resources/queue-cache')).ensureCache(ctx, use);
      return { ...result, provided: [provide(ENDPOINT, result.endpoint)] };
    },
  })]),
  teardown: {
    step: { id: 'cache', title: 'ElastiCache queue' },
    delete: async (ctx, ids) => (await import('../resources/queue-cache')).deleteCaches(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
