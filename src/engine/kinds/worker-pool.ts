import { SCALE_KEYS } from '../scale/names';
import { workerPools, type WorkerPoolName } from '../stack/scale-config';
import { autoScalingGroup } from './auto-scaling-group';
import { database } from './database';
import { efs } from './efs';
import { instanceProfile } from './instance-profile';
import { internalLoadBalancer } from './internal-load-balancer';
import { mountTarget } from './mount-target';
import { queueCache } from './queue-cache';
import { routeTable } from './route-table';
import { databaseSwitched, scaleWiring, wiringUses } from './scale-wiring';
import { securityGroup } from './security-group';
import { ssmParameter } from './ssm-parameter';
import { subnet } from './subnet';
import { defineKind, step, type BuildScope, type StackStep } from './types';
import { vpc } from './vpc';

function poolSteps(scope: BuildScope, pool: WorkerPoolName): StackStep[] {
  const ollama = pool === 'ollama';
  const templateKey = SCALE_KEYS.workerTemplate(pool);
  const groupKey = SCALE_KEYS.workerGroupKey(pool);
  return [step({
    id: groupKey, title: `${ollama ? 'Ollama' : 'n8n'} worker pool (launch template, Auto Scaling group, target tracking)`, keys: [templateKey, groupKey],
    uses: {
      ...wiringUses(scope),
      groupId: securityGroup.handles.workers, profileName: instanceProfile.handles.name, fileSystemId: efs.handles.id, secrets: ssmParameter.handles.names,
      subnets: scope.newNetwork ? [subnet.handles.a, subnet.handles.b] : subnet.handles.existing,
      targetGroupArn: ollama ? internalLoadBalancer.handles.targetGroup : undefined,
      listener: ollama ? internalLoadBalancer.handles.listener : undefined,
    },
    // Workers mount EFS and reach AWS through the internet route, like the instance.
    after: [scope.newNetwork ? routeTable.handles.id : vpc.handles.id],
    run: async (ctx, use) => {
      const workers = await import('../resources/workers');
      const wiring = scaleWiring(ctx.config.scale!, use, databaseSwitched(ctx.journal.state, ctx.config));
      const template = await workers.ensureWorkerTemplate(ctx, pool, { groupId: use.groupId, profileName: use.profileName, fileSystemId: use.fileSystemId, scale: wiring });
      const group = await workers.ensureWorkerGroup(ctx, pool, { template: template.ref, subnets: use.subnets, targetGroupArn: use.targetGroupArn, loadBalancerArn: use.ollama?.arn });
      const outcome = template.outcome === 'created' || group.outcome === 'created' ? 'created' : template.outcome === 'done' || group.outcome === 'done' ? 'done' : 'reused';
      // Running workers on an older version are replaced; a new group launches on the new one anyway.
      const refresh = template.outcome === 'done' && group.outcome !== 'created' ? `; ${await (await import('../resources/worker-refresh')).refreshWorkers(ctx, group.name)}` : '';
      return { outcome, detail: `${group.detail}; template ${template.detail}${refresh}` };
    },
  })];
}

/**
 * The worker pools (scale): per pool a launch template of its own (only the pool's container) and an Auto Scaling
 * group with target tracking. Its records are launch template and group records; destroy deletes them with the
 * stack's group, before the database and the queue.
 */
export const workerPool = defineKind({
  kind: 'worker-pool',
  part: 'scale',
  dependsOn: [securityGroup, instanceProfile, efs, ssmParameter, subnet, routeTable, vpc, mountTarget, database, queueCache, internalLoadBalancer],
  journalKeys: (scope) => workerPools(scope.config.scale).flatMap(({ pool }) => [SCALE_KEYS.workerTemplate(pool), SCALE_KEYS.workerGroupKey(pool)]),
  steps: (scope) => workerPools(scope.config.scale).flatMap(({ pool }) => poolSteps(scope, pool)),
  deletedWith: autoScalingGroup,
  keptWithData: false,
  adoptable: false,
});
