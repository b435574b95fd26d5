import { CACHE_PORT, DATABASE_PORT, N8N_WORKER_HEALTH_PORT } from '../scale/names';
import type { ScaleWiring } from './input';

/*
 * n8n in queue mode (a scaled stack): the settings main and workers share, so both read the same queue, database and
 * encryption key. Secrets stay ${VAR} references to the env file, as everywhere else.
 */

/** The env file variable with the queue's auth token (parameter redis-auth-token). */
export const REDIS_SECRET_VAR = 'REDIS_AUTH_TOKEN';
/** The env file variable a worker gets the main instance's private address in (database or queue on the instance). */
export const MAIN_ADDRESS_VAR = 'MAIN_ADDRESS';
/** The env file variable holding an n8n worker's --concurrency, counted at boot from its vCPUs. */
export const CONCURRENCY_VAR = 'N8N_WORKER_CONCURRENCY';
/** Amazon RDS's CA bundle, fetched at boot where n8n talks to RDS; mounted read-only into n8n at the same path. */
export const RDS_CA_PATH = '/etc/geusemaker/rds-ca.pem';
export const RDS_CA_URL = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';

const ref = (name: string) => `\${${name}:?missing from /etc/geusemaker/stack.env}`;

/** n8n's data lives in the main instance's PostgreSQL: database instance, or RDS before the migration switched it. */
export function databaseOnMain(scale: ScaleWiring): boolean {
  return scale.database === 'instance' || !scale.databaseSwitched;
}

/** The database n8n uses is RDS (reached over TLS). */
export function usesRds(scale: ScaleWiring): scale is ScaleWiring & { database: { host: string; port: number } } {
  return !databaseOnMain(scale);
}

/** Workers reach something on the main instance, which therefore publishes its private address. */
export function workersNeedMain(scale: ScaleWiring): boolean {
  return databaseOnMain(scale) || scale.queue === 'instance';
}

/**
 * The queue-mode environment of n8n on the main instance or on a worker. On main the instance's own services are
 * compose service names; a worker reaches them at the address main published (MAIN_ADDRESS in its env file).
 */
export function n8nQueueEnv(scale: ScaleWiring, role: 'main' | 'worker'): Record<string, string> {
  const local = (service: string) => (role === 'main' ? service : ref(MAIN_ADDRESS_VAR));
  const queue = scale.queue === 'instance' ? { host: local('redis'), port: CACHE_PORT, tls: false } : scale.queue;
  const database = usesRds(scale) ? scale.database : { host: local('postgres'), port: DATABASE_PORT };
  const env: Record<string, string> = {
    EXECUTIONS_MODE: 'queue',
    QUEUE_BULL_REDIS_HOST: queue.host,
    QUEUE_BULL_REDIS_PORT: String(queue.port),
    QUEUE_BULL_REDIS_PASSWORD: ref(REDIS_SECRET_VAR),
    DB_POSTGRESDB_HOST: database.host,
    DB_POSTGRESDB_PORT: String(database.port),
    // Queue mode cannot use filesystem mode (workers do not share main's disk) and s3 needs an n8n Enterprise
    // licence; n8n 1.80 has no database mode. So binary data stays in memory and travels with the execution.
    N8N_DEFAULT_BINARY_DATA_MODE: 'default',
  };
  // ElastiCache has encryption in transit on: TLS, its certificate from a public CA Node already trusts.
  if (queue.tls) env.QUEUE_BULL_REDIS_TLS = 'true';
  if (usesRds(scale)) {
    // RDS for PostgreSQL 15+ refuses plain connections (rds.force_ssl=1). The certificate is verified, not waved
    // through: Node does not ship Amazon RDS's CAs, so the bundle fetched at boot is added with NODE_EXTRA_CA_CERTS,
    // which Node itself reads (whatever n8n's own SSL_CA handling is in a given release).
    env.DB_POSTGRESDB_SSL_ENABLED = 'true';
    env.DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED = 'true';
    env.NODE_EXTRA_CA_CERTS = RDS_CA_PATH;
  }
  if (scale.ollamaUrl) env.OLLAMA_HOST = scale.ollamaUrl;
  if (role === 'main') {
    env.OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS = 'true';
    // /metrics (nginx never forwards it) gives n8n_scaling_mode_queue_jobs_waiting to the queue-metric timer.
    env.N8N_METRICS = 'true';
    env.N8N_METRICS_INCLUDE_QUEUE_METRICS = 'true';
  } else {
    env.QUEUE_HEALTH_CHECK_ACTIVE = 'true';
    env.QUEUE_HEALTH_CHECK_PORT = String(N8N_WORKER_HEALTH_PORT);
    // Running executions get this long to finish when the instance shuts down (scale-in, replacement): under the
    // worker unit's `compose stop -t 90`.
    env.N8N_GRACEFUL_SHUTDOWN_TIMEOUT = '80';
  }
  return env;
}
