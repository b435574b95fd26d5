import { createClients, type AwsClients, type ClientInstrument } from './aws/clients';
import { DEFAULT_TIMING, type EngineTiming } from './context';
import { applyDeploy, type DeployResult } from './deploy';
import { applyDestroy, collectResources, planDestroyFrom, type DestroyPlan, type DestroyResult } from './destroy';
import { refused } from './errors';
import { planDeploy, type DeployPlan } from './plan/plan';
import { silentProgress, type ProgressListener } from './progress';
import type { StackConfig } from './stack/config';
import { MachineIndex } from './state/index-file';
import type { StackState } from './state/schema';
import { StateStore, type StackListing } from './state/store';

export interface EngineOptions {
  stateDir: string;
  /** Points every AWS client at this endpoint (the local emulator). */
  endpoint?: string;
  maxAttempts?: number;
  timing?: Partial<EngineTiming>;
  instrument?: ClientInstrument;
  /** Machine-wide index of stacks; pass null to skip it (tests of isolated stores). */
  index?: MachineIndex | null;
}

export interface OperationOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/** Shown before anything happens; returning false cancels (the CLI asks, --yes and the extension's dialog answer). */
export type Confirm<P> = (plan: P) => Promise<boolean>;

/** The engine's front door, shared by the CLI, the extension and the tests. */
export class Engine {
  readonly store: StateStore;
  readonly timing: EngineTiming;
  private readonly clientCache = new Map<string, AwsClients>();

  constructor(private readonly options: EngineOptions) {
    const index = options.index === null ? undefined : (options.index ?? new MachineIndex());
    this.store = new StateStore(options.stateDir, { index });
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
  }

  clients(region: string, profile?: string): AwsClients {
    const key = `${region}|${profile ?? ''}`;
    let clients = this.clientCache.get(key);
    if (!clients) {
      clients = createClients({ region, profile, endpoint: this.options.endpoint, maxAttempts: this.options.maxAttempts, instrument: this.options.instrument });
      this.clientCache.set(key, clients);
    }
    return clients;
  }

  dispose(): void {
    for (const clients of this.clientCache.values()) clients.destroy();
    this.clientCache.clear();
  }

  async plan(config: StackConfig, options: { adopt?: boolean } = {}): Promise<DeployPlan> {
    const state = await this.store.read(config.name);
    return planDeploy(this.clients(config.region, config.profile), config, state, options);
  }

  /** Plan, confirm, apply — all under the stack's lock, so a second deploy or destroy is refused. */
  async deploy(config: StackConfig, options: OperationOptions & { adopt?: boolean; confirm?: Confirm<DeployPlan> } = {}): Promise<DeployResult & { plan: DeployPlan }> {
    const lock = await this.store.lock(config.name, 'deploy');
    try {
      const existing = await this.store.read(config.name);
      const clients = this.clients(config.region, config.profile);
      const plan = await planDeploy(clients, config, existing, { adopt: options.adopt });
      if (options.confirm && !(await options.confirm(plan))) throw declined('deploy', config.name);
      const result = await applyDeploy({ clients, store: this.store, plan, existing, timing: this.timing, signal: options.signal, onProgress: options.onProgress ?? silentProgress });
      return { ...result, plan };
    } finally {
      await lock.release();
    }
  }

  async planDestroy(name: string, options: { deleteData?: boolean; region?: string; profile?: string } = {}): Promise<{ plan: DestroyPlan; state?: StackState }> {
    const state = await this.store.read(name);
    const region = state?.region ?? options.region ?? 'us-east-1';
    const clients = this.clients(region, options.profile ?? state?.config.profile);
    const resources = await collectResources(clients, name, state);
    const keepData = !options.deleteData && (state?.config.keepDataOnDestroy ?? true);
    return { plan: planDestroyFrom(name, region, resources, keepData), state };
  }

  async destroy(name: string, options: OperationOptions & { deleteData?: boolean; region?: string; profile?: string; confirm?: Confirm<DestroyPlan> } = {}): Promise<DestroyResult & { plan: DestroyPlan }> {
    const lock = await this.store.lock(name, 'destroy');
    try {
      const { plan, state } = await this.planDestroy(name, options);
      if (options.confirm && !(await options.confirm(plan))) throw declined('destroy', name);
      const clients = this.clients(plan.region, options.profile ?? state?.config.profile);
      const result = await applyDestroy({ clients, store: this.store, state, plan, timing: this.timing, signal: options.signal, onProgress: options.onProgress ?? silentProgress });
      return { ...result, plan };
    } finally {
      await lock.release();
    }
  }

  show(name: string): Promise<StackState | undefined> {
    return this.store.read(name);
  }

  list(): Promise<StackListing[]> {
    return this.store.list();
  }

  restore(name: string): Promise<{ restoredFrom: string }> {
    return this.store.restore(name);
  }
}

function declined(operation: string, name: string) {
  return refused('DECLINED', `The ${operation} of stack ${name} was not confirmed, so nothing was changed.`, `Run it again and answer yes, or pass --yes to skip the question.`);
}
