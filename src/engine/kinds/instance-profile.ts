import { defineKind, handle, provide, step } from './types';
import { iamRole } from './iam-role';

const NAME = handle<string>('instance-profile', 'the IAM instance profile');

/** Holds the role; deleted in the role's destroy step, before it. */
export const instanceProfile = defineKind({
  kind: 'instance-profile',
  part: 'iam',
  dependsOn: [iamRole],
  handles: { name: NAME },
  journalKeys: () => ['instance-profile'],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepInstanceProfiles(clients, stack),
  steps: () => [step({
    id: 'instance-profile', title: 'IAM instance profile', keys: ['instance-profile'], uses: { roleName: iamRole.handles.name }, provides: [NAME],
    run: async (ctx, use) => {
      const result = await (await import('../resources/iam')).ensureInstanceProfile(ctx, use.roleName);
      return { ...result, provided: [provide(NAME, result.id)] };
    },
  })],
  teardown: {
    step: iamRole.teardown.step,
    delete: async (ctx, ids) => {
      const teardown = await import('../resources/teardown');
      for (const name of ids) await teardown.deleteInstanceProfile(ctx, name);
    },
  },
  keptWithData: false,
  adoptable: true,
});
