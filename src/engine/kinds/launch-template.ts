import { cloudfrontDistribution } from './cloudfront-distribution';
import { database } from './database';
import { internalLoadBalancer } from './internal-load-balancer';
import { queueCache } from './queue-cache';
import { databaseSwitched, scaleWiring, wiringUses } from './scale-wiring';
import { efs } from './efs';
import { instanceProfile } from './instance-profile';
import { loadBalancer } from './load-balancer';
import { securityGroup } from './security-group';
import { ssmParameter } from './ssm-parameter';
import { defineKind, handle, provide, step } from './types';
import type { TemplateRef } from '../resources/launch-template';

const REF = handle<TemplateRef>('launch-template', 'the launch template');

/**
 * The stack's launch template (versioned): AMI, UserData, instance profile, IMDSv2, encrypted root, security group
 * and the tags every instance and volume gets. Its UserData names the public URL, so it follows the front.
 */
export const launchTemplate = defineKind({
  kind: 'launch-template',
  part: 'instance',
  dependsOn: [securityGroup, instanceProfile, efs, ssmParameter, loadBalancer, cloudfrontDistribution, database, queueCache, internalLoadBalancer],
  handles: { ref: REF },
  journalKeys: () => ['launch-template'],
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepLaunchTemplates(clients, stack),
  steps: (scope) => {
    const front = scope.has('cloudfront') ? cloudfrontDistribution.handles.id : scope.has('load-balancer') ? loadBalancer.handles.loadBalancer : undefined;
    return [step({
      id: 'launch-template', title: 'Launch template', keys: ['launch-template'], provides: [REF],
      // The secrets and the public URL (from the journal) must exist before UserData names them.
      // Scale: the instance runs n8n's main process against the shared database and queue.
      uses: { groupId: securityGroup.handles.instance, profileName: instanceProfile.handles.name, fileSystemId: efs.handles.id, secrets: ssmParameter.handles.names, front, ...wiringUses(scope) },
      run: async (ctx, use) => {
        const scale = ctx.config.scale ? scaleWiring(ctx.config.scale, use, databaseSwitched(ctx.journal.state, ctx.config)) : undefined;
        const { ref, outcome, detail } = await (await import('../resources/launch-template')).ensureLaunchTemplate(ctx, { ...use, ...(scale ? { scale } : {}) });
        return { outcome, detail, provided: [provide(REF, ref)] };
      },
    })];
  },
  teardown: {
    step: { id: 'launch-template', title: 'Launch template' },
    delete: async (ctx, ids) => (await import('../resources/launch-template')).deleteLaunchTemplates(ctx, ids),
    // Deleting it takes a second: CloudFront's minutes-long teardown need not wait for the group before it.
    independentOf: [cloudfrontDistribution],
  },
  keptWithData: false,
  adoptable: true,
});
