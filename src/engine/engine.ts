import { setMaxListeners } from 'node:events';
import { createClients, type AwsClients, type ClientInstrument } from './aws/clients';
import { DEFAULT_TIMING, type EngineTiming } from './context';
import { applyDeploy, type DeployResult } from './deploy';
import { applyDestroy, destroyOwnership, gatherResources, keptCost, nothingOfOurs, planDestroyFrom, takeFinalBackup, type DestroyPlan, type DestroyResult } from './destroy';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { findStacksInAccount, importStackState, type AccountStack } from './account-scan';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { classifyAwsError, isNotFound } from './aws/classify';
import { bootstrapStatusParameter, bootstrapStatusSchema, type BootstrapStatus } from './bootstrap/status';
import { GeuseError, refused, stackNotFound } from './errors';
import { splitByOwner, type Ownership } from './resources/ownership';
import { locateStack } from './resources/locate';
import { HealthTracker } from './health/tracker';
import { LIVE_READ_TIMEOUT_MS, liveView, sightInstances, type InstanceSighting, type LiveView } from './live';
import { groupOf, instanceIdsOf, liveCompute, recordedInstance, withCurrentInstance, type ComputeLive } from './compute-live';
import { describeGroups, type GroupView } from './resources/group-view';
import { GroupBatcher } from './group-batch';
import { CostService, type MarketAdvice } from './cost/cost-service';
import type { Assumptions, MonthlyEstimate } from './cost/estimate';
import type { Placement } from './cost/placement';
import type { PriceBook } from './cost/prices';
import type { PricingApi } from './cost/pricing-api';
import type { CostPoint } from './cost/series';
import type { BudgetStatus, CostToDate } from './cost/to-date';
import type { HourlyNow } from './cost/hourly-now';
import type { CatalogueService } from './health/catalogue';
import { discoverNetworks, type DiscoveredVpc } from './discovery/networks';
import { describeCandidateTypes, type InstanceTypeInfo } from './discovery/instance-types';
import { readCallerIdentity, type CallerIdentity } from './discovery/identity';
import { BACKUP_SCHEDULES, backupCron, type Tier } from './stack/config';
import { checkStackHealth, instanceIdOf, followStackLogs, openSession, restartOnInstance, serviceOfStack, ssmServices, stackLogs, type OpenedSession, type SessionKind, type SsmFactory, type StackHealth } from './operate';
import { listModels, removeModel } from './models/list';
import { checkModelName, declaredIn, refuseWithoutOllama, type StackModel } from './models/names';
import { pullModel, type PullOptions, type PullResult } from './models/pull';
import type { CommandRunner } from './ssm/run-command';
import { applyPause, type PauseResult } from './pause';
import type { FollowOptions, LogChunk, LogCursor } from './ssm/logs';
import { names } from './stack/naming';
import type { SECRETS } from './resources/secrets';
import { planDeploy, type DeployPlan } from './plan/plan';
import { SdkQuotaApi, type QuotaApi } from './aws/quotas';
import { silentProgress, type ProgressListener } from './progress';
import type { StackConfig } from './stack/config';
import { MachineIndex } from './state/index-file';
import type { AppliedVersion, StackState } from './state/schema';
import { rollbackTarget } from './update/history';
import { detectDrift, type DriftReport } from './plan/drift';
import { StateStore, type StackListing } from './state/store';
import type { BackupApi, BackupApiFactory } from './backup/api';
import { sdkBackupApi } from './backup/sdk-api';
import { bindBackupApi } from './backup/bound';
import type { BackupClient } from '@aws-sdk/client-backup';
import { BackupService, type TakenBackup } from './backup/service';
import { BACKUP_KEYS } from './backup/names';
import type { EngineHost, LockedOperation } from './host';
import { SecretsService } from './secrets/service';
import { UpgradeService } from './upgrade/service';
import { WorkersService } from './scale/service';

export interface EngineOptions {
  stateDir: string;
  /** Points every AWS client at this endpoint (the local emulator). */
  endpoint?: string;
  maxAttempts?: number;
  timing?: Partial<EngineTiming>;
  instrument?: ClientInstrument;
  /** Replaces the Price List API (moto has none): tests give recorded answers. */
  pricing?: () => PricingApi;
  /** Replaces Service Quotas for the GPU vCPU preflight (moto has no EC2 quotas): tests give recorded answers. */
  quotas?: () => QuotaApi;
  /** Where fetched prices are cached (default: <GEUSEMAKER_HOME>/cache). */
  cacheDir?: string;
  /** Spot must save at least this share (0–0.9) over on-demand to be recommended; a function reads a live setting. Default 0.2. */
  spotMinSaving?: number | (() => number);
  /** Replaces SSM pieces moto cannot answer (Run Command output, sessions, agent status): tests and recorded replays. */
  ssm?: SsmFactory;
  /** Machine-wide index of stacks; pass null to skip it (tests of isolated stores). */
  index?: MachineIndex | null;
  /** Replaces AWS Backup's selections, jobs and recovery points (moto has none): tests give recorded answers. */
  backup?: BackupApiFactory;
}

