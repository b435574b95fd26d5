import { LB_KEYS } from '../resources/public-url';
import { defineKind, handle, provide, step } from './types';
import { vpc } from './vpc';

const ARN = handle<string>('target-group', 'the target group');

export const targetGroup = defineKind({
  kind: 'target-group',
  part: 'load-balancer',
  dependsOn: [vpc],
  handles: { arn: ARN },
  journalKeys: () => [LB_KEYS.targetGroup],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepTargetGroups(clients, stack),
  steps: () => [step({
    id: 'target-group', title: 'Target group (health check /healthz)', keys: [LB_KEYS.targetGroup], uses: { vpcId: vpc.handles.id }, provides: [ARN],
    run: async (ctx, use) => {
      const result = await (await import('../resources/load-balancer')).ensureTargetGroup(ctx, use.vpcId);
      return { ...result, provided: [provide(ARN, result.id)] };
    },
  })],
  teardown: {
    step: { id: 'target-groups', title: 'Target groups' },
    // ResourceInUse while a listener still uses the group: the load balancer's deletion is still settling.
    delete: async (ctx, ids) => (await import('../resources/teardown')).deleteTargetGroups(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
