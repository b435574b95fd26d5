/*
 * Names and journal keys of a stack's AWS Backup resources (shared by the kinds, backup now, restore and destroy).
 * The vault record's id is the vault name (attrs.arn its ARN); the role's attrs.arn is what jobs pass as IamRoleArn;
 * the plan record's id is the BackupPlanId (attrs.selectionId the selection of the stack's file system).
 */
export const BACKUP_KEYS = { vault: 'backup-vault', role: 'backup-role', plan: 'backup-plan' } as const;

/** Vault names are unique per account and region: one per stack. */
export function backupVaultName(stack: string): string {
  return `geusemaker-${stack}`;
}

export function backupPlanName(stack: string): string {
  return `geusemaker-${stack}`;
}

/** IAM is global: the region keeps two same-named stacks in different regions apart. */
export function backupRoleName(stack: string, region: string): string {
  return `gm-${stack}-backup-${region}`;
}

export function backupSelectionName(stack: string): string {
  return `geusemaker-${stack}-efs`;
}

/** Tag on recovery points we start on demand: why (e.g. "before upgrade"); scheduled ones lack it. */
export const TAG_BACKUP_REASON = 'geusemaker:backup-reason';
