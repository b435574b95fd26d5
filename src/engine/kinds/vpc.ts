import { defineKind, handle, provide, step } from './types';

const ID = handle<string>('vpc', 'the VPC');

/** The stack's own VPC (new network); a reused one is journaled by the subnet kind's "network" step, as external. */
export const vpc = defineKind({
  kind: 'vpc',
  part: 'network',
  dependsOn: [],
  handles: { id: ID },
  journalKeys: () => ['vpc'],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepVpcs(clients, stack),
  steps: (scope) => (scope.newNetwork
    ? [step({
        id: 'vpc', title: 'VPC', keys: ['vpc'], uses: {}, provides: [ID],
        run: async (ctx) => {
          const result = await (await import('../resources/network')).ensureVpc(ctx);
          return { ...result, provided: [provide(ID, result.id)] };
        },
      })]
    : []),
  teardown: {
    step: { id: 'vpc', title: 'VPC' },
    delete: async (ctx, ids) => {
      const teardown = await import('../resources/teardown');
      for (const id of ids) await teardown.deleteVpc(ctx, id);
    },
  },
  keptWithData: false,
  adoptable: true,
});
