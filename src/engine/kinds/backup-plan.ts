import { backupVault } from './backup-vault';
import { efs } from './efs';
import { iamRole } from './iam-role';
import { defineKind, step } from './types';

/**
 * With backups on: the AWS Backup plan (one rule: the schedule, the retention, our vault) and its selection of the
 * stack's file system (journaled as the plan record's attrs.selectionId). Deleted with its selection when backups
 * are turned off, and by destroy; the recovery points stay in the vault.
 */
export const backupPlan = defineKind({
  kind: 'backup-plan',
  part: 'efs',
  dependsOn: [backupVault, iamRole, efs],
  handles: {},
  journalKeys: (scope) => (scope.config.backup.enabled ? ['backup-plan'] : []),
  findByTag: async (clients, stack) => (await import('../backup/plan-resources')).sweepPlans(clients, stack),
  steps: (scope) => (scope.config.backup.enabled ? [step({
    id: 'backup-plan', title: 'AWS Backup plan and selection of the file system', keys: ['backup-plan'],
    uses: { vaultName: backupVault.handles.name, roleArn: iamRole.handles.backupRoleArn, fileSystemId: efs.handles.id },
    run: async (ctx, use) => {
      const { outcome, detail } = await (await import('../backup/plan-resources')).ensureBackupPlan(ctx, use);
      return { outcome, detail };
    },
  })] : []),
  teardown: {
    step: { id: 'backup-plan', title: 'AWS Backup plan and selection' },
    delete: async (ctx, ids) => (await import('../backup/plan-resources')).deletePlans(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
