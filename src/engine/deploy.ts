import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AwsClients } from './aws/clients';
import type { DeployContext, EngineTiming } from './context';
import type { ProgressListener } from './progress';
import type { StackConfig } from './stack/config';
import { Journal, type StateWriter } from './state/journal';
import { CURRENT_SCHEMA_VERSION, type StackState } from './state/schema';
import { stackSteps, toGraph, type StepSpec } from './plan/stack-steps';
import type { StepTiming } from './graph/run-graph';
import { runOperation } from './graph/operation';
import type { DeployPlan } from './plan/plan';
import { mountTargetsOf, sweepStack } from './resources/sweep';
import { ADOPTABLE_KINDS, buildScope } from './kinds';
import { mountTarget } from './kinds/mount-target';
import type { CommandRunner } from './ssm/run-command';
import { diffSummary, wasApplied } from './update/diff';
import { applyRemovals } from './update/removals';
import { recordVersion } from './update/history';
import { pinsOf, recordPins } from './plan/pins';
import { leftToDeploy, repairDrift } from './plan/drift';

export interface DeployResult {
  state: StackState;
  timings: StepTiming[];
  notes: string[];
}

export function newStackState(config: StackConfig, stackId: string = randomUUID()): StackState {
  const now = new Date().toISOString();
  return {
    schemaVersion: CURRENT_SCHEMA_VERSION, name: config.name, stackId, status: 'new', region: config.region, createdOn: hostname(),
    config, resources: {}, notes: [], compute: [], replacements: [], history: [], secretRotations: {}, retiredFileSystems: [], createdAt: now, updatedAt: now,
  };
}

/**
 * Journals adopted resources as intents, so each step finds and takes over its resource instead of creating one;
 * returns the ids of what was there, so progress can say "adopted" rather than "created".
 */
async function journalAdopted(clients: AwsClients, journal: Journal, plan: DeployPlan): Promise<Set<string>> {
  const adopted = new Set<string>();
  const swept = await sweepStack(clients, plan.config.name);
  for (const resource of swept) {
    const kind = ADOPTABLE_KINDS.get(resource.kind);
    if (kind && resource.key && !journal.record(resource.key)) {
      await journal.intent(resource.key, kind);
      adopted.add(resource.id);
    }
  }
  // Mount targets carry no tags: an adopted file system's are found by subnet or AZ (one per AZ), never made twice.
  const fileSystemId = swept.find((resource) => resource.kind === 'efs')?.id;
  if (fileSystemId) {
    const keys = mountTarget.journalKeys(buildScope(plan.config), plan.facts);
    const targets = await mountTargetsOf(clients, [fileSystemId]);
    for (const key of keys) if (!journal.record(key)) await journal.intent(key, 'mount-target');
    for (const target of targets) adopted.add(target.id);
  }
  return adopted;
}

/**
 * A step whose every resource was taken over (its journaled id is one that was there before) created nothing:
 * its outcome is "reused", and the detail says it was adopted.
 */
function sayingAdopted(specs: StepSpec[], journal: Journal, adopted: ReadonlySet<string>, adoptedStackId: string | undefined): StepSpec[] {
  if (adopted.size === 0) return specs;
  return specs.map((spec) => ({
    ...spec,
    run: async (c, waiting) => {
      const result = await spec.run(c, waiting);
      const taken = spec.keys.length > 0 && spec.keys.every((key) => adopted.has(journal.record(key)?.id ?? ''));
      if (!taken || result.outcome !== 'created') return result;
      return { outcome: 'reused', detail: `adopted from stack id ${adoptedStackId ?? '?'}${result.detail ? `: ${result.detail}` : ''}` };
    },
  }));
}

/** The same steps one after another (a topological order), for the benchmark's sequential comparison. */
function serialized(specs: readonly StepSpec[]): StepSpec[] {
  const done = new Set<string>();
  const order: StepSpec[] = [];
  while (order.length < specs.length) {
    const next = specs.find((spec) => !done.has(spec.id) && spec.deps.every((dep) => done.has(dep)));
    if (!next) throw new Error('Dependency cycle in the step graph');
    order.push({ ...next, deps: order.length > 0 ? [order[order.length - 1]!.id] : [] });
    done.add(next.id);
  }
  return order;
}

