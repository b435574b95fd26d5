import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import type { AwsClients } from '../aws/clients';
import { describeGroup } from '../resources/group-view';
import type { StackState } from '../state/schema';
import type { WorkerPoolName } from '../stack/scale-config';
import { poolViewOf, type PoolSizes, type PoolView } from './pools';
import { scaleNames } from './names';

/** One pool's group read now (a missing or foreign group is said so in the view). */
export async function readPool(clients: AwsClients, state: StackState, pool: WorkerPoolName, signal?: AbortSignal): Promise<PoolView> {
  const group = await describeGroup(clients, scaleNames.workerGroup(state.name, pool), signal);
  return poolViewOf(pool, state.name, state.stackId, group);
}

/**
 * Sets the group's sizes. UpdateAutoScalingGroup sets absolute values, so the SDK repeating it after a lost answer
 * changes nothing twice; it changes only the fields it is given (the mixed-instances policy stays).
 */
export async function updatePoolSizes(clients: AwsClients, groupName: string, sizes: PoolSizes, signal?: AbortSignal): Promise<void> {
  await clients.autoscaling.send(new UpdateAutoScalingGroupCommand({
    AutoScalingGroupName: groupName, MinSize: sizes.min, MaxSize: sizes.max, DesiredCapacity: sizes.desired,
  }), { abortSignal: signal });
}
