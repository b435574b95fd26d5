import type { ClientInstrument } from '../../src/engine/aws/clients';

/** One scaling activity as DescribeScalingActivities answers it (AWS's field names and wording). */
export interface RecordedActivity {
  ActivityId: string;
  AutoScalingGroupName: string;
  Description: string;
  Cause: string;
  StartTime: Date;
  EndTime?: Date;
  StatusCode: 'Successful' | 'Failed' | 'Cancelled' | 'InProgress';
  StatusMessage?: string;
  Progress: number;
}

/** The failed launch AWS records when a spot group finds no capacity in any of its pools (AWS's own wording). */
export function noSpotCapacityActivity(group: string, at = new Date()): RecordedActivity {
  return {
    ActivityId: '8a7b8c59-5e6f-4b0c-9a1e-0c0ffee00001', AutoScalingGroupName: group,
    Description: 'Launching a new EC2 instance.  Status Reason: Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.',
    Cause: `At ${at.toISOString().slice(0, 19)}Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 1.`,
    StartTime: at, EndTime: at, StatusCode: 'Failed', Progress: 100,
    StatusMessage: 'Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.',
  };
}

/** The termination AWS records when it takes a spot instance back (the interruption notice, two minutes before). */
export function spotInterruptionActivity(group: string, instanceId: string, at = new Date()): RecordedActivity {
  return {
    ActivityId: '8a7b8c59-5e6f-4b0c-9a1e-0c0ffee00002', AutoScalingGroupName: group,
    Description: `Terminating EC2 instance: ${instanceId}`,
    Cause: `At ${at.toISOString().slice(0, 19)}Z an instance was taken out of service in response to an EC2 instance rebalance recommendation or a spot instance interruption notice.`,
    StartTime: at, EndTime: at, StatusCode: 'Successful', Progress: 100,
  };
}

function isSpotGroup(group: { MixedInstancesPolicy?: { InstancesDistribution?: { OnDemandPercentageAboveBaseCapacity?: number } } }): boolean {
  return group.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity === 0;
}

/**
 * EC2 Auto Scaling as real AWS answers where moto is lenient: moto returns no scaling activities and launches a
 * spot group's instance whatever the capacity. `activities` are what DescribeScalingActivities answers; with
 * `noSpotCapacity`, a group on spot shows no instance (as AWS, whose launches fail) until it is on-demand.
 */
export class GroupRealism {
  activities: RecordedActivity[] = [];
  noSpotCapacity = false;

  readonly instrument: ClientInstrument = (client, service) => {
    if (service !== 'autoscaling') return;
    client.middlewareStack.add((next, context) => async (args) => {
      const result = await next(args);
      const command = (context as { commandName?: string }).commandName;
      const output = result.output as Record<string, unknown>;
      if (command === 'DescribeScalingActivitiesCommand') output.Activities = [...this.activities];
      if (command === 'DescribeAutoScalingGroupsCommand' && this.noSpotCapacity) {
        for (const group of (output.AutoScalingGroups ?? []) as Record<string, unknown>[]) {
          if (isSpotGroup(group)) group.Instances = [];
        }
      }
      return result;
    }, { step: 'initialize', name: 'geusemakerGroupRealism' });
  };
}

/** Several instruments on one client, in order. */
export function allOf(...instruments: (ClientInstrument | undefined)[]): ClientInstrument {
  return (client, service) => {
    for (const instrument of instruments) instrument?.(client, service);
  };
}