export interface ApplyOptions {
  clients: AwsClients;
  store: StateWriter;
  plan: DeployPlan;
  existing: StackState | undefined;
  timing: EngineTiming;
  signal?: AbortSignal;
  onProgress: ProgressListener;
  /** Run Command on the instance, for in-place updates. */
  runner?: CommandRunner;
  /**
   * record (default): the deploy records what it runs as the stack's pins when they differ (its first deploy, a
   * stack from before pins, a changed amiId). keep: an upgrade records them itself, only once health passed.
   */
  pins?: 'record' | 'keep';
}

/** Runs the stack's step graph (dev, automation or gpu); resumable: after any failure or crash, running it again finishes the stack. */
export async function applyDeploy(options: ApplyOptions): Promise<DeployResult> {
  const { plan, clients } = options;
  const config = plan.config;
  // An applied stack keeps its config until the change is applied in full; meanwhile the change is pending.
  const applied = wasApplied(options.existing) && !plan.adoptedStackId;
  const base = options.existing ?? newStackState(config, plan.adoptedStackId);
  const summary = plan.diff ? diffSummary(plan.diff) : [];
  const initial: StackState = {
    ...base,
    stackId: plan.adoptedStackId ?? base.stackId,
    config: applied ? base.config : config,
    pending: applied && !plan.diff?.unchanged ? { config, startedAt: new Date().toISOString(), summary } : base.pending,
    region: config.region,
    notes: [],
  };
  const journal = new Journal(options.store, initial);
  const context = { profile: config.profile, stack: config.name };
  const startedAt = new Date().toISOString();
  const { timings, notes } = await runOperation({
    journal, clients, context, signal: options.signal, onProgress: options.onProgress,
    statuses: { running: 'deploying', done: 'deployed', failed: 'deploy_failed' },
    steps: async ({ note }) => {
      const adopted = plan.adoptedStackId ? await journalAdopted(clients, journal, plan) : new Set<string>();
      const ctx: DeployContext = {
        clients, config, stack: config.name, stackId: journal.state.stackId, facts: plan.facts, journal,
        origin: { host: journal.state.createdOn ?? hostname(), createdAt: journal.state.createdAt, region: journal.state.region },
        timing: options.timing, signal: options.signal, note, runner: options.runner, startedAt,
      };
      const specs = sayingAdopted(stackSteps(ctx), journal, adopted, plan.adoptedStackId);
      let graph = toGraph(options.timing.serialSteps ? serialized(specs) : specs, ctx);
      const drifted = (plan.drift?.items ?? []).filter((item) => !leftToDeploy(item));
      if (drifted.length > 0) {
        // Only what the plan listed (and the user confirmed) is repaired; the rest of the graph follows it.
        const repair = {
          id: 'repair-drift', title: 'Undo changes made outside GeuseMaker (as listed in the plan)', deps: [],
          run: async () => {
            const done = await repairDrift({ clients, state: journal.state, signal: options.signal, timing: options.timing }, drifted);
            for (const sentence of done) await note(sentence);
            return { outcome: 'done' as const, detail: `${done.length} repaired` };
          },
        };
        graph = [repair, ...graph.map((step) => ({ ...step, deps: [...step.deps, repair.id] }))];
      }
      const removals = plan.diff?.removals ?? [];
      if (removals.length === 0) return graph;
      // What the change takes away goes only once everything else (the instance in its new form) works.
      const removeStep = {
        id: 'remove', title: `Remove what this configuration no longer has (${removals.map((r) => r.kind).join(', ')})`, deps: graph.map((step) => step.id),
        run: async (waiting: (what: string) => void) => {
          const done = await applyRemovals({ clients, timing: options.timing, signal: options.signal, waiting, stack: config.name, journal }, removals);
          return { outcome: 'deleted' as const, detail: done.join('; ') };
        },
      };
      return [...graph, removeStep];
    },
    settle: async () => {
      await journal.update((state) => {
        recordVersion(state, config, summary);
        if (options.pins !== 'keep') recordPins(state, pinsOf(plan.facts));
      });
      return {};
    },
  });
  return { state: journal.state, timings, notes };
}
