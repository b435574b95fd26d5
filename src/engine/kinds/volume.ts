import { defineKind } from './types';

/** The instance's root volume: created and normally deleted with it; a leftover is found by its tags. */
export const volume = defineKind({
  kind: 'volume',
  part: 'instance',
  dependsOn: [],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepVolumes(clients, stack),
  teardown: {
    step: { id: 'leftovers', title: 'Leftover volumes and interfaces' },
    delete: async (ctx, ids) => (await import('../resources/teardown')).deleteVolumes(ctx, ids),
  },
  keptWithData: false,
  adoptable: false,
});
