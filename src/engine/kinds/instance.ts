import { cloudfrontDistribution } from './cloudfront-distribution';
import { efs } from './efs';
import { instanceProfile } from './instance-profile';
import { listener } from './listener';
import { loadBalancer } from './load-balancer';
import { mountTarget } from './mount-target';
import { networkInterface } from './network-interface';
import { routeTable } from './route-table';
import { securityGroup } from './security-group';
import { ssmParameter } from './ssm-parameter';
import { subnet } from './subnet';
import { targetGroup } from './target-group';
import { defineKind, handle } from './types';
import { volume } from './volume';

const ID = handle<string>('instance', 'the EC2 instance');

/**
 * The stack's current EC2 instance. The Auto Scaling group launches it (kinds/auto-scaling-group.ts) and journals
 * it under this kind; an instance from before groups is migrated onto one. Destroy terminates what is left.
 */
export const instance = defineKind({
  kind: 'instance',
  part: 'instance',
  dependsOn: [subnet, routeTable, securityGroup, instanceProfile, efs, mountTarget, ssmParameter, loadBalancer, targetGroup, listener, cloudfrontDistribution, volume, networkInterface],
  handles: { id: ID },
  journalKeys: () => ['instance'],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepInstances(clients, stack),
  teardown: {
    step: { id: 'instances', title: 'Terminate instances' },
    delete: async (ctx, ids) => (await import('../resources/teardown')).terminateInstances(ctx, ids),
    // CloudFront's disable → deploy → delete takes minutes and needs nothing else gone, so it runs beside the
    // instances; the load balancer it points at goes only after it, so viewers never hit a dangling origin.
    independentOf: [cloudfrontDistribution],
  },
  keptWithData: false,
  adoptable: true,
});
