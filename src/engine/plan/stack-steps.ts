import type { DeployContext, StepContext } from '../context';
import type { GraphStep, StepResult } from '../graph/run-graph';
import { buildScope, kindsOf } from '../kinds';
import type { Handle, ResourceKindDef, StackStep, Use } from '../kinds/types';

/** A step of a stack: what it creates (journal keys), which steps it follows, and how. */
export interface StepSpec {
  id: string;
  title: string;
  deps: string[];
  keys: string[];
  run(ctx: DeployContext, waiting: (what: string) => void): Promise<StepResult>;
}

/** A step with the kind it belongs to, as the graph builder checks it. */
export interface KindStep {
  kind: ResourceKindDef;
  step: StackStep;
}

/** The graph is refused when it is built: a kind's step reads what its kind does not depend on, or what no step provides. */
export class GraphBuildError extends Error {
  override readonly name = 'GraphBuildError';
}

function handlesOf(use: Use): readonly Handle<unknown>[] {
  if (use === undefined) return [];
  return Array.isArray(use) ? use : [use as Handle<unknown>];
}

/**
 * The deploy graph's edges: each step follows the steps that provide what it uses (or must come after). Checked
 * here, for every tier, before anything runs: every used handle is provided by exactly one step of this graph,
 * belongs to the step's own kind or one it depends on, and the steps form no cycle.
 */
export function stepDependencies(steps: readonly KindStep[]): Map<string, string[]> {
  const providers = new Map<Handle<unknown>, string>();
  const ids = new Set<string>();
  for (const { step } of steps) {
    if (ids.has(step.id)) throw new GraphBuildError(`Two steps are named ${step.id}.`);
    ids.add(step.id);
    for (const provided of step.provides) {
      const other = providers.get(provided);
      if (other) throw new GraphBuildError(`${provided.name} is provided by both ${other} and ${step.id}.`);
      providers.set(provided, step.id);
    }
  }
  const deps = new Map<string, string[]>();
  for (const { kind, step } of steps) {
    const allowed = new Set([kind.kind, ...kind.dependsOn.map((k) => k.kind)]);
    const used = Object.values(step.uses).flatMap(handlesOf);
    for (const one of used) {
      if (!allowed.has(one.kind)) {
        throw new GraphBuildError(`Step ${step.id} (kind ${kind.kind}) uses ${one.name}, of kind ${one.kind}, which ${kind.kind} does not depend on.`);
      }
    }
    const from = [...used, ...step.after].map((one) => {
      const provider = providers.get(one);
      if (!provider) throw new GraphBuildError(`Step ${step.id} needs ${one.name}, which no step of this stack provides.`);
      return provider;
    });
    deps.set(step.id, [...new Set(from)].filter((id) => id !== step.id));
  }
  assertAcyclic(deps);
  return deps;
}

function assertAcyclic(deps: ReadonlyMap<string, readonly string[]>): void {
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (id: string, path: readonly string[]): void => {
    if (done.has(id)) return;
    if (visiting.has(id)) throw new GraphBuildError(`The steps depend on each other in a cycle: ${[...path, id].join(' → ')}.`);
    visiting.add(id);
    for (const dep of deps.get(id) ?? []) visit(dep, [...path, id]);
    visiting.delete(id);
    done.add(id);
  };
  for (const id of deps.keys()) visit(id, []);
}

/** The stack's kinds' steps, in kind order (the plan lists them so). */
export function kindSteps(config: DeployContext['config']): KindStep[] {
  const scope = buildScope(config);
  return kindsOf(scope).flatMap((kind) => (kind.steps?.(scope) ?? []).map((step) => ({ kind, step })));
}

function stepContext(ctx: DeployContext, waiting: (what: string) => void): StepContext {
  const { clients, config, stack, stackId, origin, facts, journal, timing, runner, startedAt } = ctx;
  return { clients, config, stack, stackId, origin, facts, journal, timing, runner, startedAt, report: { signal: ctx.signal, waiting, note: ctx.note } };
}

/**
 * One deploy's steps, from the tier's kinds (tierParts) and their steps. Values flow between them through handles,
 * held for this deploy only: every deploy runs every step (ensuring reuses what exists), so each value is fresh.
 */
export function stackSteps(ctx: Pick<DeployContext, 'config'>): StepSpec[] {
  const steps = kindSteps(ctx.config);
  const deps = stepDependencies(steps);
  const values = new Map<Handle<unknown>, unknown>();
  return steps.map(({ step }) => ({
    id: step.id, title: step.title, deps: deps.get(step.id) ?? [], keys: [...step.keys],
    run: async (c, waiting) => {
      const { outcome, detail, provided = [] } = await step.run(stepContext(c, waiting), values);
      for (const one of provided) values.set(one.handle, one.value);
      const missing = step.provides.filter((one) => !values.has(one));
      if (missing.length > 0) throw new Error(`Step ${step.id} finished without providing ${missing.map((one) => one.name).join(', ')}.`);
      return { outcome, detail };
    },
  }));
}

export function toGraph(specs: readonly StepSpec[], ctx: DeployContext): GraphStep[] {
  return specs.map((spec) => ({ id: spec.id, title: spec.title, deps: spec.deps, run: (waiting) => spec.run(ctx, waiting) }));
}
