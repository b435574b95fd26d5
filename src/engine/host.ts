import type { AwsClients } from './aws/clients';
import type { BackupApi } from './backup/api';
import type { EngineTiming } from './context';
import type { DeployResult } from './deploy';
import type { StackHealth, SsmServices } from './operate';
import type { DeployPlan } from './plan/plan';
import type { ProgressListener } from './progress';
import type { StackConfig } from './stack/config';
import type { StackState } from './state/schema';
import type { StateStore } from './state/store';

/** Operations a stack's lock is taken for; the lock file says which one holds it. */
export type LockedOperation = 'deploy' | 'destroy' | 'pause' | 'backup' | 'restore' | 'rotate' | 'upgrade' | 'scale';

export interface HostOperationOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  takeOverLock?: boolean;
}

/**
 * What the engine's services (backups, secret rotation, upgrades) get from the Engine: its clients, state and
 * SSM, and deploy without taking the lock again (they hold it for the whole operation).
 */
export interface EngineHost {
  readonly store: StateStore;
  readonly timing: EngineTiming;
  clients(region: string, profile?: string): AwsClients;
  requireState(name: string): Promise<StackState>;
  /** The state with its instance record on the group's instance in service now. */
  currentState(name: string, signal?: AbortSignal): Promise<StackState>;
  ssmOf(state: StackState): SsmServices;
  /** AWS Backup's selections, jobs and recovery points for the stack's region (recorded answers in tests). */
  backupApi(clients: AwsClients): BackupApi;
  locked<T>(name: string, operation: LockedOperation, options: HostOperationOptions, work: () => Promise<T>): Promise<T>;
  health(name: string, options?: { signal?: AbortSignal }): Promise<StackHealth>;
  plan(config: StackConfig, options?: { adopt?: boolean }): Promise<DeployPlan>;
  /** Plan and apply, the caller already holding the stack's lock. */
  deployLocked(config: StackConfig, options: HostOperationOptions & { confirm?: (plan: DeployPlan) => Promise<boolean>; beforeApply?: (plan: DeployPlan) => Promise<void> }): Promise<DeployResult & { plan: DeployPlan }>;
}
