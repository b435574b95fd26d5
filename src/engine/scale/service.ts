import { classifyAwsError } from '../aws/classify';
import { GeuseError, invalidInput, refused } from '../errors';
import type { EngineHost, HostOperationOptions } from '../host';
import type { StackConfig } from '../stack/config';
import type { WorkerPoolName } from '../stack/scale-config';
import type { StackState } from '../state/schema';
import { parseCapacityRequest, poolNameSchema, resolveCapacity, sameSizes, type CapacityRequest } from './pool-capacity';
import type { PoolSizes, PoolView } from './pools';
import { SCALE_KEYS } from './names';

export type { PoolSizes, PoolView } from './pools';
export type { CapacityRequest } from './pool-capacity';

/** What setCapacity did: the pool as AWS read it back afterwards, what it had before, and what to know. */
export interface CapacityResult extends PoolView {
  /** The sizes the group had before (read from AWS under the lock). */
  before: PoolSizes;
  /** False when the group already had these sizes: no call was made. */
  changed: boolean;
  /** Plain words: the recorded config, the config file, target tracking, workers still launching. */
  notes: string[];
}

const CONFIG_KEY = { n8n: 'n8nWorkers', ollama: 'ollamaWorkers' } as const;

/** The pool's settings in a config, if it has the pool. */
function poolSettings(config: StackConfig | undefined, pool: WorkerPoolName): { min: number; max: number } | undefined {
  return config?.scale?.[CONFIG_KEY[pool]];
}

function refuseUnlessRunning(state: StackState): void {
  if (state.status === 'deployed' || state.status === 'deploy_failed') return;
  const name = state.name;
  throw refused('POOLS_NOT_RUNNING', `Stack ${name} is ${state.status}: worker pool sizes are set only while the stack runs${state.status === 'paused' ? ' (pause took every pool to 0)' : ''}.`,
    state.status === 'paused' ? `Resume it first (\`geusemaker resume ${name}\`), then set the pool's capacity.`
      : state.status === 'new' || state.status === 'destroyed' ? `Deploy it first (\`geusemaker deploy ${name}\`).` : 'Wait until the running operation ends, then try again.');
}

function refuseWithoutPool(state: StackState, pool: WorkerPoolName): void {
  if (poolSettings(state.config, pool) || poolSettings(state.pending?.config, pool)) return;
  const name = state.name;
  if (!state.config.scale && !state.pending?.config.scale) {
    throw refused('POOL_NOT_IN_STACK', `Stack ${name} has no worker pools: its config has no scale section.`, 'Add a scale section to its config (docs/scaling.md) and deploy it.');
  }
  throw refused('POOL_NOT_IN_STACK', `Stack ${name} has no ${pool} pool: its scale section does not set ${CONFIG_KEY[pool]}.`, `Add scale.${CONFIG_KEY[pool]} to its config and deploy it.`);
}

function foreignGroup(view: PoolView, stackId: string): GeuseError {
  const owner = view.foreignStackId ? `carries stack id ${view.foreignStackId} (another stack), not this stack's ${stackId}` : `carries no stack id (made by hand or by another tool)`;
  return refused('NOT_OURS', `Auto Scaling group ${view.groupName} ${owner}, so it is not this stack's ${view.pool} pool and is not changed.`,
    'Find out whose it is (its tags in the EC2 console) before changing it by hand; GeuseMaker never changes a group that is not its own.');
}

/** Worker pools: read them, set their capacity (under the stack's lock). */
export class WorkersService {
  constructor(private readonly host: EngineHost) {}

  /** Every pool of the stack as AWS says now (none for a stack without scale: no call is made). */
  async pools(name: string, options: { signal?: AbortSignal } = {}): Promise<PoolView[]> {
    const state = await this.host.requireState(name);
    const { readPools, stackPools } = await import('./pools');
    if (stackPools(state).length === 0) return [];
    try {
      return await readPools(this.host.clients(state.region, state.config.profile), state, options.signal);
    } catch (error) {
      throw classifyAwsError(error, { profile: state.config.profile });
    }
  }

