import { instance } from './instance';
import { launchTemplate } from './launch-template';
import { listener } from './listener';
import { loadBalancer } from './load-balancer';
import { mountTarget } from './mount-target';
import { routeTable } from './route-table';
import { snsTopic } from './sns-topic';
import { subnet } from './subnet';
import { targetGroup } from './target-group';
import { defineKind, handle, provide, step } from './types';
import { vpc } from './vpc';

/** The instance in service once it runs this deploy's configuration (a replacement's id after a refresh). */
const CURRENT = handle<string>('auto-scaling-group', 'the instance in service on this configuration');

/**
 * The stack's EC2 Auto Scaling group of one: AWS launches the instance from the launch template and replaces it
 * when it is taken back or fails its health check. Destroy deletes it before anything its instances use, and
 * before the instances step (it would replace what that terminates): it depends on the instance kind for that.
 */
export const autoScalingGroup = defineKind({
  kind: 'auto-scaling-group',
  part: 'instance',
  dependsOn: [launchTemplate, instance, subnet, routeTable, mountTarget, loadBalancer, targetGroup, listener, snsTopic],
  handles: { current: CURRENT },
  journalKeys: () => ['auto-scaling-group'],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepAutoScalingGroups(clients, stack),
  steps: (scope) => {
    const balanced = scope.has('load-balancer');
    const inputs = {
      template: launchTemplate.handles.ref,
      subnets: scope.newNetwork ? [subnet.handles.a, subnet.handles.b] : subnet.handles.existing,
      targetGroupArn: balanced ? targetGroup.handles.arn : undefined,
    };
    return [
      step({
        id: 'instance', title: 'EC2 instance (Auto Scaling group of one)', keys: ['auto-scaling-group', 'instance'], provides: [instance.handles.id],
        uses: inputs,
        // The SSM agent needs the internet route (no NAT gateway).
        after: [scope.newNetwork ? routeTable.handles.id : vpc.handles.id],
        run: async (ctx, use) => {
          const result = await (await import('../resources/auto-scaling')).ensureGroupInstance(ctx, use);
          return { ...result, provided: [provide(instance.handles.id, result.id)] };
        },
      }),
      step({
        id: 'instance-update', title: 'Instance on this configuration (updated in place or replaced)', provides: [CURRENT],
        uses: { ...inputs, instanceId: instance.handles.id },
        run: async (ctx, use) => {
          const { instanceId, ...group } = use;
          const result = await (await import('../update/instance-update')).bringInstanceUpToDate(ctx, group, instanceId);
          return { outcome: result.outcome, detail: result.detail, provided: [provide(CURRENT, result.instanceId)] };
        },
      }),
      ...(scope.config.notifyEmail
        ? [step({
            id: 'group-notifications', title: 'Group notices by email (launch, termination, launch errors)',
            uses: { topicArn: snsTopic.handles.arn, instanceId: CURRENT },
            run: async (ctx, use) => (await import('../resources/notifications')).notifyFromGroup(ctx, use.topicArn),
          })]
        : []),
      ...(balanced
        ? [step({
            id: 'target-healthy', title: 'Instance healthy behind the load balancer',
            uses: { instanceId: CURRENT, loadBalancer: loadBalancer.handles.loadBalancer, targetGroupArn: targetGroup.handles.arn },
            // Health checks run once a listener forwards to the group.
            after: [listener.handles.http],
            run: async (ctx, use) => {
              const result = await (await import('../resources/load-balancer')).waitTargetHealthy(ctx, use.loadBalancer.arn, use.targetGroupArn, use.instanceId);
              await (await import('../resources/auto-scaling')).useLoadBalancerHealth(ctx);
              return result;
            },
          })]
        : []),
    ];
  },
  teardown: {
    step: { id: 'auto-scaling-group', title: 'Auto Scaling group (terminates its instance)' },
    delete: async (ctx, ids) => (await import('../resources/auto-scaling')).deleteGroups(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
