import { internetGateway } from './internet-gateway';
import { securityGroup } from './security-group';
import { subnet } from './subnet';
import { defineKind } from './types';
import { volume } from './volume';

/**
 * The instance's network interface: created and normally deleted with it; a leftover is found by its tags. It sits
 * in a subnet with security groups, and its public address blocks detaching the internet gateway.
 */
export const networkInterface = defineKind({
  kind: 'network-interface',
  part: 'instance',
  dependsOn: [subnet, securityGroup, internetGateway],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepNetworkInterfaces(clients, stack),
  teardown: {
    step: volume.teardown.step,
    delete: async (ctx, ids) => (await import('../resources/teardown')).deleteNetworkInterfaces(ctx, ids),
  },
  keptWithData: false,
  adoptable: false,
});
