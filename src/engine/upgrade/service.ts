import type { EngineHost, HostOperationOptions } from '../host';
import type { BackupService, TakenBackup } from '../backup/service';
import type { DeployPlan } from '../plan/plan';

export interface UpgradePlan {
  stack: string;
  /** Each image that changes, old → new (the release's tested set). */
  images: { service: string; from: string; to: string }[];
  /** The AMI, when a newer one of the stack's family exists (or the config pins none). */
  ami?: { from: string; to: string; toName?: string };
  /** Nothing differs: the stack runs the tested set and the newest AMI. */
  upToDate: boolean;
  /** The deploy plan of the upgraded stack (its diff says in place or by replacement). */
  deploy: DeployPlan;
}

export interface UpgradeResult {
  plan: UpgradePlan;
  backup?: TakenBackup;
  /** Health failed after the upgrade: the previous versions were applied again, the backup kept. */
  rolledBack?: { reason: string };
}

/** Upgrades to the release's tested images and the newest AMI of the stack's family. */
export class UpgradeService {
  constructor(private readonly host: EngineHost, private readonly backups: BackupService) {}

  async planUpgrade(name: string): Promise<UpgradePlan> {
    void this.host; void this.backups; void name;
    throw new Error('UpgradeService.planUpgrade is not implemented yet');
  }

  /** Backup, apply through the update path, verify health, roll back automatically when health fails. */
  async upgrade(name: string, options: HostOperationOptions & { confirm?: (plan: UpgradePlan) => Promise<boolean> }): Promise<UpgradeResult> {
    void name; void options;
    throw new Error('UpgradeService.upgrade is not implemented yet');
  }
}
