import { classifyAwsError, type ClassifyContext } from '../aws/classify';
import { endRunsAsEc2Says } from '../cost/runs';
import type { AwsClients } from '../aws/clients';
import type { ProgressListener } from '../progress';
import type { Journal } from '../state/journal';
import type { StackStatus } from '../state/schema';
import { runGraph, type GraphStep, type StepTiming } from './run-graph';

/** The stack's status while the operation runs, after it succeeds, and after it fails (or is cancelled). */
export interface OperationStatuses {
  running: StackStatus;
  done: StackStatus;
  failed: StackStatus;
}

/** What the operation hands its steps: a sentence for the user, shown as progress and kept in the journal. */
export interface OperationScope {
  note(message: string): Promise<void>;
}

/** What a success leaves in the record, written before the final status. */
export interface Settlement {
  /** Instances now gone: their open compute runs end when EC2 says they stopped. */
  endedInstances?: readonly string[];
  /** Journal entries of resources confirmed gone. */
  forget?: readonly string[];
  /** Kept in the journal only (no progress event). */
  note?: string;
  /** The state file was removed: there is no status left to set. */
  stateRemoved?: boolean;
}

export interface OperationSpec<T> {
  /** Undefined when there is no state (a destroy of what only a tag sweep found): no statuses are written. */
  journal: Journal | undefined;
  clients: AwsClients;
  statuses: OperationStatuses;
  /** Profile and stack, so a failure's next step can name them. */
  context: ClassifyContext;
  signal?: AbortSignal;
  onProgress: ProgressListener;
  /** The graph, built once the status says the operation is running (deploy journals what it adopts first). */
  steps(scope: OperationScope): Promise<readonly GraphStep[]> | readonly GraphStep[];
  /** Runs after the graph and can still fail the operation (destroy's final sweep); its value is the outcome. */
  check?(): Promise<T>;
  /** What the success leaves in the record; a failure here is not the operation's failure. */
  settle?(outcome: T | undefined): Promise<Settlement> | Settlement;
}

export interface OperationResult<T> {
  outcome: T | undefined;
  timings: StepTiming[];
  /** The sentences the steps noted, in order. */
  notes: string[];
}

/**
 * The one skeleton of deploy, destroy, pause and resume: running status, the step graph (cancelled only through
 * the signal; what was created stays journaled), every failure classified with the stack's context and recorded
 * as the failed status, and on success the settlement and the final status.
 */
export async function runOperation<T = undefined>(spec: OperationSpec<T>): Promise<OperationResult<T>> {
  const { journal, statuses } = spec;
  await journal?.setStatus(statuses.running);
  const notes: string[] = [];
  const scope: OperationScope = {
    note: async (message) => {
      notes.push(message);
      spec.onProgress({ type: 'note', message });
      await journal?.note(message);
    },
  };
  let timings: StepTiming[];
  let outcome: T | undefined;
  try {
    timings = await runGraph(await spec.steps(scope), { signal: spec.signal, onProgress: spec.onProgress, context: spec.context });
    outcome = await spec.check?.();
  } catch (error) {
    const classified = classifyAwsError(error, spec.context);
    // The failure is what the user must hear; a state write failing on top of it must not hide it.
    await journal?.setStatus(statuses.failed, classified).catch(() => undefined);
    throw classified;
  }
  const settlement = (await spec.settle?.(outcome)) ?? {};
  if (journal && !settlement.stateRemoved) await record(journal, spec.clients, settlement, statuses.done);
  return { outcome, timings, notes };
}

async function record(journal: Journal, clients: AwsClients, settlement: Settlement, done: StackStatus): Promise<void> {
  if (settlement.endedInstances) await endRunsAsEc2Says(journal, clients, settlement.endedInstances);
  if (settlement.forget) await journal.forget(settlement.forget);
  if (settlement.note) await journal.note(settlement.note);
  await journal.setStatus(done);
}
