import { DescribeAutoScalingGroupsCommand, DetachLoadBalancerTargetGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DeleteListenerCommand, DeleteRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '../aws/clients';
import { isNotFound } from '../aws/classify';
import type { PlanFacts } from '../context';
import { buildScope, DATA_KINDS, kindsOf } from '../kinds';
import { destroyOrder } from '../kinds/destroy-order';
import { groupName } from '../resources/group-view';
import type { TeardownContext } from '../resources/teardown';
import type { StackConfig } from '../stack/config';
import type { Journal } from '../state/journal';
import type { StackState } from '../state/schema';
import { refuseLeavingRds } from './refusals';

/** A resource the applied config has and the wanted one does not. */
export interface Removal {
  key: string;
  kind: string;
  id: string;
}

function keysOf(config: StackConfig, facts: Pick<PlanFacts, 'existingSubnets'>): Set<string> {
  const scope = buildScope(config);
  return new Set(kindsOf(scope).flatMap((kind) => kind.journalKeys?.(scope, facts) ?? []));
}

/**
 * What the change takes away: journaled resources (ours, never the user's network) whose key the applied config
 * has and the wanted one lacks. Data (the file system, the secrets) is never removed by a change. The RDS database
 * is not a data kind (destroy deletes it, with a final snapshot) but holds n8n's data: a change that would remove
 * it is refused here, whichever path planned it (refuseLeavingRds).
 */
export function plannedRemovals(state: StackState, wanted: StackConfig, facts: Pick<PlanFacts, 'existingSubnets'>): Removal[] {
  refuseLeavingRds(state, wanted);
  const before = keysOf(state.config, facts);
  const after = keysOf(wanted, facts);
  return Object.values(state.resources)
    .filter((r) => r.status === 'created' && r.id && !r.external && before.has(r.key) && !after.has(r.key) && !DATA_KINDS.includes(r.kind))
    .map((r) => ({ key: r.key, kind: r.kind, id: r.id! }));
}

/** "Already gone" is done. */
async function gone(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!isNotFound(error) && !/NotFound|not found|does not exist/i.test(String((error as Error).message))) throw error;
  }
}

/** The group must let go of a target group before it can be deleted (real AWS answers ResourceInUse). */
async function detachFromGroup(clients: AwsClients, stack: string, targetGroupArns: readonly string[]): Promise<void> {
  const name = groupName(stack);
  const group = (await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];
  const attached = (group?.TargetGroupARNs ?? []).filter((arn) => targetGroupArns.includes(arn));
  if (attached.length > 0) await clients.autoscaling.send(new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: attached }));
}

/** The destroy steps one after another, each after the steps it must follow. */
function inOrder<S extends { id: string; after: readonly string[] }>(steps: readonly S[]): S[] {
  const done = new Set<string>();
  const order: S[] = [];
  while (order.length < steps.length) {
    const next = steps.find((step) => !done.has(step.id) && step.after.every((id) => done.has(id) || !steps.some((s) => s.id === id)));
    if (!next) throw new Error('The destroy steps depend on each other in a cycle');
    order.push(next);
    done.add(next.id);
  }
  return order;
}

export interface RemovalContext extends TeardownContext {
  stack: string;
  journal: Journal;
}

/**
 * Deletes what the change takes away, in destroy order (dependents first), after the new form works. A listener
 * or rule goes with its load balancer when that goes too, else on its own. Each is journaled deleted when gone.
 */
export async function applyRemovals(ctx: RemovalContext, removals: readonly Removal[]): Promise<string[]> {
  const done: string[] = [];
  const pending = new Map(removals.map((r) => [r.key, r]));
  const loadBalancerGoes = removals.some((r) => r.kind === 'load-balancer');
  const targetGroups = removals.filter((r) => r.kind === 'target-group').map((r) => r.id);
  if (targetGroups.length > 0) await detachFromGroup(ctx.clients, ctx.stack, targetGroups);
  for (const child of removals.filter((r) => r.kind === 'listener-rule' || r.kind === 'listener')) {
    if (loadBalancerGoes) continue;
    await gone(() => (child.kind === 'listener'
      ? ctx.clients.elbv2.send(new DeleteListenerCommand({ ListenerArn: child.id }))
      : ctx.clients.elbv2.send(new DeleteRuleCommand({ RuleArn: child.id }))));
    await ctx.journal.deleted(child.key);
    done.push(`${child.kind} ${child.id} deleted`);
    pending.delete(child.key);
  }
  for (const step of inOrder(destroyOrder())) {
    // Within a step, dependents first (as destroy does).
    for (const kind of [...step.kinds].reverse()) {
      const mine = [...pending.values()].filter((r) => r.kind === kind.kind);
      if (mine.length === 0) continue;
      ctx.waiting(`${step.title}: deleting ${mine.map((r) => r.id).join(', ')}`);
      await kind.teardown.delete({ ...ctx, fileSystemIds: [] }, mine.map((r) => r.id));
      for (const r of mine) {
        await ctx.journal.deleted(r.key);
        pending.delete(r.key);
        done.push(`${r.kind} ${r.id} deleted`);
      }
    }
  }
  // Children of a deleted load balancer went with it.
  for (const r of pending.values()) {
    await ctx.journal.deleted(r.key);
    done.push(`${r.kind} ${r.id} deleted with its load balancer`);
  }
  return done;
}
