import * as z from 'zod';

/*
 * The `scale` section: n8n in queue mode with worker pools (EC2 Auto Scaling), PostgreSQL on RDS and the queue on
 * ElastiCache. Off when absent. Plain zod and data only: the wizard's webview bundle reads the defaults too.
 */

const instanceTypeSchema = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'must look like an EC2 instance type such as c7i.large' });

/** What the pools default to: compute-optimised, interchangeable, so spot has several pools to draw from. */
export const DEFAULT_N8N_WORKER_TYPES = ['c7i.large', 'c6i.large', 'm7i.large'] as const;
export const DEFAULT_OLLAMA_WORKER_TYPES = ['g4dn.xlarge', 'g5.xlarge'] as const;
export const DEFAULT_DATABASE_CLASS = 'db.t4g.medium';
export const DEFAULT_CACHE_NODE_TYPE = 'cache.t4g.small';
/** An n8n worker's --concurrency per vCPU (n8n's default concurrency is 10 on any size). */
export const N8N_CONCURRENCY_PER_VCPU = 5;

function poolSchema(defaults: { max: number; types: readonly string[] }) {
  return z.strictObject({
    // Target tracking needs a metric from running workers: it cannot start a pool from 0 (pause takes pools to 0).
    min: z.number().int().min(1, { error: 'must be at least 1: target tracking scales on what running workers report, so it cannot start a pool from 0 (pause stops every pool)' }).max(100).default(1),
    max: z.number().int().min(1, { error: 'must be at least 1' }).max(100, { error: 'must be at most 100 workers' }).default(defaults.max),
    instanceTypes: z.array(instanceTypeSchema).min(1, { error: 'needs at least one instance type' })
      .max(20, { error: "may list at most 20 types (the group's limit)" }).default([...defaults.types]),
    market: z.enum(['spot', 'on-demand'], { error: 'must be spot or on-demand' }).default('spot'),
  });
}

const n8nWorkersSchema = poolSchema({ max: 4, types: DEFAULT_N8N_WORKER_TYPES }).extend({
  /** cpu: target tracking on the group's average CPU; queue: on n8n's waiting jobs per worker (published to CloudWatch by the main instance). */
  scaleOn: z.enum(['cpu', 'queue'], { error: 'must be cpu or queue' }).default('cpu'),
  targetCpuPercent: z.number().int().min(10, { error: 'must be at least 10' }).max(90, { error: 'must be at most 90' }).default(60),
  targetWaitingPerWorker: z.number().int().min(1, { error: 'must be at least 1' }).max(1000).default(10),
});

const ollamaWorkersSchema = poolSchema({ max: 2, types: DEFAULT_OLLAMA_WORKER_TYPES }).extend({
  /** Target tracking on the internal load balancer's requests per worker per minute. */
  targetRequestsPerWorker: z.number().int().min(1, { error: 'must be at least 1' }).max(100_000).default(30),
});

export const scaleSchema = z
  .strictObject({
    n8nWorkers: n8nWorkersSchema.default({ min: 1, max: 4, instanceTypes: [...DEFAULT_N8N_WORKER_TYPES], market: 'spot', scaleOn: 'cpu', targetCpuPercent: 60, targetWaitingPerWorker: 10 }),
    ollamaWorkers: ollamaWorkersSchema.optional(),
    /** rds: every worker reaches one stable endpoint; instance: the main instance's PostgreSQL, at whatever address it has now. */
    database: z.enum(['rds', 'instance'], { error: 'must be rds or instance' }).default('rds'),
    queue: z.enum(['elasticache', 'instance'], { error: 'must be elasticache or instance' }).default('elasticache'),
    databaseClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: 'must be an RDS instance class such as db.t4g.medium' }).default(DEFAULT_DATABASE_CLASS),
    databaseStorageGb: z.number().int().min(20, { error: 'must be at least 20 GiB (gp3)' }).max(65_536).default(20),
    cacheNodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, { error: 'must be an ElastiCache node type such as cache.t4g.small' }).default(DEFAULT_CACHE_NODE_TYPE),
  })
  .superRefine((scale, ctx) => {
    for (const [name, pool] of [['n8nWorkers', scale.n8nWorkers], ['ollamaWorkers', scale.ollamaWorkers]] as const) {
      if (pool && pool.min > pool.max) ctx.addIssue({ code: 'custom', path: [name, 'min'], message: `is ${pool.min}, above max ${pool.max}: a pool runs between min and max workers` });
    }
  });

export type ScaleSettings = z.output<typeof scaleSchema>;
export type WorkerPoolName = 'n8n' | 'ollama';
export type WorkerPoolSettings = ScaleSettings['n8nWorkers'] | NonNullable<ScaleSettings['ollamaWorkers']>;

/** The pools a scale section asks for, in deploy order. */
export function workerPools(scale: ScaleSettings | undefined): { pool: WorkerPoolName; settings: WorkerPoolSettings }[] {
  if (!scale) return [];
  return [{ pool: 'n8n' as const, settings: scale.n8nWorkers }, ...(scale.ollamaWorkers ? [{ pool: 'ollama' as const, settings: scale.ollamaWorkers }] : [])];
}
