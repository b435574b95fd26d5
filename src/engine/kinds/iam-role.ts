import { defineKind, handle, provide, step } from './types';

const NAME = handle<string>('iam-role', 'the IAM role');
const BACKUP_ROLE_ARN = handle<string>('iam-role', "AWS Backup's role");

/**
 * The stack's roles. The instance's: SSM, and its own stack's secrets only. With backups on, AWS Backup's (key
 * backup-role): AWS's managed backup and restore policies. IAM is global: both are found by their fixed names.
 */
export const iamRole = defineKind({
  kind: 'iam-role',
  part: 'iam',
  dependsOn: [],
  handles: { name: NAME, backupRoleArn: BACKUP_ROLE_ARN },
  journalKeys: (scope) => ['iam-role', ...(scope.config.backup.enabled ? ['backup-role'] : [])],
  findByTag: async (clients, stack) => {
    // Both modules first: a query started before the second import could fail with nothing yet listening.
    const [{ sweepRoles }, { sweepBackupRoles }] = await Promise.all([import('../resources/sweep'), import('../backup/role-resources')]);
    return (await Promise.all([sweepRoles(clients, stack), sweepBackupRoles(clients, stack)])).flat();
  },
  steps: (scope) => [
    step({
      id: 'iam-role', title: 'IAM role (SSM + own secrets)', keys: ['iam-role'], uses: {}, provides: [NAME],
      run: async (ctx) => {
        const result = await (await import('../resources/iam')).ensureRole(ctx);
        return { ...result, provided: [provide(NAME, result.id)] };
      },
    }),
    ...(scope.config.backup.enabled ? [step({
      id: 'backup-role', title: 'IAM role for AWS Backup', keys: ['backup-role'], uses: {}, provides: [BACKUP_ROLE_ARN],
      run: async (ctx) => {
        const { outcome, detail, arn } = await (await import('../backup/role-resources')).ensureBackupRole(ctx);
        return { outcome, detail, provided: [provide(BACKUP_ROLE_ARN, arn)] };
      },
    })] : []),
  ],
  teardown: {
    step: { id: 'iam', title: 'IAM role and instance profile' },
    delete: async (ctx, ids) => {
      const teardown = await import('../resources/teardown');
      for (const name of ids) await teardown.deleteRole(ctx, name);
    },
  },
  keptWithData: false,
  adoptable: true,
});
