import type { HealthStatus } from '../health/types';
import type { EngineHost, HostOperationOptions } from '../host';
import type { ProgressListener } from '../progress';
import type { StackState } from '../state/schema';

/** One recovery point of the stack's file system, as AWS Backup lists it now. */
export interface StackBackup {
  recoveryPointArn: string;
  fileSystemId: string;
  /** ISO times. */
  createdAt: string;
  completedAt?: string;
  status: string;
  sizeBytes?: number;
  /** When AWS Backup deletes it (ISO); absent when kept until deleted by hand. */
  deleteAt?: string;
  /** 'scheduled' (the plan) or 'on-demand' (back up now, or before a risky operation), and why. */
  origin: 'scheduled' | 'on-demand';
  reason?: string;
}

/** A backup taken now: what was flushed on the instance first, and the recovery point AWS Backup made. */
export interface TakenBackup extends StackBackup {
  backupJobId: string;
  /** What the instance wrote before the backup so a restore is consistent ("PostgreSQL dump", "Qdrant snapshot"); empty when no instance ran. */
  flushed: string[];
  /** Why nothing was flushed (paused, no instance in service, nothing to flush), when it was not. */
  flushSkipped?: string;
}

export interface BackupOptions {
  /** Why it is taken (shown with it and tagged on the recovery point): "before upgrade", "asked for". */
  reason: string;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /**
   * A failing flush stops the backup (the default). The safety backup of a restore goes on without it (said in
   * `flushSkipped`): a stack restored because its database is broken must still be restorable.
   */
  ifFlushFails?: 'stop' | 'back-up-anyway';
}

export interface RestoreOptions extends HostOperationOptions {
  /** The recovery point's ARN (as `backup list` shows it). */
  from: string;
  /** Restore into a new stack of this name (same config otherwise); without it the stack itself is switched to the restored data. */
  as?: string;
  /** Shown the plan before anything happens. */
  confirm?: (plan: RestorePlan) => Promise<boolean>;
}

export interface RestorePlan {
  stack: string;
  /** The stack that gets the restored data: `stack` itself, or the new one. */
  target: string;
  recoveryPoint: StackBackup;
  /** Switching the stack itself: the file system it leaves (kept until deleted by hand). */
  retiring?: string;
  /** Plain-words steps and what the user notices. */
  steps: string[];
}

/** The health round on the restored stack, as the instance answered it. */
export interface RestoreHealth {
  healthy: boolean;
  services: { service: string; status: HealthStatus; lastError?: string }[];
}

export interface RestoreResult {
  target: string;
  /** The file system AWS Backup restored into, now the target's. */
  fileSystemId: string;
  /** The stack itself was switched: its previous file system, kept. */
  retiredFileSystemId?: string;
  /** A backup taken of the stack before it was switched. */
  safetyBackup?: TakenBackup;
  /** A new stack: the source's secrets it was given (by name, never values), so the restored data opens. */
  copiedSecrets?: string[];
  /** AWS Backup restored into this directory; it was moved to the root, and what the first boot made was kept aside. */
  settled?: { movedFrom: string; keptAside: string };
  /** The services on the restored data, as the health round found them. */
  health: RestoreHealth;
}

/** Backups of a stack's file system through AWS Backup: list, back up now (consistent), restore. */
export class BackupService {
  constructor(private readonly host: EngineHost) {}

  /** The stack's recovery points (scheduled and on-demand), newest first, as AWS Backup lists them now. */
  async list(name: string, options: { signal?: AbortSignal } = {}): Promise<StackBackup[]> {
    void options;
    const state = await this.host.requireState(name);
    const [{ backupVault }, { stackFileSystems, stackRecoveryPoints }] = await Promise.all([import('./target'), import('./points')]);
    const vaultName = backupVault(state, 'list');
    const clients = this.host.clients(state.region, state.config.profile);
    return stackRecoveryPoints(this.host.backupApi(clients), vaultName, stackFileSystems(state));
  }

  /** Back up now, under the stack's lock: flush on the instance, start an on-demand job, wait for it. */
  async backupNow(name: string, options: BackupOptions & { takeOverLock?: boolean }): Promise<TakenBackup> {
    return this.host.locked(name, 'backup', options, async () => this.takeBackup(await this.host.requireState(name), options));
  }

  /** The same, for a caller that already holds the stack's lock (upgrade, rollback, restore, destroy --delete-data). */
  async takeBackup(state: StackState, options: BackupOptions): Promise<TakenBackup> {
    return (await import('./take')).takeBackupOf(this.host, state, options);
  }

  /** What a restore would do, read-only. */
  async planRestore(name: string, options: Pick<RestoreOptions, 'from' | 'as' | 'signal'>): Promise<RestorePlan> {
    return (await import('./restore')).planRestoreOf(this.host, name, options);
  }

  /** Restores the recovery point into a new file system, then a new stack on it (`as`) or the stack switched to it. */
  async restore(name: string, options: RestoreOptions): Promise<RestoreResult> {
    return (await import('./restore')).restoreOf(this.host, name, options, (state, backup) => this.takeBackup(state, backup));
  }
}
