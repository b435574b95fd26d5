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
import { defineKind, handle, provide, step } from './types';
import { volume } from './volume';
import { vpc } from './vpc';

const ID = handle<string>('instance', 'the EC2 instance');

/**
 * The EC2 instance, and (behind a load balancer) its wait to turn healthy there. It launches once the public URL
 * is known (n8n's webhook and editor URLs follow it): the distribution's domain, or the load balancer's DNS name.
 */
export const instance = defineKind({
  kind: 'instance',
  part: 'instance',
  dependsOn: [subnet, routeTable, securityGroup, instanceProfile, efs, mountTarget, ssmParameter, loadBalancer, targetGroup, listener, cloudfrontDistribution, volume, networkInterface],
  handles: { id: ID },
  journalKeys: () => ['instance'],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepInstances(clients, stack),
  steps: (scope) => {
    const balanced = scope.has('load-balancer');
    const front = scope.has('cloudfront') ? cloudfrontDistribution.handles.id : balanced ? loadBalancer.handles.loadBalancer : undefined;
    return [
      step({
        id: 'instance', title: 'EC2 instance', keys: ['instance'], provides: [ID],
        uses: {
          subnets: scope.newNetwork ? [subnet.handles.a, subnet.handles.b] : subnet.handles.existing,
          groupId: securityGroup.handles.instance, profileName: instanceProfile.handles.name, fileSystemId: efs.handles.id,
          // Read by the instance at boot; the public URL (from the journal) must be known before launch.
          secrets: ssmParameter.handles.names, front,
        },
        // The SSM agent needs the internet route (no NAT gateway).
        after: [scope.newNetwork ? routeTable.handles.id : vpc.handles.id],
        run: async (ctx, use) => {
          const result = await (await import('../resources/instance')).ensureInstance(ctx, use);
          return { ...result, provided: [provide(ID, result.id)] };
        },
      }),
      ...(balanced
        ? [step({
            id: 'target-healthy', title: 'Instance healthy behind the load balancer',
            uses: { instanceId: ID, loadBalancer: loadBalancer.handles.loadBalancer, targetGroupArn: targetGroup.handles.arn },
            // Health checks run once a listener forwards to the group.
            after: [listener.handles.http],
            run: async (ctx, use) => (await import('../resources/load-balancer')).registerAndWaitHealthy(ctx, use.loadBalancer.arn, use.targetGroupArn, use.instanceId),
          })]
        : []),
    ];
  },
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
