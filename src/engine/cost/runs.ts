import type { AwsClients } from '../aws/clients';
import { LIVE_INSTANCE_STATES, sightInstances, type InstanceSighting } from '../live';
import type { Journal } from '../state/journal';
import type { ComputeInterval, StackState } from '../state/schema';

/** Runs still open in the record: the ones whose instance may have gone without us (a spot interruption). */
export function openRuns(state: Pick<StackState, 'compute'>): ComputeInterval[] {
  return state.compute.filter((run) => !run.endedAt);
}

/** The last time the stack's record saw the run's instance alive: its last sighting, a journal write about it, or its launch. */
export function lastSeenAlive(run: ComputeInterval, state: Pick<StackState, 'resources'>): string {
  const times = [run.startedAt, run.lastSeenAt];
  for (const record of Object.values(state.resources)) {
    if (record.kind === 'instance' && record.id === run.instanceId && record.status === 'created') times.push(record.updatedAt);
  }
  return times.filter((t): t is string => Boolean(t) && !Number.isNaN(Date.parse(t!))).sort().at(-1) ?? run.startedAt;
}

/**
 * Open runs brought in line with what EC2 says (`sightings`: the instances it knows): a live instance's run stays
 * open and is marked seen at `now`; a stopped or terminated one ends when EC2 says it stopped (else when last seen alive);
 * one EC2 no longer knows ends when it was last seen alive. Runs of `endingNow` (instances we just terminated)
 * end at `now` when EC2 gives no earlier stop time. Ended runs are never touched.
 */
export function reconcileRuns(state: Pick<StackState, 'compute' | 'resources'>, sightings: ReadonlyMap<string, InstanceSighting>, now: Date, endingNow: readonly string[] = []): ComputeInterval[] {
  return state.compute.map((run) => {
    if (run.endedAt) return run;
    const seen = sightings.get(run.instanceId);
    const ending = endingNow.includes(run.instanceId);
    const stoppedAt = seen?.stoppedAt && seen.stoppedAt >= run.startedAt ? seen.stoppedAt : undefined;
    if (ending) return { ...run, endedAt: stoppedAt ?? (seen ? now.toISOString() : lastSeenAlive(run, state)) };
    // A stopped instance bills no compute: its run ends when it stopped (a start later opens a new one).
    if (seen?.state === 'stopped') return { ...run, endedAt: stoppedAt ?? lastSeenAlive(run, state) };
    if (seen && LIVE_INSTANCE_STATES.includes(seen.state)) return { ...run, lastSeenAt: now.toISOString() };
    return { ...run, endedAt: stoppedAt ?? lastSeenAlive(run, state) };
  });
}

/**
 * After the compute is gone (our terminate, or before it an interruption): each open run among `ids` ends
 * when EC2 says its instance stopped; at `now` when EC2 cannot be asked. Other runs are left as they are.
 */
export async function endRunsAsEc2Says(journal: Journal, clients: AwsClients, ids: readonly string[]): Promise<void> {
  const open = openRuns(journal.state).filter((run) => ids.includes(run.instanceId));
  if (open.length === 0) return;
  const sightings = await sightInstances(clients, open.map((run) => run.instanceId)).catch(() => undefined);
  if (!sightings) {
    await journal.computeEnded(ids);
    return;
  }
  const now = new Date();
  await journal.update((state) => {
    const ending = reconcileRuns(state, sightings, now, ids);
    state.compute = state.compute.map((run, i) => (ids.includes(run.instanceId) ? ending[i]! : run));
  });
}
