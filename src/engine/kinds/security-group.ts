import { defineKind, handle, provide, step } from './types';
import { vpc } from './vpc';

const LOAD_BALANCER = handle<string>('security-group', "the load balancer's security group");
const INSTANCE = handle<string>('security-group', "the instance's security group");
const FILE_SYSTEM = handle<string>('security-group', "the EFS mount targets' security group");

/** Three groups: the load balancer's (tiers that have one), the instance's (port 80 from it), EFS's (NFS from the instance). */
export const securityGroup = defineKind({
  kind: 'security-group',
  part: 'security-groups',
  dependsOn: [vpc],
  handles: { loadBalancer: LOAD_BALANCER, instance: INSTANCE, fileSystem: FILE_SYSTEM },
  journalKeys: (scope) => [...(scope.has('load-balancer') ? ['sg-alb'] : []), 'sg-instance', 'sg-efs'],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepSecurityGroups(clients, stack),
  steps: (scope) => {
    const balanced = scope.has('load-balancer');
    const groups = () => import('../resources/security-groups');
    return [
      ...(balanced
        ? [step({
            id: 'sg-alb', title: 'Load balancer security group', keys: ['sg-alb'], uses: { vpcId: vpc.handles.id }, provides: [LOAD_BALANCER],
            run: async (ctx, use) => {
              const result = await (await groups()).ensureAlbSecurityGroup(ctx, use.vpcId);
              return { ...result, provided: [provide(LOAD_BALANCER, result.id)] };
            },
          })]
        : []),
      step({
        id: 'sg-instance', title: 'Instance security group', keys: ['sg-instance'], provides: [INSTANCE],
        uses: { vpcId: vpc.handles.id, albGroupId: balanced ? LOAD_BALANCER : undefined },
        run: async (ctx, use) => {
          const result = await (await groups()).ensureInstanceSecurityGroup(ctx, use.vpcId, use.albGroupId);
          return { ...result, provided: [provide(INSTANCE, result.id)] };
        },
      }),
      step({
        id: 'sg-efs', title: 'EFS security group', keys: ['sg-efs'], provides: [FILE_SYSTEM], uses: { vpcId: vpc.handles.id, instanceGroupId: INSTANCE },
        run: async (ctx, use) => {
          const result = await (await groups()).ensureEfsSecurityGroup(ctx, use.vpcId, use.instanceGroupId);
          return { ...result, provided: [provide(FILE_SYSTEM, result.id)] };
        },
      }),
    ];
  },
  teardown: {
    step: { id: 'security-groups', title: 'Security groups' },
    delete: async (ctx, ids) => (await import('../resources/teardown')).deleteSecurityGroups(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
