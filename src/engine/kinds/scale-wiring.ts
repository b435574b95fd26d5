import type { ScaleWiring } from '../bootstrap/input';
import type { DatabaseEndpoint } from '../resources/database';
import type { LoadBalancerValue } from '../resources/load-balancer';
import type { QueueEndpoint } from '../resources/queue-cache';
import { migrationNeeded } from '../scale/migrate-needed';
import type { StackConfig } from '../stack/config';
import type { StackState } from '../state/schema';
import type { ScaleSettings } from '../stack/scale-config';
import { database } from './database';
import { internalLoadBalancer } from './internal-load-balancer';
import { queueCache } from './queue-cache';
import type { BuildScope } from './types';

/* How the instance and the workers find the shared services (kept apart from the kinds that use it: no import cycle). */

/** Where the shared services are, from the steps that made them (the config says which exist). */
export function scaleWiring(scale: ScaleSettings, values: { database?: DatabaseEndpoint; queue?: QueueEndpoint; ollama?: LoadBalancerValue }, databaseSwitched: boolean): ScaleWiring {
  return {
    database: scale.database === 'rds' && values.database ? values.database : 'instance',
    queue: scale.queue === 'elasticache' && values.queue ? { ...values.queue, tls: true } : 'instance',
    ...(values.ollama ? { ollamaUrl: `http://${values.ollama.dnsName}:11434` } : {}),
    databaseSwitched,
  };
}

/**
 * Whether n8n's data lives in RDS now: the database was made for a stack that had no data on its instance, or the
 * migration copied the instance's PostgreSQL into it and verified it (scale/migrate.ts).
 */
export function databaseSwitched(state: StackState, config: StackConfig): boolean {
  return config.scale?.database === 'rds' && !migrationNeeded(state, config);
}

/** The handles that give the wiring, for this config (undefined where the service is the instance's own). */
export function wiringUses(scope: BuildScope) {
  const scale = scope.config.scale;
  return {
    database: scale?.database === 'rds' ? database.handles.endpoint : undefined,
    queue: scale?.queue === 'elasticache' ? queueCache.handles.endpoint : undefined,
    ollama: scale?.ollamaWorkers ? internalLoadBalancer.handles.loadBalancer : undefined,
  };
}

