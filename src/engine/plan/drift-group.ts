import {
  AttachLoadBalancerTargetGroupsCommand, DetachLoadBalancerTargetGroupsCommand, UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { isNotFound } from '../aws/classify';
import { describeGroup, type GroupView } from '../resources/group-view';
import { LB_KEYS } from '../resources/public-url';
import type { StackState } from '../state/schema';
import { isLoadBalanced } from '../tiers';
import { sleep } from '../wait';
import { labelOf, type DriftItem, type DriftScope, type RepairContext } from './drift-types';

const KEY = 'auto-scaling-group';

export interface GroupSizes {
  min: number;
  max: number;
  desired: number;
}

/**
 * What the group should hold: 1/1/1 (resources/auto-scaling.ts groupSettings) on a stack that runs, 0/1/0 on a
 * paused one (scaleToZero sets min and desired to 0 and leaves max). Undefined while the stack is new or being
 * destroyed: nothing is promised then.
 */
export function expectedSizes(status: StackState['status']): GroupSizes | undefined {
  if (status === 'paused' || status === 'pausing') return { min: 0, max: 1, desired: 0 };
  if (status === 'deployed' || status === 'deploy_failed' || status === 'deploying') return { min: 1, max: 1, desired: 1 };
  return undefined;
}

const sizesText = (s: GroupSizes): string => `${s.min}/${s.max}/${s.desired}`;

function sameSizes(group: GroupView, wanted: GroupSizes): boolean {
  return group.min === wanted.min && group.max === wanted.max && group.desired === wanted.desired;
}

/** ".../targetgroup/gm-demo-tg/0123abcd" → "gm-demo-tg/0123abcd": a target group made anew keeps the name, not the suffix. */
function shortArn(arn: string): string {
  return /targetgroup\/([^/]+\/[^/]+)$/.exec(arn)?.[1] ?? arn;
}

/**
 * The group against the journal: its sizes (min/max/desired), the launch template and version the last deploy set,
 * and the target group it registers instances in. Not ours by its tags: said, never compared or touched.
 */
export async function checkGroup(scope: DriftScope): Promise<DriftItem[]> {
  const record = scope.live(KEY);
  if (!record) return [];
  const group = await describeGroup(scope.clients, record.id, scope.signal);
  // Gone between the probe and now: the next look says "missing".
  if (!group) return [];
  if (group.stackId !== scope.state.stackId) {
    scope.warn(`Auto Scaling group ${group.name} does not carry this stack's id (${group.stackId ? `it says ${group.stackId}` : 'it has none'}): not compared, not touched.`);
    return [];
  }
  const items: DriftItem[] = [];
  const where = `${group.name} (${labelOf(KEY)})`;
  const wanted = expectedSizes(scope.state.status);
  if (wanted && !sameSizes(group, wanted)) {
    const have = { min: group.min, max: group.max, desired: group.desired };
    items.push({
      key: KEY, kind: 'auto-scaling-group', id: group.name, what: 'setting-changed',
      text: `${where} has min/max/desired ${sizesText(have)} (changed outside GeuseMaker); the stack${scope.state.status === 'paused' ? ', paused,' : ''} runs ${sizesText(wanted)}`,
      repair: `deploy restores ${sizesText(wanted)}`,
      detail: { check: 'group-size', repairBy: 'drift', group: group.name, min: String(wanted.min), max: String(wanted.max), desired: String(wanted.desired) },
    });
  }
  const template = scope.state.resources['launch-template'];
  const version = record.attrs.launchTemplateVersion || template?.attrs.version;
  const live = group.launchTemplate;
  if (template?.status === 'created' && template.id && version && live && (live.id !== template.id || live.version !== version)) {
    items.push({
      key: KEY, kind: 'auto-scaling-group', id: group.name, what: 'setting-changed',
      text: `${where} launches from ${live.id === template.id ? '' : `launch template ${live.id ?? '?'} `}version ${live.version ?? '?'} (changed outside GeuseMaker); the stack's is ${live.id === template.id ? '' : `${template.id} `}version ${version}`,
      // The deploy's instance step updates the group to the template version it ensures, whatever the group has.
      repair: `deploy sets version ${version} again`,
      detail: { check: 'group-template', repairBy: 'deploy', group: group.name, launchTemplateId: template.id, version },
    });
  }
  const targetGroup = scope.live(LB_KEYS.targetGroup)?.id;
  if (isLoadBalanced(scope.state.config.tier) && targetGroup) {
    for (const other of group.targetGroupArns.filter((arn) => arn !== targetGroup)) {
      items.push({
        key: KEY, kind: 'auto-scaling-group', id: group.name, what: 'setting-changed',
        text: `target group ${shortArn(other)} was attached to ${where} outside GeuseMaker`,
        repair: 'deploy detaches it', detail: { check: 'group-target-group', repairBy: 'drift', group: group.name, targetGroupArn: other, change: 'detach' },
      });
    }
    if (!group.targetGroupArns.includes(targetGroup)) {
      items.push({
        key: KEY, kind: 'auto-scaling-group', id: group.name, what: 'setting-changed',
        text: `target group ${shortArn(targetGroup)} was detached from ${where} outside GeuseMaker: new instances would not be registered behind the load balancer`,
        repair: 'deploy attaches it again', detail: { check: 'group-target-group', repairBy: 'drift', group: group.name, targetGroupArn: targetGroup, change: 'attach' },
      });
    }
  }
  return items;
}

async function readBack(ctx: RepairContext, name: string, settled: (group: GroupView | undefined) => boolean): Promise<GroupView | undefined> {
  let group = await describeGroup(ctx.clients, name, ctx.signal);
  for (let attempt = 1; attempt < 5 && !settled(group); attempt++) {
    await sleep(ctx.timing?.pollIntervalMs ?? 1_000, ctx.signal);
    group = await describeGroup(ctx.clients, name, ctx.signal);
  }
  return group;
}

/** Sizes back with UpdateAutoScalingGroup (only those three), or the target group attached / detached again. */
export async function repairGroup(ctx: RepairContext, item: DriftItem): Promise<string> {
  const detail = item.detail ?? {};
  const name = detail.group ?? item.id;
  if (detail.check === 'group-size') {
    const wanted = { min: Number(detail.min), max: Number(detail.max), desired: Number(detail.desired) };
    await ctx.clients.autoscaling.send(new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName: name, MinSize: wanted.min, MaxSize: wanted.max, DesiredCapacity: wanted.desired,
    }), { abortSignal: ctx.signal });
    const group = await readBack(ctx, name, (g) => g !== undefined && sameSizes(g, wanted));
    const now = group ? sizesText({ min: group.min, max: group.max, desired: group.desired }) : 'nothing (the group is gone)';
    return group && sameSizes(group, wanted) ? `Auto Scaling group ${name} is back to min/max/desired ${sizesText(wanted)}; read back: ${now}.`
      : `Set Auto Scaling group ${name} to ${sizesText(wanted)}, but AWS reads back ${now}; deploy again to retry.`;
  }
  const arn = detail.targetGroupArn ?? '';
  const attach = detail.change === 'attach';
  try {
    await ctx.clients.autoscaling.send(attach
      ? new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: [arn] })
      : new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: [arn] }), { abortSignal: ctx.signal });
  } catch (error) {
    // Detaching a target group deleted meanwhile may answer "not found" after all: the read back says.
    if (attach || !isNotFound(error)) throw error;
  }
  const group = await readBack(ctx, name, (g) => (g?.targetGroupArns.includes(arn) ?? false) === attach);
  const has = group?.targetGroupArns.includes(arn) ?? false;
  return has === attach
    ? `Target group ${shortArn(arn)} ${attach ? 'attached to' : 'detached from'} Auto Scaling group ${name} again; read back: the group ${attach ? 'registers its instances there' : 'no longer lists it'}.`
    : `${attach ? 'Attached' : 'Detached'} target group ${shortArn(arn)} ${attach ? 'to' : 'from'} ${name}, but AWS reads back otherwise; deploy again to retry.`;
}
