import { DescribeInstanceRefreshesCommand, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { awsErrorCode } from '../aws/classify';
import type { StepContext } from '../context';

const ACTIVE = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

/**
 * A pool whose launch template has a new version (an upgrade, a changed setting) replaces its workers with a rolling
 * instance refresh: workers hold no data, so half the pool keeps running the queue while the other half is
 * replaced, and the refresh goes on in AWS after the deploy returns (the pool's health shows it). Returns words.
 */
export async function refreshWorkers(ctx: StepContext, group: string): Promise<string> {
  const active = (await ctx.clients.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: group }))).InstanceRefreshes
    ?.find((refresh) => ACTIVE.has(refresh.Status ?? ''));
  if (active) return `a refresh of its workers (${active.InstanceRefreshId}) is already under way`;
  try {
    const out = await ctx.clients.autoscaling.send(new StartInstanceRefreshCommand({
      AutoScalingGroupName: group, Strategy: 'Rolling',
      // Workers on the group's new template version are kept; only the others are replaced.
      Preferences: { MinHealthyPercentage: 50, InstanceWarmup: 240, SkipMatching: true },
    }));
    return `its workers are being replaced on the new version by a rolling refresh (${out.InstanceRefreshId ?? 'started'}; half the pool stays in service)`;
  } catch (error) {
    // A repeat of a start whose answer was lost: the refresh it started is running.
    if (awsErrorCode(error) === 'InstanceRefreshInProgress') return 'a refresh of its workers is already under way';
    throw error;
  }
}
