import type { WorkerPoolName } from '../stack/scale-config';

/*
 * Names of the scale resources, derived from the stack name (at most 24 characters). Each fits its AWS limit:
 * RDS identifiers 63, ElastiCache replication group ids 40, load balancer and target group names 32.
 */
export const scaleNames = {
  database: (stack: string) => `gm-${stack}-db`,
  databaseSubnetGroup: (stack: string) => `gm-${stack}-db`,
  /** The final snapshot destroy takes of the database (unless --delete-data); the time keeps repeats apart. */
  finalSnapshot: (databaseId: string, at: Date) => `${databaseId}-final-${at.toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase()}`,
  cache: (stack: string) => `gm-${stack}-queue`,
  cacheSubnetGroup: (stack: string) => `gm-${stack}-queue`,
  workerGroup: (stack: string, pool: WorkerPoolName) => `gm-${stack}-${pool}-workers`,
  workerTemplate: (stack: string, pool: WorkerPoolName) => `gm-${stack}-${pool}-worker`,
  internalLoadBalancer: (stack: string) => `gm-${stack}-int`,
  ollamaTargetGroup: (stack: string) => `gm-${stack}-olw`,
  /** Where the main instance publishes its private address (database or queue: instance). */
  mainAddressParameter: (stack: string) => `/geusemaker/${stack}/main-address`,
};

/** Journal keys of the scale resources. */
export const SCALE_KEYS = {
  privateSubnets: ['private-subnet-a', 'private-subnet-b'],
  databaseGroup: 'sg-database',
  queueGroup: 'sg-queue',
  workerGroup: 'sg-workers',
  internalAlbGroup: 'sg-internal-alb',
  databaseSubnetGroup: 'db-subnet-group',
  database: 'database',
  cacheSubnetGroup: 'cache-subnet-group',
  cache: 'queue-cache',
  workerTemplate: (pool: WorkerPoolName) => `launch-template-${pool}-worker`,
  workerGroupKey: (pool: WorkerPoolName) => `worker-group-${pool}`,
  internalLoadBalancer: 'load-balancer-internal',
  ollamaTargetGroup: 'target-group-ollama',
  ollamaListener: 'listener-ollama',
} as const;

/** The CloudWatch metric the main instance publishes from n8n's /metrics (n8n_scaling_mode_queue_jobs_waiting). */
export const QUEUE_METRIC = { namespace: 'GeuseMaker/n8n', name: 'QueueJobsWaiting', dimension: 'Stack' } as const;

export const DATABASE_PORT = 5432;
export const CACHE_PORT = 6379;
export const OLLAMA_PORT = 11434;
/** n8n workers answer /healthz here when QUEUE_HEALTH_CHECK_ACTIVE is on. */
export const N8N_WORKER_HEALTH_PORT = 5678;
