import { defineKind, handle, provide, step } from './types';

const NAME = handle<string>('iam-role', 'the IAM role');

/** The instance's role: SSM, and its own stack's secrets only. IAM is global: found by its fixed name. */
export const iamRole = defineKind({
  kind: 'iam-role',
  part: 'iam',
  dependsOn: [],
  handles: { name: NAME },
  journalKeys: () => ['iam-role'],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepRoles(clients, stack),
  steps: () => [step({
    id: 'iam-role', title: 'IAM role (SSM + own secrets)', keys: ['iam-role'], uses: {}, provides: [NAME],
    run: async (ctx) => {
      const result = await (await import('../resources/iam')).ensureRole(ctx);
      return { ...result, provided: [provide(NAME, result.id)] };
    },
  })],
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
