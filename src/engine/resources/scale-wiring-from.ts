import type { ScaleWiring } from '../bootstrap/input';
import { databaseSwitched } from '../kinds/scale-wiring';
import { OLLAMA_PORT, SCALE_KEYS } from '../scale/names';
import type { StackConfig } from '../stack/config';
import type { StackState } from '../state/schema';

function endpointOf(attr: string | undefined): { host: string; port: number } | undefined {
  const match = /^(.+):(\d+)$/.exec(attr ?? '');
  return match ? { host: match[1]!, port: Number(match[2]) } : undefined;
}

/**
 * The wiring a launch would render now, from what the journal recorded the deploy steps read back (endpoints,
 * the internal load balancer's name): plan and the in-place checks render the same script the launch template holds.
 * Undefined when the config does not scale, or a service it needs is not recorded yet.
 */
export function scaleWiringFrom(config: StackConfig, state: Pick<StackState, 'resources' | 'config'>): ScaleWiring | undefined {
  const scale = config.scale;
  if (!scale) return undefined;
  const record = (key: string) => (state.resources[key]?.status === 'created' ? state.resources[key] : undefined);
  const database = scale.database === 'rds' ? endpointOf(record(SCALE_KEYS.database)?.attrs.endpoint) : undefined;
  const queue = scale.queue === 'elasticache' ? endpointOf(record(SCALE_KEYS.cache)?.attrs.endpoint) : undefined;
  const lbName = scale.ollamaWorkers ? record(SCALE_KEYS.internalLoadBalancer)?.attrs.dnsName : undefined;
  if ((scale.database === 'rds' && !database) || (scale.queue === 'elasticache' && !queue) || (scale.ollamaWorkers && !lbName)) return undefined;
  return {
    database: database ?? 'instance',
    queue: queue ? { ...queue, tls: true } : 'instance',
    ...(lbName ? { ollamaUrl: `http://${lbName}:${OLLAMA_PORT}` } : {}),
    databaseSwitched: databaseSwitched(state as StackState, config),
  };
}
