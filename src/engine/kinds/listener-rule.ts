import { LB_KEYS } from '../resources/public-url';
import { defineKind } from './types';
import { listener } from './listener';
import { loadBalancer } from './load-balancer';
import { ssmParameter } from './ssm-parameter';
import { targetGroup } from './target-group';

/**
 * With CloudFront: forwards only requests carrying the secret origin header. Made (or removed, when CloudFront is
 * turned off) by the listener kind's step; never swept; deleted with its load balancer.
 */
export const listenerRule = defineKind({
  kind: 'listener-rule',
  part: 'load-balancer',
  dependsOn: [listener, targetGroup, ssmParameter],
  journalKeys: (scope) => (scope.has('cloudfront') ? [LB_KEYS.originRule] : []),
  deletedWith: loadBalancer,
  keptWithData: false,
  adoptable: false,
});
