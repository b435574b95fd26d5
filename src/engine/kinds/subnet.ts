import type { Subnet } from '../resources/network';
import { defineKind, handle, provide, step } from './types';
import { vpc } from './vpc';

const KEYS = ['subnet-a', 'subnet-b'] as const;
const A = handle<Subnet>('subnet', 'the first public subnet');
const B = handle<Subnet>('subnet', 'the second public subnet');
const EXISTING = handle<Subnet[]>('subnet', "the user's subnets");
const PRIVATE_KEYS = ['private-subnet-a', 'private-subnet-b'] as const;
const PRIVATE_A = handle<Subnet>('subnet', 'the first private subnet');
const PRIVATE_B = handle<Subnet>('subnet', 'the second private subnet');

/**
 * Two public subnets in two AZs (new network), two private ones beside them when the stack scales out (RDS and
 * ElastiCache: no route to the internet), or the user's own (existing network: journaled as external, so
 * nothing ever deletes them; the "network" step also hands on the user's VPC).
 */
export const subnet = defineKind({
  kind: 'subnet',
  part: 'network',
  dependsOn: [vpc],
  handles: { a: A, b: B, existing: EXISTING, privateA: PRIVATE_A, privateB: PRIVATE_B },
  journalKeys: (scope, facts) => (scope.newNetwork ? [...KEYS, ...(scope.has('scale') ? PRIVATE_KEYS : [])] : (facts?.existingSubnets ?? []).map((s) => `subnet-${s.id}`)),
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepSubnets(clients, stack),
  steps: (scope) => {
    const network = scope.config.network;
    if (network.mode === 'new') {
      const publicSteps = ([0, 1] as const).map((index) => step({
        id: KEYS[index], title: `Public subnet (${index === 0 ? 'first' : 'second'} AZ)`, keys: [KEYS[index]], uses: { vpcId: vpc.handles.id }, provides: [index === 0 ? A : B],
        run: async (ctx, use) => {
          const result = await (await import('../resources/network')).ensureSubnet(ctx, KEYS[index], index, use.vpcId);
          return { ...result, provided: [provide(index === 0 ? A : B, result.subnet)] };
        },
      }));
      const privateSteps = !scope.has('scale') ? [] : ([0, 1] as const).map((index) => step({
        id: PRIVATE_KEYS[index], title: `Private subnet (${index === 0 ? 'first' : 'second'} AZ)`, keys: [PRIVATE_KEYS[index]], uses: { vpcId: vpc.handles.id }, provides: [index === 0 ? PRIVATE_A : PRIVATE_B],
        run: async (ctx, use) => {
          const result = await (await import('../resources/network')).ensureSubnet(ctx, PRIVATE_KEYS[index], index, use.vpcId, 'private');
          return { ...result, provided: [provide(index === 0 ? PRIVATE_A : PRIVATE_B, result.subnet)] };
        },
      }));
      return [...publicSteps, ...privateSteps];
    }
    return [step({
      id: 'network', title: 'Existing VPC and subnets', uses: {}, provides: [vpc.handles.id, EXISTING],
      run: async (ctx) => {
        const subnets = ctx.facts.existingSubnets ?? [];
        await ctx.journal.created('vpc', 'vpc', network.vpcId, {}, true);
        for (const one of subnets) await ctx.journal.created(`subnet-${one.id}`, 'subnet', one.id, { zone: one.zone }, true);
        return {
          outcome: 'reused', detail: `${network.vpcId} with ${subnets.map((s) => s.id).join(', ')}`,
          provided: [provide(vpc.handles.id, network.vpcId), provide(EXISTING, subnets.map((s) => ({ id: s.id, zone: s.zone })))],
        };
      },
    })];
  },
  teardown: {
    step: { id: 'subnets', title: 'Subnets' },
    delete: async (ctx, ids) => (await import('../resources/teardown')).deleteSubnets(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
