import type { EngineHost, HostOperationOptions } from '../host';
import type { BackupService } from '../backup/service';

/** Secrets `secrets rotate` can change; the n8n encryption key is refused (n8n cannot re-encrypt its credentials). */
export const ROTATABLE_SECRETS = ['postgres', 'qdrant', 'proxy', 'crawl4ai', 'n8n-owner'] as const;
export type RotatableSecret = (typeof ROTATABLE_SECRETS)[number];

/** How old one secret is, from Parameter Store's LastModifiedDate (and whether rotateAfterDays says it is due). */
export interface SecretAge {
  /** The parameter's short name, e.g. postgres-password. */
  name: string;
  rotatable: RotatableSecret | undefined;
  lastChangedAt: string;
  ageDays: number;
  /** rotateAfterDays is set and the age reached it. */
  due: boolean;
  version: number;
}

export interface RotationPlan {
  stack: string;
  secrets: RotatableSecret[];
  /** What happens on the instance, in order, in plain words. */
  steps: string[];
}

export interface RotationResult {
  rotated: { secret: RotatableSecret; parameter: string; version: number }[];
  /** The health round after it failed and the old values were put back. */
  restored?: { reason: string };
}

/** Secret rotation and ages. */
export class SecretsService {
  constructor(private readonly host: EngineHost, private readonly backups: BackupService) {}

  /** Each secret's age from Parameter Store now, and which are due under rotateAfterDays. */
  async ages(name: string, options: { signal?: AbortSignal } = {}): Promise<SecretAge[]> {
    void this.host; void this.backups; void name; void options;
    throw new Error('SecretsService.ages is not implemented yet');
  }

  /** What a rotation would do, read-only (refuses the n8n encryption key and secrets the stack does not use). */
  async planRotation(name: string, only?: readonly string[]): Promise<RotationPlan> {
    void name; void only;
    throw new Error('SecretsService.planRotation is not implemented yet');
  }

  /** Rotates under the stack's lock; a failing health round afterwards puts the old values back. */
  async rotate(name: string, options: HostOperationOptions & { only?: readonly string[]; confirm?: (plan: RotationPlan) => Promise<boolean> }): Promise<RotationResult> {
    void name; void options;
    throw new Error('SecretsService.rotate is not implemented yet');
  }
}
