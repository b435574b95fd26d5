import { defineKind, step } from './types';
import { efs } from './efs';
import { securityGroup } from './security-group';
import { subnet } from './subnet';

/**
 * One per AZ the stack uses. They carry no tags: found through their file system (never by the tag sweep), and
 * deleted with the stack's subnets even when the file system is kept. The instance does not wait for them: its
 * UserData retries the mount.
 */
export const mountTarget = defineKind({
  kind: 'mount-target',
  part: 'efs',
  dependsOn: [efs, subnet, securityGroup],
  journalKeys: (scope, facts) => (scope.newNetwork
    ? ['mount-target-a', 'mount-target-b']
    : [...new Set((facts?.existingSubnets ?? []).map((s) => s.zone))].map((zone) => `mount-target-${zone}`)),
  steps: (scope) => {
    const common = { fileSystemId: efs.handles.id, groupId: securityGroup.handles.fileSystem };
    const ensure = async () => (await import('../resources/efs')).ensureMountTarget;
    if (scope.newNetwork) {
      return (['a', 'b'] as const).map((suffix) => step({
        id: `mount-target-${suffix}`, title: `EFS mount target (${suffix === 'a' ? 'first' : 'second'} AZ)`, keys: [`mount-target-${suffix}`],
        uses: { ...common, subnet: suffix === 'a' ? subnet.handles.a : subnet.handles.b },
        run: async (ctx, use) => (await ensure())(ctx, `mount-target-${suffix}`, use),
      }));
    }
    return [step({
      id: 'mount-targets', title: 'EFS mount targets', uses: { ...common, subnets: subnet.handles.existing },
      run: async (ctx, use) => {
        const zones = new Set<string>();
        const details: string[] = [];
        for (const one of use.subnets) {
          if (zones.has(one.zone)) continue;
          zones.add(one.zone);
          details.push((await (await ensure())(ctx, `mount-target-${one.zone}`, { ...use, subnet: one })).detail ?? '');
        }
        return { outcome: 'done', detail: details.join(', ') };
      },
    })];
  },
  teardown: {
    step: { id: 'mount-targets', title: 'EFS mount targets' },
    // By file system (kept ones too), not by id: what the sweep saw may be only part of them.
    delete: async (ctx) => (await import('../resources/teardown')).deleteMountTargets(ctx, ctx.fileSystemIds),
  },
  keptWithData: false,
  adoptable: false,
});
