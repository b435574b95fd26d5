import { AttachLoadBalancerTargetGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { StepContext } from '../context';
import { describeGroup, groupName } from '../resources/group-view';
import type { GroupInputs } from '../resources/auto-scaling';
import type { StepResult } from '../graph/run-graph';
import { checkInstance } from './instance-check';
import { updateInPlace } from './in-place';

export interface InstanceUpdateResult extends StepResult {
  /** The instance in service afterwards (a replacement's id when it was replaced). */
  instanceId: string;
}

/** A load-balanced tier added to a running stack: the group registers its instances with the new target group. */
async function attachTargetGroup(ctx: StepContext, targetGroupArn: string | undefined): Promise<boolean> {
  if (!targetGroupArn) return false;
  const group = await describeGroup(ctx.clients, groupName(ctx.stack));
  if (!group || group.targetGroupArns.includes(targetGroupArn)) return false;
  await ctx.clients.autoscaling.send(new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: group.name, TargetGroupARNs: [targetGroupArn] }));
  return true;
}

/**
 * Brings the running instance to this deploy's launch template version, reading EC2 for what it runs: replaced
 * through an instance refresh when only a new instance can take the change (type, AMI, root volume, market,
 * IMDS), else given the new bootstrap in place over SSM when its services or settings differ, else left alone.
 */
export async function bringInstanceUpToDate(ctx: StepContext, inputs: GroupInputs, instanceId: string): Promise<InstanceUpdateResult> {
  const attached = await attachTargetGroup(ctx, inputs.targetGroupArn);
  const bootstrap = inputs.template.bootstrap;
  // Journaled first by this deploy's group step (our own clock on both sides): launched from this deploy's template.
  const createdAt = ctx.journal.record('instance')?.attrs.createdAt;
  const launchedByThisDeploy = ctx.startedAt !== undefined && createdAt !== undefined && createdAt >= ctx.startedAt;
  const check = await checkInstance(ctx.clients, ctx.config, ctx.journal.state, ctx.facts, { script: bootstrap?.script, launchedByThisDeploy });
  const differences = check?.differences ?? [];
  const replace = differences.filter((d) => d.how === 'replace');
  if (replace.length > 0) {
    const reason = replace.map((d) => d.text).join('; ');
    const { refreshGroupInstance } = await import('../resources/instance-refresh');
    const types = ctx.facts.instanceTypes?.length ? [...ctx.facts.instanceTypes] : [ctx.config.instanceType];
    // Types and market are what the matching compares; the rest EC2 showed (IMDS, AMI, root volume) forces it.
    const forced = replace.some((d) => !['instanceType', 'market'].includes(d.field));
    const refreshed = await refreshGroupInstance(ctx, {
      template: inputs.template, instanceTypes: types, reason, market: ctx.config.market === 'spot' && ctx.config.onDemandFallback ? undefined : ctx.config.market,
      ...(forced || replace.some((d) => d.field === 'market') ? { replace: [instanceId] } : {}),
    });
    // Journals the new instance (its compute run, the replacement) as every deploy does for the group's instance.
    const { ensureGroupInstance } = await import('../resources/auto-scaling');
    const current = await ensureGroupInstance(ctx, inputs);
    await ctx.journal.update((state) => {
      state.replacements = state.replacements.map((r) => (r.newInstanceId === current.id && r.oldInstanceId === instanceId ? { ...r, reason: `replaced by a GeuseMaker update: ${reason}` } : r));
    });
    const how = refreshed.refreshId ? `instance refresh ${refreshed.refreshId}` : `no refresh was needed: the group already ran ${current.id}`;
    return { outcome: 'done', detail: current.id === instanceId ? `${instanceId} kept (${how})` : `replaced ${instanceId} with ${current.id} (${reason}; ${how})`, instanceId: current.id };
  }
  if (differences.some((d) => d.how === 'in-place')) {
    if (!bootstrap || !ctx.runner) throw new Error('The in-place update needs the launch template bootstrap and an SSM runner');
    await updateInPlace(ctx, ctx.runner, instanceId, bootstrap.script, bootstrap.payloadBase64);
    return { outcome: 'done', detail: `updated ${instanceId} in place over SSM (launch template version ${inputs.template.version})`, instanceId };
  }
  return { outcome: attached ? 'done' : 'reused', detail: attached ? `${instanceId}: the group now registers it with the load balancer` : `${instanceId} already runs this configuration`, instanceId };
}