  /**
   * Sets a pool's min, max and/or desired under the stack's lock, then reads the group back and returns what AWS
   * says. Validated first (1 ≤ min ≤ desired ≤ max ≤ 100; 0 is pause's job); a group that is missing or not ours is
   * refused. The new min/max go into the stack's recorded config (so a plan does not call them drift); the config
   * file keeps its numbers, and the next deploy from it sets those again: the notes say so.
   */
  async setCapacity(name: string, pool: WorkerPoolName, request: CapacityRequest, options: HostOperationOptions = {}): Promise<CapacityResult> {
    const poolName = poolNameSchema.safeParse(pool);
    if (!poolName.success) throw invalidInput('CAPACITY_INVALID', `There is no worker pool called ${JSON.stringify(pool)}.`, 'The pools are n8n and ollama.');
    const wanted = parseCapacityRequest(request);
    return this.host.locked(name, 'scale', options, async () => {
      const state = await this.host.requireState(name);
      refuseUnlessRunning(state);
      refuseWithoutPool(state, poolName.data);
      const clients = this.host.clients(state.region, state.config.profile);
      const { readPool, updatePoolSizes } = await import('./pool-update');
      const emit = options.onProgress ?? (() => undefined);
      try {
        const before = await readPool(clients, state, poolName.data, options.signal);
        if (before.missing) {
          throw refused('POOL_NOT_DEPLOYED', `Auto Scaling group ${before.groupName} does not exist: the ${pool} pool of stack ${name} is not deployed yet, or its group was deleted outside GeuseMaker.`, `Deploy the stack (\`geusemaker deploy ${name}\`): it creates the group with the config's sizes.`);
        }
        if (!before.ours) throw foreignGroup(before, state.stackId);
        const sizes = resolveCapacity(name, poolName.data, before, wanted);
        const changed = !sameSizes(sizes, before);
        if (changed) {
          const started = Date.now();
          const title = `Set the ${pool} pool to min ${sizes.min}, max ${sizes.max}, desired ${sizes.desired}`;
          emit({ type: 'step-started', step: `pool-${pool}`, title });
          await updatePoolSizes(clients, before.groupName, sizes, options.signal).catch((error: unknown) => {
            const failed = classifyAwsError(error, { profile: state.config.profile });
            emit({ type: 'step-failed', step: `pool-${pool}`, title, error: failed, elapsedMs: Date.now() - started });
            throw failed;
          });
          emit({ type: 'step-done', step: `pool-${pool}`, title, outcome: 'done', detail: before.groupName, elapsedMs: Date.now() - started });
        }
        const after = await readPool(clients, state, poolName.data, options.signal);
        const recorded = await this.record(name, poolName.data, wanted, after);
        return { ...after, before: { min: before.min, max: before.max, desired: before.desired }, changed, notes: notesOf(name, poolName.data, sizes, after, changed, recorded) };
      } catch (error) {
        throw classifyAwsError(error, { profile: state.config.profile });
      }
    });
  }

  /**
   * The min/max asked for, as AWS read them back, into the recorded config (and a pending change's, which the
   * next deploy applies): read again under the lock and written atomically. Returns the numbers replaced, if any.
   */
  private async record(name: string, pool: WorkerPoolName, wanted: CapacityRequest, after: PoolView): Promise<{ min: number; max: number } | undefined> {
    const state = await this.host.requireState(name);
    // Only desired asked for: target tracking owns it, and the config has none. A read-back that is not a valid
    // pool (the group went meanwhile) is never recorded.
    if (wanted.min === undefined && wanted.max === undefined) return undefined;
    if (after.missing || !after.ours || after.min < 1 || after.min > after.max) return undefined;
    const key = CONFIG_KEY[pool];
    // Both, as AWS has them: the recorded pair stays a valid min..max whatever the other one was recorded as.
    const update = (config: StackConfig): StackConfig => {
      const settings = config.scale?.[key];
      if (!config.scale || !settings) return config;
      return { ...config, scale: { ...config.scale, [key]: { ...settings, min: after.min, max: after.max } } };
    };
    const old = poolSettings(state.config, pool);
    const config = update(state.config);
    const pending = state.pending ? { ...state.pending, config: update(state.pending.config) } : undefined;
    // The group's journal record carries the sizes its deploy set: it follows too.
    const groupKey = SCALE_KEYS.workerGroupKey(pool);
    const record = state.resources[groupKey];
    const attrs = record ? {
      ...record.attrs,
      ...(record.attrs.min !== undefined ? { min: String(after.min) } : {}),
      ...(record.attrs.max !== undefined ? { max: String(after.max) } : {}),
    } : undefined;
    const attrsChanged = record !== undefined && JSON.stringify(attrs) !== JSON.stringify(record.attrs);
    const resources = record && attrs && attrsChanged ? { ...state.resources, [groupKey]: { ...record, attrs, updatedAt: new Date().toISOString() } } : state.resources;
    const next = { ...state, config, resources, ...(pending ? { pending } : {}) };
    if (JSON.stringify(next) === JSON.stringify(state)) return undefined;
    await this.host.store.write(next);
    const now = poolSettings(config, pool);
    return old && now && (old.min !== now.min || old.max !== now.max) ? { min: old.min, max: old.max } : undefined;
  }
}

function notesOf(name: string, pool: WorkerPoolName, asked: PoolSizes, after: PoolView, changed: boolean, replaced: { min: number; max: number } | undefined): string[] {
  const notes: string[] = [];
  if (!changed) notes.push(`Auto Scaling group ${after.groupName} already had min ${asked.min}, max ${asked.max}, desired ${asked.desired}: nothing was changed.`);
  if (after.min !== asked.min || after.max !== asked.max || after.desired !== asked.desired) {
    notes.push(`AWS reports min ${after.min}, max ${after.max}, desired ${after.desired} now, not the min ${asked.min}, max ${asked.max}, desired ${asked.desired} set (a scaling action may have run meanwhile).`);
  }
  if (replaced) {
    notes.push(`Stack ${name}'s recorded config now has min ${after.min}, max ${after.max} for the ${pool} pool (it had min ${replaced.min}, max ${replaced.max}), so a plan does not call the group's sizes drift. The config file still holds the old numbers: the next deploy from it sets them again; change scale.${CONFIG_KEY[pool]} there to keep these.`);
  }
  notes.push(`Target tracking moves desired between min ${after.min} and max ${after.max} as the load changes: desired ${after.desired} holds until its next scaling action.`);
  if (after.inService < after.desired) notes.push(`${after.inService} of ${after.desired} workers are in service now; new workers take a few minutes to launch and boot.`);
  return notes;
}