export interface OperationOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Take the stack's lock from another machine whose lease expired (never a lock still being renewed). */
  takeOverLock?: boolean;
}

/** One signal shared by a batch of concurrent reads (each SDK call listens to it). */
function manyListeners(signal: AbortSignal): AbortSignal {
  setMaxListeners(100, signal);
  return signal;
}

/** Shown before anything happens; returning false cancels (the CLI asks, --yes and the extension's dialog answer). */
export type Confirm<P> = (plan: P) => Promise<boolean>;

/** The engine's front door, shared by the CLI, the extension and the tests. */
export class Engine {
  readonly store: StateStore;
  readonly timing: EngineTiming;
  private readonly clientCache = new Map<string, AwsClients>();
  private readonly trackers = new Map<string, HealthTracker>();
  /** One DescribeAutoScalingGroups per region for the stacks a refresh asks about together. */
  private readonly groups = new GroupBatcher();
  /** Prices, estimates, actuals and budgets: the facade only delegates to it. */
  private readonly cost: CostService;
  /** Backups of the stack's data through AWS Backup: list, back up now, restore. */
  readonly backups: BackupService;
  /** Secret rotation and the secrets' ages. */
  readonly secrets: SecretsService;
  /** Upgrades to the release's tested images and the newest AMI of the stack's family. */
  readonly upgrades: UpgradeService;
  /** Worker pools of a scaled stack: read them, set their capacity. */
  readonly workers: WorkersService;

  constructor(private readonly options: EngineOptions) {
    const index = options.index === null ? undefined : (options.index ?? new MachineIndex());
    this.store = new StateStore(options.stateDir, { index });
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.cost = new CostService({
      clients: (region, profile) => this.clients(region, profile), requireState: (name) => this.requireState(name),
      endpoint: options.endpoint, pricing: options.pricing, cacheDir: options.cacheDir, spotMinSaving: options.spotMinSaving,
    });
    const host = this.host();
    this.backups = new BackupService(host);
    this.secrets = new SecretsService(host, this.backups);
    this.upgrades = new UpgradeService(host, this.backups);
    this.workers = new WorkersService(host);
  }

  /** What the services get: the engine's clients, state, SSM and lock, and deploy inside a held lock. */
  private host(): EngineHost {
    return {
      store: this.store,
      timing: this.timing,
      clients: (region, profile) => this.clients(region, profile),
      requireState: (name) => this.requireState(name),
      currentState: (name, signal) => this.currentState(name, signal),
      ssmOf: (state) => this.ssmOf(state),
      backupApi: (clients) => this.backupApi(clients),
      locked: (name, operation, options, work) => this.locked(name, operation, options, work),
      health: (name, options) => this.health(name, options),
      plan: (config, options) => this.plan(config, options),
      deployLocked: (config, options) => this.deployLocked(config, options),
    };
  }

  /** The plan's notes about what runs beside the stack (backups, the budget and its tag) and secrets due. Bounded; never fails a plan. */
  private async addStackNotes(plan: DeployPlan, clients: AwsClients, config: StackConfig, state: StackState | undefined): Promise<void> {
    const [backup, budget, secrets] = await Promise.all([
      this.backupNote(config),
      import('./resources/cost-allocation-tag').then((m) => m.budgetPlanNotes(clients, config)),
      state ? import('./secrets/service').then((m) => m.secretsDueWarnings(clients, state, { rotateAfterDays: config.rotateAfterDays })) : Promise.resolve([]),
    ]);
    plan.notes = [...(plan.notes ?? []), ...backup, ...budget, ...(await this.scaleNotes(config, state))];
    plan.warnings.push(...secrets);
  }

  /** Queue mode: what turning it on does to the data, in the order it happens. */
  private async scaleNotes(config: StackConfig, state: StackState | undefined): Promise<string[]> {
    if (!config.scale) return [];
    const notes = [`Queue mode: n8n's main process stays on the instance; ${config.scale.n8nWorkers.min}..${config.scale.n8nWorkers.max} n8n workers run the executions (docs/scaling.md).`];
    if (state && (await import('./scale/migrate-needed')).migrationNeeded(state, config)) {
      notes.push(`PostgreSQL moves into RDS: ${config.backup.enabled ? 'a backup of the file system first, then ' : ''}n8n stops, its database is dumped on the instance, restored into RDS and every table's rows are counted on both sides; only equal counts switch n8n to RDS. Any difference starts n8n again on the instance's PostgreSQL and stops the deploy. The instance's PostgreSQL files stay on EFS.`);
    }
    return notes;
  }

