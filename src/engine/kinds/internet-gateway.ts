import { defineKind, handle, provide, step } from './types';
import { vpc } from './vpc';

const ID = handle<string>('internet-gateway', 'the internet gateway');

export const internetGateway = defineKind({
  kind: 'internet-gateway',
  part: 'network',
  dependsOn: [vpc],
  handles: { id: ID },
  journalKeys: (scope) => (scope.newNetwork ? ['igw'] : []),
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepInternetGateways(clients, stack),
  steps: (scope) => (scope.newNetwork
    ? [step({
        id: 'igw', title: 'Internet gateway', keys: ['igw'], uses: { vpcId: vpc.handles.id }, provides: [ID],
        run: async (ctx, use) => {
          const result = await (await import('../resources/network')).ensureInternetGateway(ctx, use.vpcId);
          return { ...result, provided: [provide(ID, result.id)] };
        },
      })]
    : []),
  teardown: {
    step: { id: 'internet-gateway', title: 'Internet gateway' },
    delete: async (ctx, ids) => {
      const teardown = await import('../resources/teardown');
      for (const id of ids) await teardown.deleteInternetGateway(ctx, id);
    },
  },
  keptWithData: false,
  adoptable: true,
});
