import type { LoadBalancerValue } from '../resources/load-balancer';
import { SCALE_KEYS } from '../scale/names';
import { loadBalancer } from './load-balancer';
import { securityGroup } from './security-group';
import { subnet } from './subnet';
import { defineKind, handle, provide, step } from './types';
import { vpc } from './vpc';

const LOAD_BALANCER = handle<LoadBalancerValue>('internal-load-balancer', 'the internal load balancer');
const TARGET_GROUP = handle<string>('internal-load-balancer', "the Ollama workers' target group");
const LISTENER = handle<string>('internal-load-balancer', "the internal load balancer's Ollama listener");

/**
 * The internal Application Load Balancer in front of the Ollama workers (scale.ollamaWorkers): its records are
 * load balancer, target group and listener records, so the sweep and destroy treat them as those kinds.
 */
export const internalLoadBalancer = defineKind({
  kind: 'internal-load-balancer',
  part: 'scale',
  dependsOn: [securityGroup, subnet, vpc],
  handles: { loadBalancer: LOAD_BALANCER, targetGroup: TARGET_GROUP, listener: LISTENER },
  journalKeys: (scope) => (scope.config.scale?.ollamaWorkers ? [SCALE_KEYS.internalLoadBalancer, SCALE_KEYS.ollamaTargetGroup, SCALE_KEYS.ollamaListener] : []),
  steps: (scope) => {
    if (!scope.config.scale?.ollamaWorkers) return [];
    const lb = () => import('../resources/internal-lb');
    return [
      step({
        id: SCALE_KEYS.internalLoadBalancer, title: 'Internal load balancer (Ollama workers)', keys: [SCALE_KEYS.internalLoadBalancer], provides: [LOAD_BALANCER],
        uses: { groupId: securityGroup.handles.internalAlb, subnets: scope.newNetwork ? [subnet.handles.privateA, subnet.handles.privateB] : subnet.handles.existing },
        run: async (ctx, use) => {
          const result = await (await lb()).ensureInternalLoadBalancer(ctx, use.groupId, use.subnets);
          return { ...result, provided: [provide(LOAD_BALANCER, result.loadBalancer)] };
        },
      }),
      step({
        id: SCALE_KEYS.ollamaTargetGroup, title: 'Ollama workers target group (health check /api/version)', keys: [SCALE_KEYS.ollamaTargetGroup], provides: [TARGET_GROUP],
        uses: { vpcId: vpc.handles.id },
        run: async (ctx, use) => {
          const result = await (await lb()).ensureOllamaTargetGroup(ctx, use.vpcId);
          return { ...result, provided: [provide(TARGET_GROUP, result.arn)] };
        },
      }),
      step({
        id: SCALE_KEYS.ollamaListener, title: 'Internal listener (Ollama)', keys: [SCALE_KEYS.ollamaListener], provides: [LISTENER],
        uses: { loadBalancer: LOAD_BALANCER, targetGroupArn: TARGET_GROUP },
        run: async (ctx, use) => {
          const result = await (await lb()).ensureOllamaListener(ctx, use.loadBalancer.arn, use.targetGroupArn);
          return { ...result, provided: [provide(LISTENER, result.arn)] };
        },
      }),
    ];
  },
  deletedWith: loadBalancer,
  keptWithData: false,
  adoptable: false,
});
