import type { LoadBalancerValue } from '../resources/load-balancer';
import { LB_KEYS } from '../resources/public-url';
import { internetGateway } from './internet-gateway';
import { routeTable } from './route-table';
import { securityGroup } from './security-group';
import { subnet } from './subnet';
import { defineKind, handle, provide, step } from './types';
import { vpc } from './vpc';

const LOAD_BALANCER = handle<LoadBalancerValue>('load-balancer', 'the load balancer');

/** The internet-facing Application Load Balancer; its listeners and rules go with it when it is deleted. */
export const loadBalancer = defineKind({
  kind: 'load-balancer',
  part: 'load-balancer',
  // Internet-facing: its public addresses need the internet gateway.
  dependsOn: [securityGroup, subnet, internetGateway],
  handles: { loadBalancer: LOAD_BALANCER },
  journalKeys: () => [LB_KEYS.loadBalancer],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepLoadBalancers(clients, stack),
  steps: (scope) => [step({
    id: 'alb', title: 'Application Load Balancer', keys: [LB_KEYS.loadBalancer], provides: [LOAD_BALANCER],
    uses: { groupId: securityGroup.handles.loadBalancer, subnets: scope.newNetwork ? [subnet.handles.a, subnet.handles.b] : undefined },
    // Internet-facing needs the internet gateway attached (and a route) first; a reused network is the user's.
    after: [scope.newNetwork ? routeTable.handles.id : vpc.handles.id],
    run: async (ctx, use) => {
      const result = await (await import('../resources/load-balancer')).ensureLoadBalancer(ctx, use.groupId, use.subnets?.map((s) => s.id));
      return { ...result, provided: [provide(LOAD_BALANCER, result.loadBalancer)] };
    },
  })],
  teardown: {
    step: { id: 'load-balancer', title: 'Load balancer (with its listeners)' },
    delete: async (ctx, ids) => (await import('../resources/teardown')).deleteLoadBalancers(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
