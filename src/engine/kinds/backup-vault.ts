import { defineKind, handle, provide, step } from './types';

const NAME = handle<string>('backup-vault', "the stack's backup vault");

/**
 * The stack's own AWS Backup vault, where its recovery points live. It outlives the plan: turning backups off keeps
 * it (and its recovery points), so its key stays the stack's; destroy deletes it only when it is empty or when the
 * user asks for the backups to go too (--delete-backups).
 */
export const backupVault = defineKind({
  kind: 'backup-vault',
  part: 'efs',
  dependsOn: [],
  handles: { name: NAME },
  journalKeys: () => ['backup-vault'],
  findByTag: async (clients, stack) => (await import('../backup/vault-resources')).sweepVaults(clients, stack),
  steps: (scope) => (scope.config.backup.enabled ? [step({
    id: 'backup-vault', title: 'AWS Backup vault', keys: ['backup-vault'], uses: {}, provides: [NAME],
    run: async (ctx) => {
      const { outcome, detail, name } = await (await import('../backup/vault-resources')).ensureBackupVault(ctx);
      return { outcome, detail, provided: [provide(NAME, name)] };
    },
  })] : []),
  teardown: {
    step: { id: 'backup-vault', title: 'AWS Backup vault' },
    delete: async (ctx, ids) => (await import('../backup/vault-resources')).deleteVaults(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
