import { LB_KEYS } from '../resources/public-url';
import { loadBalancer } from './load-balancer';
import { ssmParameter } from './ssm-parameter';
import { defineKind, handle, provide, step } from './types';

const ID = handle<string>('cloudfront-distribution', 'the CloudFront distribution');

/**
 * In front of the load balancer (http-only origin, secret origin header). Created as soon as the load balancer has
 * a DNS name; its minutes-long deployment is its own step that nothing waits for. Global: found by comment and tags.
 */
export const cloudfrontDistribution = defineKind({
  kind: 'cloudfront-distribution',
  part: 'cloudfront',
  dependsOn: [loadBalancer, ssmParameter],
  handles: { id: ID },
  journalKeys: () => [LB_KEYS.distribution],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepDistributions(clients, stack),
  steps: () => [
    step({
      id: 'cloudfront', title: 'CloudFront distribution', keys: [LB_KEYS.distribution], provides: [ID],
      uses: { loadBalancer: loadBalancer.handles.loadBalancer, secrets: ssmParameter.handles.names },
      run: async (ctx, use) => {
        const result = await (await import('../resources/cloudfront')).ensureDistribution(ctx, use.loadBalancer.dnsName);
        return { ...result, provided: [provide(ID, result.id)] };
      },
    }),
    step({
      id: 'cloudfront-deployed', title: 'CloudFront deployed (5–20 min)', uses: { id: ID },
      run: async (ctx, use) => (await import('../resources/cloudfront')).waitDistributionDeployed(ctx, use.id),
    }),
  ],
  teardown: {
    step: { id: 'cloudfront', title: 'CloudFront distribution (disable, wait, delete)' },
    // Disable → wait Deployed → delete with the newest ETag.
    delete: async (ctx, ids) => {
      const teardown = await import('../resources/teardown');
      for (const id of ids) await teardown.deleteDistribution(ctx, id);
    },
  },
  keptWithData: false,
  adoptable: true,
});