  /** The backups the plan sets up, with their monthly cost from the cost engine (advice: never fails a plan). */
  private async backupNote(config: StackConfig): Promise<string[]> {
    if (!config.backup.enabled) return ['Backups are off (backup.enabled: false): nothing protects the data on EFS from a mistaken delete or a bad upgrade.'];
    const schedule = config.backup.schedule in BACKUP_SCHEDULES ? `${config.backup.schedule} (${backupCron(config.backup)}, UTC)` : backupCron(config.backup);
    const cost = await Promise.race([
      this.estimate(config).then((estimate) => estimate.lines.find((line) => line.item === 'backup')),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000).unref()),
    ]).catch(() => undefined);
    const price = cost ? `about $${cost.usd.toFixed(2)} a month (${cost.basis})` : 'its monthly cost could not be worked out now';
    return [`Backups: AWS Backup copies the file system ${schedule}, each copy kept ${config.backup.retentionDays} days: ${price}. Destroy keeps them until they expire (--delete-backups deletes them).`];
  }

  /** AWS Backup's selections, jobs and recovery points in the clients' region. */
  backupApi(clients: AwsClients): BackupApi {
    return (this.options.backup ?? sdkBackupApi)(clients.backup, clients.region);
  }

  clients(region: string, profile?: string): AwsClients {
    const key = `${region}|${profile ?? ''}`;
    let clients = this.clientCache.get(key);
    if (!clients) {
      const backup = this.options.backup;
      // Deploy steps and teardowns reach AWS Backup through their clients: the same BackupApi as the engine's own.
      const instrument: ClientInstrument | undefined = backup
        ? (client, service) => {
          if (service === 'backup') bindBackupApi(client as BackupClient, backup);
          this.options.instrument?.(client, service);
        }
        : this.options.instrument;
      clients = createClients({ region, profile, endpoint: this.options.endpoint, maxAttempts: this.options.maxAttempts, instrument });
      this.clientCache.set(key, clients);
    }
    return clients;
  }

  private quotaApi(clients: AwsClients): QuotaApi {
    return this.options.quotas?.() ?? new SdkQuotaApi(clients.quotas);
  }

  dispose(): void {
    for (const clients of this.clientCache.values()) clients.destroy();
    this.clientCache.clear();
    this.cost.dispose();
  }

  async plan(config: StackConfig, options: { adopt?: boolean } = {}): Promise<DeployPlan> {
    const state = await this.store.read(config.name);
    const clients = this.clients(config.region, config.profile);
    const plan = await planDeploy(clients, config, state, { ...options, quotas: this.quotaApi(clients) });
    await this.addStackNotes(plan, clients, config, state);
    if (config.market === 'spot') {
      // Advice only: prices failing must never fail a plan.
      const advice = await this.marketAdvice(config).catch(() => undefined);
      if (advice?.recommendation.market === 'on-demand' && advice.spot !== undefined) plan.warnings.push(`${advice.recommendation.why}.`);
    }
    const undeclared = await this.undeclaredModels(config, state);
    if (undeclared.length > 0) {
      plan.warnings.push(`Ollama on the instance has ${undeclared.join(', ')}, which ollamaModels does not list (pulled by hand): ${undeclared.length > 1 ? 'they stay' : 'it stays'} on EFS, but a new instance does not pull ${undeclared.length > 1 ? 'them' : 'it'}. Add ${undeclared.length > 1 ? 'them' : 'it'} to ollamaModels to keep the list declarative, or remove ${undeclared.length > 1 ? 'them' : 'it'} with \`geusemaker models ${config.name} rm <model>\`.`);
    }
    return plan;
  }

  /**
   * Models pulled on a running stack's instance that its config does not list. Advice only: one Run Command,
   * bounded in time; anything failing (agent offline, no instance, an emulator) means nothing to say.
   */
  private async undeclaredModels(config: StackConfig, state: StackState | undefined): Promise<string[]> {
    if (!state || state.status !== 'deployed' || !config.services.ollama || !state.config.services.ollama) return [];
    const models = await this.listModels(config.name, { signal: AbortSignal.timeout(20_000) }).catch(() => []);
    return declaredIn(models, config.ollamaModels).filter((model) => !model.declared).map((model) => model.name);
  }

  /** The spot-saving threshold in force (the option may follow a live setting). */
  get spotMinSaving(): number {
    return this.cost.spotMinSaving;
  }

  /** On-demand and cheapest spot price for the stack's type and region, and which market the threshold recommends. */
  private marketAdvice(config: StackConfig): Promise<MarketAdvice> {
    return this.cost.marketAdvice(config);
  }

  /** Plan, confirm, apply — all under the stack's lock, so a second deploy or destroy is refused. */
  async deploy(config: StackConfig, options: OperationOptions & { adopt?: boolean; allowOverBudget?: boolean; confirm?: Confirm<DeployPlan> } = {}): Promise<DeployResult & { plan: DeployPlan }> {
    return this.locked(config.name, 'deploy', options, () => this.deployLocked(config, options));
  }

  /** Plan, confirm, apply; the caller holds the stack's lock. */
  private async deployLocked(config: StackConfig, options: OperationOptions & { adopt?: boolean; allowOverBudget?: boolean; confirm?: Confirm<DeployPlan>; beforeApply?: (plan: DeployPlan) => Promise<void> } = {}): Promise<DeployResult & { plan: DeployPlan }> {
    const existing = await this.store.read(config.name);
    const clients = this.clients(config.region, config.profile);
    const plan = await planDeploy(clients, config, existing, { adopt: options.adopt, quotas: this.quotaApi(clients) });
    await this.addStackNotes(plan, clients, config, existing);
    if (config.monthlyBudgetUsd !== undefined && !options.allowOverBudget) await this.refuseOverBudget(config, config.monthlyBudgetUsd);
    if (options.confirm && !(await options.confirm(plan))) throw declined('deploy', config.name);
    await options.beforeApply?.(plan);
    // Moving PostgreSQL into RDS stops n8n and copies its data: a backup of the file system comes first.
    if (existing && (await import('./scale/migrate-needed')).migrationNeeded(existing, config)) {
      // The move runs on the instance: a paused stack is refused before anything is backed up or created.
      if (existing.resources.instance?.status !== 'created') {
        throw refused('MIGRATION_FAILED', `Stack ${config.name}'s PostgreSQL data is on its file system, but no instance runs to move it into RDS (the stack is paused); nothing was changed.`,
          `Resume the stack first (\`geusemaker resume ${config.name}\`), then deploy the scale change again.`);
      }
      await this.backupBeforeRisk(config.name, 'before moving PostgreSQL into RDS', options, 'Then deploy again: the move into RDS starts only after this backup.');
    }
    const runner = ssmServices(clients, this.options.ssm).runner;
    const result = await applyDeploy({ clients, store: this.store, plan, existing, timing: this.timing, signal: options.signal, onProgress: options.onProgress ?? silentProgress, runner });
    return { ...result, plan };
  }

  /** The stack's applied versions, oldest first, and a change that did not finish. */
  async history(name: string): Promise<Pick<StackState, 'name' | 'history' | 'pending' | 'config'>> {
    const state = await this.requireState(name);
    return { name: state.name, history: state.history, pending: state.pending, config: state.config };
  }

  /** The config of applied version N (default: the one before the applied one), to plan and deploy. */
  async rollbackConfig(name: string, to?: number): Promise<AppliedVersion> {
    return rollbackTarget(await this.requireState(name), to);
  }

  /** Plans the diff back to version N and applies it after the usual confirmation: a deploy of that version's config. */
  async rollback(name: string, options: OperationOptions & { to?: number; confirm?: Confirm<DeployPlan>; skipBackup?: boolean } = {}): Promise<DeployResult & { plan: DeployPlan; version: AppliedVersion; backup?: TakenBackup }> {
    const version = await this.rollbackConfig(name, options.to);
    let backup: TakenBackup | undefined;
    const result = await this.locked(name, 'deploy', options, () => this.deployLocked(version.config, {
      ...options,
      // Confirmed first, then the backup: a declined rollback takes none.
      beforeApply: async () => {
        if (!options.skipBackup) backup = await this.backupBeforeRisk(name, 'before rollback', options);
      },
    }));
    return { ...result, version, ...(backup ? { backup } : {}) };
  }

  /**
   * The on-demand backup taken before a risky change (rollback), the caller holding the lock. A stack with backups
   * off gets none, said as progress; a rollback is often what mends a broken instance, so a failing flush does not
   * stop it (the backup is taken without it, and says so).
   */
  private async backupBeforeRisk(name: string, reason: string, options: OperationOptions, withoutIt = `To go ahead without it: \`geusemaker rollback ${name} --skip-backup\`.`): Promise<TakenBackup | undefined> {
    const state = await this.requireState(name);
    if (!state.config.backup.enabled || state.resources[BACKUP_KEYS.vault]?.status !== 'created') {
      options.onProgress?.({ type: 'note', message: `No backup is taken ${reason}: backups are off for stack ${name} (backup.enabled).` });
      return undefined;
    }
    try {
      return await this.backups.takeBackup(state, { reason, signal: options.signal, onProgress: options.onProgress, ifFlushFails: 'back-up-anyway' });
    } catch (error) {
      const classified = error instanceof GeuseError ? error : classifyAwsError(error, { profile: state.config.profile });
      if (classified.code === 'ENDPOINT_API_MISSING') {
        options.onProgress?.({ type: 'note', message: `No backup is taken ${reason}: the endpoint does not implement AWS Backup jobs (an emulator).` });
        return undefined;
      }
      if (classified.code === 'CANCELLED') throw classified;
      throw new GeuseError({
        code: classified.code, kind: classified.kind, operation: classified.operation,
        message: `The backup taken ${reason} failed, so nothing was changed: ${classified.message}`,
        nextStep: `${classified.nextStep} ${withoutIt}`,
      });
    }
  }

  /** Plan, confirm and apply happen under the stack's lock, so a second operation on the stack is refused meanwhile. */
  private async locked<T>(name: string, operation: LockedOperation, options: OperationOptions, work: () => Promise<T>): Promise<T> {
    const lock = await this.store.lock(name, operation, { takeOver: options.takeOverLock });
    try {
      return await work();
    } finally {
      await lock.release();
    }
  }

  /**
   * What a destroy would delete and keep, and what carries the name but is not ours. Without state the region
   * is found (see locateStack), and nothing is ours unless the user adopts the one other stack id found.
   */
  async planDestroy(name: string, options: DestroyOptions = {}): Promise<{ plan: DestroyPlan; state?: StackState; owner: Ownership }> {
    const state = await this.store.read(name);
    const profile = options.profile ?? state?.config.profile;
    const located = state ? undefined : await locateStack({
      name, explicitRegion: options.regionExplicit === false ? undefined : options.region,
      defaultRegion: options.region ?? 'us-east-1', clientsFor: (region) => this.clients(region, profile),
    });
    const region = state?.region ?? located?.region ?? 'us-east-1';
    const clients = this.clients(region, profile);
    const resources = await gatherResources(clients, name, state);
    const { owner, adoptedStackId } = destroyOwnership(name, region, state, resources, options.adopt === true);
    const keepData = !options.deleteData && (state?.config.keepDataOnDestroy ?? true);
    const found = splitByOwner(resources, owner);
    // A final backup guards data about to be deleted; it needs the stack's state (its file system and vault).
    const finalBackup = !keepData && options.finalBackup !== false && state !== undefined && found.ours.some((r) => r.kind === 'efs');
    const { planBackups } = await import('./backup/destroy-backups');
    const backups = await planBackups(this.backupApi(clients), found.ours, { deleteBackups: options.deleteBackups === true, finalBackup }, state?.config);
    const plan = planDestroyFrom(name, region, found, keepData, { stackId: owner.stackId, adoptedStackId, regionFrom: located ? `${region} (${located.how})` : undefined }, backups);
    return { plan, state, owner };
  }

  /** What the data a destroy keeps will cost per month, for the confirmation (undefined when nothing is kept). */
  keptMonthlyCost(plan: DestroyPlan, profile?: string): Promise<DestroyResult['keptMonthlyCost']> {
    return keptCost(this.clients(plan.region, profile), plan.toKeep, plan.backups);
  }

  async destroy(name: string, options: OperationOptions & DestroyOptions & { confirm?: Confirm<DestroyPlan> } = {}): Promise<DestroyResult & { plan: DestroyPlan }> {
    return this.locked(name, 'destroy', options, async () => {
      const planned = await this.planDestroy(name, options);
      const { state } = planned;
      let { plan, owner } = planned;
      if (!state && plan.toDelete.length === 0 && plan.toKeep.length === 0) throw nothingOfOurs(plan, this.options.stateDir);
      if (options.confirm && !(await options.confirm(plan))) throw declined('destroy', name);
      const onProgress = options.onProgress ?? silentProgress;
      let finalBackup: DestroyResult['finalBackup'];
      if (plan.backups?.finalBackup && state) {
        finalBackup = await takeFinalBackup(this.backups, state, options.signal, onProgress);
        // Planned again from what the vault holds now (the final backup: kept); the rest is what was confirmed.
        ({ plan, owner } = await this.planDestroy(name, { ...options, finalBackup: false }));
        if (finalBackup && plan.backups) plan = { ...plan, backups: { ...plan.backups, finalBackup: true } };
      }
      const clients = this.clients(plan.region, options.profile ?? state?.config.profile);
      const result = await applyDestroy({ clients, store: this.store, state, plan, owner, timing: this.timing, signal: options.signal, onProgress, backup: this.backupApi(clients) });
      return { ...result, plan, ...(finalBackup ? { finalBackup } : {}) };
    });
  }

  /** Terminates the compute and keeps network and data, under the stack's lock. */
  async pause(name: string, options: OperationOptions = {}): Promise<PauseResult> {
    return this.locked(name, 'pause', options, async () => {
      const state = await this.requireState(name);
      return applyPause({ clients: this.clients(state.region, state.config.profile), store: this.store, state, timing: this.timing, signal: options.signal, onProgress: options.onProgress ?? silentProgress });
    });
  }

  /** Launches the compute again on the same network and data: a deploy of the stack's recorded config. */
  async resume(name: string, options: OperationOptions = {}): Promise<DeployResult & { plan: DeployPlan }> {
    const state = await this.requireState(name);
    if (state.status !== 'paused') {
      throw refused('NOT_PAUSED', `Stack ${name} is ${state.status}, not paused.`, state.status === 'deployed' ? 'It is already running.' : `Deploy it with \`geusemaker deploy ${name}\`.`);
    }
    return this.deploy(state.config, options);
  }

  /**
   * What AWS says now about the stack's compute: the instance state (or "none"), the bootstrap report, and for a
   * stack in a group what the group says (healthy, replacing, waiting for capacity, paused).
   */
  async liveStatus(name: string): Promise<{ instanceState: string; bootstrap?: BootstrapStatus; compute?: ComputeLive }> {
    const state = await this.requireState(name);
    const group = groupOf(state);
    if (group) {
      const clients = this.clients(state.region, state.config.profile);
      let compute: ComputeLive;
      try {
        const view = await this.groups.describe(`${state.region}|${state.config.profile ?? ''}`, clients, group);
        const ids = instanceIdsOf(state, view);
        const sightings = ids.length > 0 ? await sightInstances(clients, ids) : new Map<string, InstanceSighting>();
        compute = await liveCompute(clients, state, group, view, sightings);
      } catch (error) {
        throw classifyAwsError(error, { profile: clients.profile });
      }
      const instanceState = compute.condition === 'healthy' ? 'running' : compute.condition === 'paused' || compute.condition === 'missing' ? 'none' : 'pending';
      return { instanceState, compute, bootstrap: instanceState === 'running' ? await this.bootstrapOf(state) : undefined };
    }
    const instanceId = recordedInstance(state);
    if (!instanceId) return { instanceState: 'none' };
    const clients = this.clients(state.region, state.config.profile);
    let instanceState = 'terminated';
    try {
      const out = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      instanceState = out.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? 'terminated';
    } catch (error) {
      if (!isNotFound(error)) throw classifyAwsError(error, { profile: clients.profile });
    }
    return { instanceState, bootstrap: await this.bootstrapOf(state) };
  }

  /** The instance's own report of its bootstrap (running / ok / failed at a step / interrupted), if it wrote one. */
  private async bootstrapOf(state: StackState): Promise<BootstrapStatus | undefined> {
    const name = state.name;
    try {
      const out = await this.clients(state.region, state.config.profile).ssm.send(new GetParameterCommand({ Name: bootstrapStatusParameter(name) }));
      const parsed = bootstrapStatusSchema.safeParse(JSON.parse(out.Parameter?.Value ?? 'null'));
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      if (isNotFound(error) || error instanceof SyntaxError) return undefined;
      throw classifyAwsError(error, { profile: state.config.profile });
    }
  }

  /** A stack secret's value, for the one UI action that hands it to the user (the clipboard); never logged. */
  async readSecret(name: string, secret: (typeof SECRETS)[number]['name']): Promise<string> {
    const state = await this.requireState(name);
    const out = await this.clients(state.region, state.config.profile).ssm.send(new GetParameterCommand({ Name: names.parameter(name, secret), WithDecryption: true }));
    const value = out.Parameter?.Value;
    if (!value) throw refused('SECRET_MISSING', `Stack ${name} has no ${secret} parameter.`, `Deploy the stack again to recreate its secrets.`);
    return value;
  }

  /** Stacks tagged in one region of the account, marked with whether this store already tracks them. */
  async findInAccount(region: string, profile?: string): Promise<(AccountStack & { tracked: boolean })[]> {
    const found = await findStacksInAccount(this.clients(region, profile));
    const known = new Set((await this.store.list()).map((listing) => listing.name));
    return found.map((stack) => ({ ...stack, tracked: known.has(stack.name) }));
  }

  /** Starts tracking a stack found in the account; refuses to overwrite a stack this store already has. */
  async importFromAccount(name: string, region: string, profile?: string): Promise<StackState> {
    const lock = await this.store.lock(name, 'import');
    try {
      if (await this.store.read(name)) throw refused('ALREADY_TRACKED', `Stack ${name} is already tracked here.`, 'Refresh the Stacks view.');
      const state = await importStackState(this.clients(region, profile), name);
      if (profile) state.config.profile = profile;
      await this.store.write(state);
      return state;
    } finally {
      await lock.release();
    }
  }

  /**
   * One health round over SSM Run Command, with each service's history (consecutive failures, severity), and a
   * scaled stack's worker pools from EC2 Auto Scaling unless `pools: false` (a caller that shows them apart).
   */
  async health(name: string, options: { signal?: AbortSignal; pools?: boolean } = {}): Promise<StackHealth> {
    const state = await this.currentState(name, options.signal);
    let tracker = this.trackers.get(name);
    if (!tracker) {
      tracker = new HealthTracker();
      this.trackers.set(name, tracker);
    }
    const clients = options.pools === false ? undefined : this.clients(state.region, state.config.profile);
    return checkStackHealth(this.ssmOf(state), tracker, state, { signal: options.signal, clients });
  }

  /** The next piece of a container's or the bootstrap's log after the cursor. */
  async logs(name: string, cursor: LogCursor, options: { signal?: AbortSignal } = {}): Promise<LogChunk> {
    const state = await this.currentState(name, options.signal);
    return stackLogs(this.ssmOf(state), state, cursor, options.signal);
  }

  /** Follows a log until the signal aborts. */
  async followLogs(name: string, cursor: LogCursor, options: FollowOptions): Promise<AsyncGenerator<LogChunk, void, undefined>> {
    const state = await this.currentState(name, options.signal);
    return followStackLogs(this.ssmOf(state), state, cursor, options);
  }

  /** Starts an SSM session (shell or port forward); the caller hands it to session-manager-plugin and ends it with endSession. */
  async startSession(name: string, kind: SessionKind, options: { signal?: AbortSignal } = {}): Promise<OpenedSession & { region: string; profile?: string; endpoint?: string }> {
    const state = await this.currentState(name, options.signal);
    const opened = await openSession(this.ssmOf(state), state, kind, options.signal);
    return { ...opened, region: state.region, profile: state.config.profile, endpoint: this.options.endpoint };
  }

  async endSession(name: string, sessionId: string): Promise<void> {
    const state = await this.requireState(name);
    await this.ssmOf(state).sessions.terminate(sessionId);
  }

  /** The account and identity these credentials act as (sts:GetCallerIdentity), for the wizard's account step and the status bar. */
  callerIdentity(region: string, profile?: string): Promise<CallerIdentity> {
    return readCallerIdentity(this.clients(region, profile), profile);
  }

  /** VPCs and subnets of a region (which are public, which AZs), for choosing an existing network. */
  discoverNetworks(region: string, profile?: string): Promise<DiscoveredVpc[]> {
    return discoverNetworks(this.clients(region, profile));
  }

  /** The tier's candidate instance types offered in the region, with vCPU, memory, GPU and the AZs offering them. */
  instanceTypes(region: string, tier: Tier, profile?: string, only?: readonly string[]): Promise<InstanceTypeInfo[]> {
    return describeCandidateTypes(this.clients(region, profile), tier, only);
  }

  /**
   * Restarts one service's container on the instance (`docker compose restart`), over SSM Run Command. A service
   * the stack does not run is refused before any AWS call.
   */
  async restartService(name: string, service: CatalogueService | string, options: { signal?: AbortSignal } = {}): Promise<void> {
    serviceOfStack(await this.requireState(name), service);
    const state = await this.currentState(name, options.signal);
    await restartOnInstance(this.ssmOf(state), state, service, options.signal);
  }

  /** Ollama's models on the stack's instance in service (name, size, modified, declared in ollamaModels), over SSM Run Command. */
  async listModels(name: string, options: { signal?: AbortSignal } = {}): Promise<StackModel[]> {
    const { runner, instanceId, state } = await this.ollamaOf(name, options.signal);
    return declaredIn(await listModels(runner, instanceId, options), state.config.ollamaModels);
  }

  /** Pulls a model on the instance with progress; aborting stops it there too. A bad name is refused before any call. */
  async pullModel(name: string, model: string, options: PullOptions = {}): Promise<PullResult> {
    checkModelName(model);
    const { runner, instanceId } = await this.ollamaOf(name, options.signal);
    return pullModel(runner, instanceId, model, { intervalMs: Math.min(2_000, this.timing.pollIntervalMs), ...options });
  }

  /** Removes a model from Ollama on the instance (its files on EFS go with it). A bad name is refused before any call. */
  async removeModel(name: string, model: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkModelName(model);
    const { runner, instanceId } = await this.ollamaOf(name, options.signal);
    await removeModel(runner, instanceId, model, options);
  }

  /** The instance in service of a stack that runs Ollama; refused in plain words otherwise (no AWS call for a stack without Ollama). */
  private async ollamaOf(name: string, signal?: AbortSignal): Promise<{ runner: CommandRunner; instanceId: string; state: StackState }> {
    refuseWithoutOllama(await this.requireState(name));
    const state = await this.currentState(name, signal);
    return { runner: this.ssmOf(state).runner, instanceId: instanceIdOf(state), state };
  }

  /** Live (or cached, or bundled) prices for one region and profile. */
  priceBook(region: string, profile?: string): PriceBook {
    return this.cost.priceBook(region, profile);
  }

  /** The tier's instance types offered in the region, cheapest first, with the cheapest AZ and a market recommendation. */
  placements(region: string, tier: Tier, profile?: string, only?: readonly string[]): Promise<Placement[]> {
    return this.cost.placements(region, tier, profile, only);
  }

  /**
   * A month of the stack `config` describes, broken down: compute at the chosen market's price (spot: cheapest AZ),
   * the rest from list prices and assumptions. A recorded stack is priced as it is by stackEstimate.
   */
  estimate(config: StackConfig, assumptions?: Assumptions): Promise<MonthlyEstimate> {
    return this.cost.estimate(config, assumptions);
  }

  /** What the recorded stack costs per month as it is: a destroyed stack prices only what it kept (EFS, secrets). */
  stackEstimate(state: StackState, assumptions?: Assumptions): Promise<MonthlyEstimate> {
    return this.cost.stackEstimate(state, assumptions);
  }

  /** What the stack has cost so far, from its recorded instance runs and the prices in force then. */
  costToDate(name: string, now?: Date, from?: Date): Promise<CostToDate> {
    return this.cost.costToDate(name, now, from);
  }

  /** Cumulative cost at each UTC midnight of the month so far and now: the cost panel's chart. */
  costOverTime(name: string, now?: Date): Promise<CostPoint[]> {
    return this.cost.costOverTime(name, now);
  }

  /**
   * What the stack costs per hour now, with the price's source: running (as liveStatus says), at the market and
   * type of the instance in service; otherwise what it keeps.
   */
  async hourlyCost(name: string, live: { running: boolean; market?: 'spot' | 'on-demand'; instanceType?: string }): Promise<HourlyNow> {
    return this.cost.hourlyNow(await this.requireState(name), live);
  }

  /** The month projected from month-to-date and today's hourly rate, against the stack's budget (undefined without one). */
  budget(name: string, now?: Date): Promise<BudgetStatus | undefined> {
    return this.cost.budget(name, now);
  }

  private refuseOverBudget(config: StackConfig, budget: number): Promise<void> {
    return this.cost.refuseOverBudget(config, budget);
  }

  private ssmOf(state: StackState) {
    return ssmServices(this.clients(state.region, state.config.profile), this.options.ssm);
  }

  private async requireState(name: string): Promise<StackState> {
    const state = await this.store.read(name);
    if (!state) throw stackNotFound(name, this.options.stateDir);
    return state;
  }

  /**
   * The stack as recorded; with `live`, also what EC2 says about its instance now (or, when AWS cannot be asked,
   * why not). Live reads are asked for by the commands that show a stack; refreshes read the state only.
   */
  async show(name: string, options: { live?: boolean } = {}): Promise<(StackState & { live?: LiveView; drift?: DriftReport }) | undefined> {
    const state = await this.store.read(name);
    if (!state) return undefined;
    if (!options.live) return state;
    const [views, drift] = await Promise.all([
      this.liveViews([state]),
      // What changed outside GeuseMaker: read with the live view's bound, never failing show (a warning instead).
      ['deployed', 'deploy_failed', 'paused'].includes(state.status)
        ? detectDrift(this.clients(state.region, state.config.profile), state, manyListeners(AbortSignal.timeout(LIVE_READ_TIMEOUT_MS))).catch((error: unknown) => ({ items: [], warnings: [`Drift was not checked: ${(error as Error).message}`] }))
        : Promise.resolve(undefined),
    ]);
    const live = views.get(state) ?? liveView(state.status, undefined, { sightings: new Map() });
    return { ...state, live, ...(drift ? { drift } : {}) };
  }

  /**
   * Every recorded stack; with `live`, each with what EC2 says about its instance (one DescribeInstances per region
   * and profile). `where` keeps only the stacks whose recorded state it accepts (before any AWS read).
   */
  async list(options: { live?: boolean; where?: (state: StackState) => boolean } = {}): Promise<StackListing[]> {
    const all = await this.store.list();
    const where = options.where;
    const listings = where ? all.filter((listing) => listing.state !== undefined && where(listing.state)) : all;
    if (!options.live) return listings;
    const states = listings.flatMap((listing) => (listing.state ? [listing.state] : []));
    const views = await this.liveViews(states);
    return listings.map((listing) => (listing.state ? { ...listing, live: views.get(listing.state) } : listing));
  }

  /**
   * Reads the stacks' compute from AWS, batched per region and profile: one DescribeAutoScalingGroups for every
   * group, one DescribeInstances for the recorded and current instances, and the activities of a group that is
   * not steady (replacing, waiting). A failure labels those stacks as recorded.
   */
  private async liveViews(states: readonly StackState[]): Promise<Map<StackState, LiveView>> {
    const batches = new Map<string, StackState[]>();
    for (const state of states) {
      const key = `${state.region}|${state.config.profile ?? ''}`;
      batches.set(key, [...(batches.get(key) ?? []), state]);
    }
    const views = new Map<StackState, LiveView>();
    await Promise.all([...batches.values()].map(async (batch) => {
      const first = batch[0]!;
      const clients = this.clients(first.region, first.config.profile);
      const signal = AbortSignal.timeout(LIVE_READ_TIMEOUT_MS);
      const read = async () => {
        const names = batch.flatMap((state) => (groupOf(state) ? [groupOf(state)!] : []));
        const groups = names.length > 0 ? await describeGroups(clients, names, signal) : new Map<string, GroupView>();
        const ids = batch.flatMap((state) => instanceIdsOf(state, groups.get(groupOf(state) ?? '')));
        const sightings = ids.length > 0 ? await sightInstances(clients, ids, signal) : new Map<string, InstanceSighting>();
        const computes = new Map<StackState, ComputeLive>();
        for (const state of batch) {
          const name = groupOf(state);
          if (!name || !['deployed', 'deploy_failed', 'paused', 'deploying'].includes(state.status)) continue;
          computes.set(state, await liveCompute(clients, state, name, groups.get(name), sightings, signal));
        }
        return { sightings, computes };
      };
      const answer = await read().then((ok) => ok, (error: unknown) => ({ error }));
      for (const state of batch) {
        const compute = 'computes' in answer ? answer.computes.get(state) : undefined;
        const view = liveView(state.status, compute?.instanceId ?? recordedInstance(state), answer);
        views.set(state, compute ? { ...view, compute, summary: compute.summary } : view);
      }
    }));
    return views;
  }

  /** The state with its instance record on the group's instance in service now; refused in plain words while there is none. */
  private async currentState(name: string, signal?: AbortSignal): Promise<StackState> {
    const state = await this.requireState(name);
    try {
      return await withCurrentInstance(this.clients(state.region, state.config.profile), state, signal);
    } catch (error) {
      throw classifyAwsError(error, { profile: state.config.profile });
    }
  }

  restore(name: string): Promise<{ restoredFrom: string }> {
    return this.store.restore(name);
  }
}

export interface DestroyOptions {
  deleteData?: boolean;
  /** Where to look when there is no state; with state, the state's region wins. */
  region?: string;
  /** False when `region` is only a default (nothing the user set): then a stateless destroy finds the region itself. */
  regionExplicit?: boolean;
  profile?: string;
  /** Without state: take over the one other stack id found under this name (shown in the plan, confirmed). */
  adopt?: boolean;
  /** Delete the stack's recovery points and its backup vault too (by default they are kept and expire on their own). */
  deleteBackups?: boolean;
  /** False: with deleteData, no final backup of the file system first (by default one is taken and kept). */
  finalBackup?: boolean;
}

function declined(operation: string, name: string) {
  return refused('DECLINED', `The ${operation} of stack ${name} was not confirmed, so nothing was changed.`, `Run it again and answer yes, or pass --yes to skip the question.`);
}

