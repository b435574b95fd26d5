import { defineKind, handle, provide, step } from './types';
import { internetGateway } from './internet-gateway';
import { subnet } from './subnet';
import { vpc } from './vpc';

const ID = handle<string>('route-table', 'the route table with its internet route');

export const routeTable = defineKind({
  kind: 'route-table',
  part: 'network',
  dependsOn: [vpc, internetGateway, subnet],
  handles: { id: ID },
  journalKeys: (scope) => (scope.newNetwork ? ['route-table'] : []),
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepRouteTables(clients, stack),
  steps: (scope) => (scope.newNetwork
    ? [step({
        id: 'route-table', title: 'Route table and internet route', keys: ['route-table'], provides: [ID],
        uses: { vpcId: vpc.handles.id, gatewayId: internetGateway.handles.id, subnets: [subnet.handles.a, subnet.handles.b] },
        run: async (ctx, use) => {
          const result = await (await import('../resources/network')).ensureRouteTable(ctx, use.vpcId, use.gatewayId, use.subnets.map((s) => s.id));
          return { ...result, provided: [provide(ID, result.id)] };
        },
      })]
    : []),
  teardown: {
    step: { id: 'route-table', title: 'Route table' },
    delete: async (ctx, ids) => {
      const teardown = await import('../resources/teardown');
      for (const id of ids) await teardown.deleteRouteTable(ctx, id);
    },
  },
  keptWithData: false,
  adoptable: true,
});
