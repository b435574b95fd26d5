import { SCALE_KEYS } from '../scale/names';
import { defineKind, handle, provide, step, type BuildScope, type StackStep } from './types';
import { vpc } from './vpc';

const LOAD_BALANCER = handle<string>('security-group', "the load balancer's security group");
const INSTANCE = handle<string>('security-group', "the instance's security group");
const FILE_SYSTEM = handle<string>('security-group', "the EFS mount targets' security group");
const WORKERS = handle<string>('security-group', "the worker pools' security group");
const DATABASE = handle<string>('security-group', "the database's security group");
const QUEUE = handle<string>('security-group', "the queue's security group");
const INTERNAL_ALB = handle<string>('security-group', "the internal load balancer's security group");

/** Three groups: the load balancer's (tiers that have one), the instance's (port 80 from it), EFS's (NFS from the instance). */
export const securityGroup = defineKind({
  kind: 'security-group',
  part: 'security-groups',
  dependsOn: [vpc],
  handles: { loadBalancer: LOAD_BALANCER, instance: INSTANCE, fileSystem: FILE_SYSTEM, workers: WORKERS, database: DATABASE, queue: QUEUE, internalAlb: INTERNAL_ALB },
  journalKeys: (scope) => [...(scope.has('load-balancer') ? ['sg-alb'] : []), 'sg-instance', 'sg-efs', ...scaleGroupKeys(scope)],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepSecurityGroups(clients, stack),
  steps: (scope) => {
    const balanced = scope.has('load-balancer');
    const groups = () => import('../resources/security-groups');
    return [
      ...(balanced
        ? [step({
            id: 'sg-alb', title: 'Load balancer security group', keys: ['sg-alb'], uses: { vpcId: vpc.handles.id }, provides: [LOAD_BALANCER],
            run: async (ctx, use) => {
              const result = await (await groups()).ensureAlbSecurityGroup(ctx, use.vpcId);
              return { ...result, provided: [provide(LOAD_BALANCER, result.id)] };
            },
          })]
        : []),
      step({
        id: 'sg-instance', title: 'Instance security group', keys: ['sg-instance'], provides: [INSTANCE],
        uses: { vpcId: vpc.handles.id, albGroupId: balanced ? LOAD_BALANCER : undefined },
        run: async (ctx, use) => {
          const result = await (await groups()).ensureInstanceSecurityGroup(ctx, use.vpcId, use.albGroupId);
          return { ...result, provided: [provide(INSTANCE, result.id)] };
        },
      }),
      step({
        id: 'sg-efs', title: 'EFS security group', keys: ['sg-efs'], provides: [FILE_SYSTEM], uses: { vpcId: vpc.handles.id, instanceGroupId: INSTANCE, workersGroupId: scope.has('scale') ? WORKERS : undefined },
        run: async (ctx, use) => {
          const result = await (await groups()).ensureEfsSecurityGroup(ctx, use.vpcId, use.instanceGroupId, use.workersGroupId);
          return { ...result, provided: [provide(FILE_SYSTEM, result.id)] };
        },
      }),
      ...scaleGroupSteps(scope),
    ];
  },
  teardown: {
    step: { id: 'security-groups', title: 'Security groups' },
    delete: async (ctx, ids) => (await import('../resources/teardown')).deleteSecurityGroups(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});

function scaleGroupKeys(scope: BuildScope): string[] {
  const scale = scope.config.scale;
  if (!scale) return [];
  return [
    SCALE_KEYS.workerGroup,
    ...(scale.ollamaWorkers ? [SCALE_KEYS.internalAlbGroup] : []),
    ...(scale.database === 'rds' ? [SCALE_KEYS.databaseGroup] : []),
    ...(scale.queue === 'elasticache' ? [SCALE_KEYS.queueGroup] : []),
  ];
}

/** Scale: the workers' group, the internal load balancer's (Ollama workers), and one per managed data service. */
function scaleGroupSteps(scope: BuildScope): StackStep[] {
  const scale = scope.config.scale;
  if (!scale) return [];
  const groups = () => import('../resources/scale-security-groups');
  const ollama = scale.ollamaWorkers !== undefined;
  return [
    ...(ollama
      ? [step({
          id: SCALE_KEYS.internalAlbGroup, title: 'Internal load balancer security group', keys: [SCALE_KEYS.internalAlbGroup], provides: [INTERNAL_ALB],
          uses: { vpcId: vpc.handles.id, instanceGroupId: INSTANCE },
          run: async (ctx, use) => {
            const result = await (await groups()).ensureInternalAlbSecurityGroup(ctx, use.vpcId, use.instanceGroupId);
            return { ...result, provided: [provide(INTERNAL_ALB, result.id)] };
          },
        })]
      : []),
    step({
      id: SCALE_KEYS.workerGroup, title: 'Worker pools security group', keys: [SCALE_KEYS.workerGroup], provides: [WORKERS],
      uses: { vpcId: vpc.handles.id, instanceGroupId: INSTANCE, internalAlbGroupId: ollama ? INTERNAL_ALB : undefined },
      run: async (ctx, use) => {
        const mod = await groups();
        const result = await mod.ensureWorkersSecurityGroup(ctx, use.vpcId, use.internalAlbGroupId);
        // Database or queue on the instance: its group admits the workers (5432, 6379) once theirs exists.
        await (await import('../resources/security-groups')).admitWorkersToInstance(ctx, use.instanceGroupId, result.id);
        // The internal load balancer's group admits the workers once both exist (each names the other).
        if (use.internalAlbGroupId) await mod.admitWorkersToInternalAlb(ctx, use.internalAlbGroupId, use.instanceGroupId, result.id);
        return { ...result, provided: [provide(WORKERS, result.id)] };
      },
    }),
    ...(scale.database === 'rds'
      ? [step({
          id: SCALE_KEYS.databaseGroup, title: 'Database security group', keys: [SCALE_KEYS.databaseGroup], provides: [DATABASE],
          uses: { vpcId: vpc.handles.id, instanceGroupId: INSTANCE, workersGroupId: WORKERS },
          run: async (ctx, use) => {
            const result = await (await groups()).ensureDatabaseSecurityGroup(ctx, use.vpcId, use.instanceGroupId, use.workersGroupId);
            return { ...result, provided: [provide(DATABASE, result.id)] };
          },
        })]
      : []),
    ...(scale.queue === 'elasticache'
      ? [step({
          id: SCALE_KEYS.queueGroup, title: 'Queue security group', keys: [SCALE_KEYS.queueGroup], provides: [QUEUE],
          uses: { vpcId: vpc.handles.id, instanceGroupId: INSTANCE, workersGroupId: WORKERS },
          run: async (ctx, use) => {
            const result = await (await groups()).ensureQueueSecurityGroup(ctx, use.vpcId, use.instanceGroupId, use.workersGroupId);
            return { ...result, provided: [provide(QUEUE, result.id)] };
          },
        })]
      : []),
  ];
}
