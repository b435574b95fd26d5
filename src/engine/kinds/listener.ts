import { LB_KEYS } from '../resources/public-url';
import { loadBalancer } from './load-balancer';
import { ssmParameter } from './ssm-parameter';
import { targetGroup } from './target-group';
import { defineKind, handle, provide, step } from './types';

const HTTP = handle<string>('listener', "the load balancer's HTTP listener");

/**
 * HTTP:80 (and HTTPS:443 with the user's certificate). Its step also keeps the listener rule for CloudFront's
 * origin header in line with the config. Never swept (found by port); deleted with its load balancer.
 */
export const listener = defineKind({
  kind: 'listener',
  part: 'load-balancer',
  dependsOn: [loadBalancer, targetGroup, ssmParameter],
  handles: { http: HTTP },
  journalKeys: (scope) => [LB_KEYS.httpListener, ...(scope.config.certificateArn ? [LB_KEYS.httpsListener] : [])],
  steps: (scope) => {
    const cloudFront = scope.has('cloudfront');
    return [step({
      id: 'listeners', title: cloudFront ? 'Listener (403 unless the CloudFront origin header)' : 'Listeners', provides: [HTTP],
      keys: [LB_KEYS.httpListener, ...(scope.config.certificateArn ? [LB_KEYS.httpsListener] : []), ...(cloudFront ? [LB_KEYS.originRule] : [])],
      // The origin rule reads the origin secret.
      uses: { loadBalancer: loadBalancer.handles.loadBalancer, targetGroupArn: targetGroup.handles.arn, secrets: cloudFront ? ssmParameter.handles.names : undefined },
      run: async (ctx, use) => {
        const result = await (await import('../resources/load-balancer')).ensureListeners(ctx, { loadBalancerArn: use.loadBalancer.arn, targetGroupArn: use.targetGroupArn });
        return { ...result, provided: [provide(HTTP, result.httpListenerArn)] };
      },
    })];
  },
  deletedWith: loadBalancer,
  keptWithData: false,
  adoptable: false,
});
