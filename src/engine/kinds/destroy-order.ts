import { KINDS } from './index';
import type { DestroyStepName, ResourceKindDef, Teardown } from './types';

/** One destroy step: the kinds it deletes and the steps that must finish first. */
export interface DestroyStepPlan extends DestroyStepName {
  /** In kind order (the step's detail lists their ids so); deleted in reverse, dependents first. */
  kinds: readonly (ResourceKindDef & { teardown: Teardown })[];
  after: string[];
}

function ownTeardown(kind: ResourceKindDef): ResourceKindDef & { teardown: Teardown } {
  if (kind.teardown) return kind as ResourceKindDef & { teardown: Teardown };
  if (!kind.deletedWith) throw new Error(`Kind ${kind.kind} has neither a teardown nor a kind it is deleted with.`);
  return ownTeardown(kind.deletedWith);
}

/**
 * The destroy graph: deploy's edges reversed (a kind goes only once every kind that depends on it is gone), over
 * the destroy steps the kinds name, plus the named exceptions the kinds declare (teardown.independentOf,
 * teardown.after). Steps are listed in reverse kind order, which starts dependents first.
 */
export function destroyOrder(kinds: readonly ResourceKindDef[] = KINDS): DestroyStepPlan[] {
  const steps = new Map<string, DestroyStepPlan>();
  for (const kind of [...kinds].reverse()) {
    if (!kind.teardown) continue;
    const plan = steps.get(kind.teardown.step.id) ?? { ...kind.teardown.step, kinds: [], after: [] };
    plan.kinds = [kind as ResourceKindDef & { teardown: Teardown }, ...plan.kinds];
    steps.set(plan.id, plan);
  }
  const stepOf = (kind: ResourceKindDef): string => ownTeardown(kind).teardown.step.id;
  const follow = (stepId: string, first: string): void => {
    const plan = steps.get(stepId);
    if (plan && stepId !== first && !plan.after.includes(first)) plan.after.push(first);
  };
  for (const dependent of kinds) {
    const independent = new Set(dependent.teardown?.independentOf ?? []);
    for (const needed of dependent.dependsOn) {
      if (!independent.has(needed)) follow(stepOf(needed), stepOf(dependent));
    }
    for (const earlier of dependent.teardown?.after ?? []) follow(stepOf(dependent), stepOf(earlier));
  }
  const order = [...steps.keys()];
  for (const plan of steps.values()) plan.after.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return [...steps.values()];
}
