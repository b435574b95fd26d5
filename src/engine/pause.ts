import type { AwsClients } from './aws/clients';
import type { EngineTiming } from './context';
import { refused } from './errors';
import type { ProgressListener } from './progress';
import { Journal, type StateWriter } from './state/journal';
import type { StackState } from './state/schema';
import { runOperation } from './graph/operation';
import type { GraphStep } from './graph/run-graph';
import { SCALE_KEYS } from './scale/names';
import { scaleToZero } from './resources/auto-scaling';
import { terminateInstances } from './resources/teardown';

export interface PauseOptions {
  clients: AwsClients;
  store: StateWriter;
  state: StackState;
  timing: EngineTiming;
  signal?: AbortSignal;
  onProgress: ProgressListener;
}

/** What a pause stops paying for, and what it keeps. */
export interface PauseResult {
  terminated: string[];
  kept: string[];
}

/**
 * Terminates the stack's compute and keeps everything else (network, file system, secrets), so the
 * hourly instance cost stops and a resume launches a new instance on the same data.
 */
export async function applyPause(options: PauseOptions): Promise<PauseResult> {
  const { state } = options;
  if (state.status !== 'deployed' && state.status !== 'deploy_failed' && state.status !== 'pausing') {
    throw refused('NOT_PAUSABLE', `Stack ${state.name} is ${state.status}; only a deployed stack can be paused.`,
      state.status === 'paused' ? `It is already paused: resume it with \`geusemaker resume ${state.name}\`.` : 'Deploy it first, or destroy it.');
  }
  const journal = new Journal(options.store, state);
  const instances = journal.records().filter((r) => r.kind === 'instance' && r.status !== 'deleted');
  const group = journal.record('auto-scaling-group');
  const groupName = group?.status === 'created' ? group.id : undefined;
  let ended: string[] = [];
  await runOperation({
    journal, clients: options.clients, signal: options.signal, onProgress: options.onProgress,
    context: { profile: options.clients.profile, stack: state.name },
    // A failed pause leaves a stack that still runs what it did not terminate.
    statuses: { running: 'pausing', done: 'paused', failed: 'deployed' },
    steps: () => [{
      id: 'instance', title: groupName ? 'Scale the Auto Scaling group to 0 (data stays on EFS)' : 'Terminate the instance (data stays on EFS)', deps: [],
      run: async (waiting) => {
        const teardown = { clients: options.clients, timing: options.timing, signal: options.signal, waiting };
        // The group at 0 keeps its launch template and settings: resume is desired 1 again.
        const fromGroup = groupName ? await scaleToZero(teardown, groupName) : [];
        // An instance from before groups (or one the group no longer counts) is terminated as it always was.
        const standalone = instances.flatMap((r) => (r.id && !fromGroup.includes(r.id) ? [r.id] : []));
        await terminateInstances(teardown, standalone);
        ended = [...fromGroup, ...standalone];
        return ended.length > 0 ? { outcome: 'deleted', detail: ended.join(', ') } : { outcome: 'gone' };
      },
    }, ...scalePauseSteps(journal, options, (ids) => ended.push(...ids))],
    // The record goes, so the next deploy (resume) waits for the group's new instance instead of this one.
    settle: () => ({
      endedInstances: ended,
      forget: instances.map((r) => r.key),
      note: `paused at ${new Date().toISOString()}: ${groupName ? `group ${groupName} at 0, ` : ''}instance ${ended.join(', ') || '(none)'} terminated, data kept`,
    }),
  });
  const kept = journal.records().filter((r) => r.status === 'created' && r.id).map((r) => `${r.kind} ${r.id}`);
  return { terminated: ended, kept };
}

/**
 * Scale: every worker pool to 0 and the RDS database stopped. ElastiCache cannot be stopped: it keeps running (and
 * costing) while paused, and the step says so. A resume (deploy) brings the pools back to their min and starts RDS.
 */
function scalePauseSteps(journal: Journal, options: PauseOptions, onEnded: (ids: string[]) => void): GraphStep[] {
  const pools = journal.records().filter((r) => r.kind === 'auto-scaling-group' && r.key.startsWith('worker-group-') && r.status === 'created' && r.id);
  const db = journal.record(SCALE_KEYS.database);
  const cache = journal.record(SCALE_KEYS.cache);
  const steps: GraphStep[] = [];
  if (pools.length > 0) {
    steps.push({
      id: 'worker-pools', title: 'Scale the worker pools to 0', deps: [],
      run: async (waiting) => {
        const teardown = { clients: options.clients, timing: options.timing, signal: options.signal, waiting };
        const ended: string[] = [];
        for (const pool of pools) ended.push(...await scaleToZero(teardown, pool.id!));
        onEnded(ended);
        return { outcome: 'done', detail: `${pools.map((p) => p.id).join(', ')} at 0${ended.length > 0 ? `; ${ended.join(', ')} terminated` : ''}` };
      },
    });
  }
  if (db?.status === 'created' && db.id) {
    steps.push({
      id: 'database', title: 'Stop the RDS database', deps: pools.length > 0 ? ['worker-pools'] : [],
      run: async () => {
        const result = await (await import('./resources/database')).stopDatabase(options.clients, db.id!);
        const cacheWords = cache?.status === 'created' ? `; the ElastiCache queue ${cache.id} cannot be stopped and keeps running (and costing) while paused` : '';
        return { outcome: result === 'missing' ? 'gone' : 'done', detail: `${db.id} ${result === 'stopped' ? 'stopping' : result === 'already' ? 'already stopped' : 'not found'} (AWS starts a stopped database again after 7 days; resume or pause again)${cacheWords}` };
      },
    });
  }
  return steps;
}
