import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../src/engine/aws/clients';
import { newStackState } from '../../src/engine/deploy';
import { SCALE_KEYS, scaleNames } from '../../src/engine/scale/names';
import type { WorkerPoolName } from '../../src/engine/stack/scale-config';
import { stackTags } from '../../src/engine/stack/naming';
import type { StackState, StackStatus } from '../../src/engine/state/schema';
import type { StateStore } from '../../src/engine/state/store';
import { devConfig } from './engine';

/*
 * A scaled stack's worker pools without deploying it: the state a deploy of `scale` leaves, and each pool's Auto
 * Scaling group made in moto directly (named and tagged as the deploy names and tags them), so the pool commands
 * are tested on their own.
 */

/** The AMI moto serves for us-east-1 (the one the name-taken tests launch from). */
const AMI = 'ami-0d27e0fb3bac4d724';

/** A `demo` stack with scale on (n8n pool 1..4, and an Ollama pool 1..2 unless `ollama: false`), recorded as `status`. */
export async function scaledStack(store: StateStore, options: { ollama?: boolean; status?: StackStatus; name?: string } = {}): Promise<StackState> {
  const scale = { n8nWorkers: { min: 1, max: 4 }, ...(options.ollama === false ? {} : { ollamaWorkers: { min: 1, max: 2 } }) };
  const state = newStackState(devConfig({ name: options.name ?? 'demo', scale }));
  state.status = options.status ?? 'deployed';
  await store.write(state);
  return (await store.read(state.name))!;
}

/**
 * A pool's group in moto: `owner` is the stack id its tags carry (null: no GeuseMaker tags at all, as a group made
 * by hand), its launch template's type first among `types`. Returns the ids of the instances moto launched.
 */
export async function poolGroup(aws: AwsClients, options: {
  stack?: string; pool: WorkerPoolName; owner: string | null; min: number; max: number; desired: number; types?: string[];
}): Promise<string[]> {
  const stack = options.stack ?? 'demo';
  const types = options.types ?? ['c7i.large', 'c6i.large'];
  const name = scaleNames.workerGroup(stack, options.pool);
  const template = (await aws.ec2.send(new CreateLaunchTemplateCommand({
    LaunchTemplateName: scaleNames.workerTemplate(stack, options.pool), LaunchTemplateData: { ImageId: AMI, InstanceType: types[0] as _InstanceType },
  }))).LaunchTemplate!;
  const key = SCALE_KEYS.workerGroupKey(options.pool);
  await aws.autoscaling.send(new CreateAutoScalingGroupCommand({
    AutoScalingGroupName: name, MinSize: options.min, MaxSize: options.max, DesiredCapacity: options.desired, AvailabilityZones: ['us-east-1a'],
    MixedInstancesPolicy: {
      LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: template.LaunchTemplateId, Version: '$Latest' }, Overrides: types.map((type) => ({ InstanceType: type })) },
      InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: 100 },
    },
    Tags: options.owner === null ? [] : stackTags({ stack, stackId: options.owner }, key, name).map((tag) => ({ ...tag, PropagateAtLaunch: false })),
  }));
  return groupInstances(aws, name);
}

/** The ids of the group's instances, as Auto Scaling lists them now. */
export async function groupInstances(aws: AwsClients, name: string): Promise<string[]> {
  const group = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];
  return (group?.Instances ?? []).map((instance) => instance.InstanceId!);
}

/** min/max/desired as Auto Scaling has them now (read apart from the code under test). */
export async function groupSizes(aws: AwsClients, name: string): Promise<{ min?: number; max?: number; desired?: number }> {
  const group = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];
  return { min: group?.MinSize, max: group?.MaxSize, desired: group?.DesiredCapacity };
}
