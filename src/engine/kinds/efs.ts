import { defineKind, handle, provide, step } from './types';

const ID = handle<string>('efs', 'the EFS file system');

/** The stack's data: kept by destroy unless the user deletes data. */
export const efs = defineKind({
  kind: 'efs',
  part: 'efs',
  dependsOn: [],
  handles: { id: ID },
  journalKeys: () => ['efs'],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepFileSystems(clients, stack),
  steps: () => [step({
    id: 'efs', title: 'Encrypted EFS file system', keys: ['efs'], uses: {}, provides: [ID],
    run: async (ctx) => {
      const result = await (await import('../resources/efs')).ensureFileSystem(ctx);
      return { ...result, provided: [provide(ID, result.id)] };
    },
  })],
  teardown: {
    step: { id: 'efs', title: 'EFS file system' },
    delete: async (ctx, ids) => {
      const teardown = await import('../resources/teardown');
      for (const id of ids) await teardown.deleteFileSystem(ctx, id);
    },
  },
  keptWithData: true,
  adoptable: true,
});
