import { DeleteAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DeleteLaunchTemplateCommand, RunInstancesCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import type { Engine } from '../../src/engine/engine';
import { stackTags } from '../../src/engine/stack/naming';
import { devConfig, inspector } from './engine';

/**
 * A dev stack as a deploy from before groups left it: no group or launch template, one instance launched on its
 * own (tagged as ours) and journaled without `attrs.group`, with an open compute run. Returns that instance's id.
 */
export async function preGroupStack(engine: Engine): Promise<{ oldId: string; fileSystemId: string }> {
  const aws = inspector();
  try {
    const first = await engine.deploy(devConfig());
    await aws.autoscaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'gm-demo', ForceDelete: true }));
    await aws.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: first.state.resources['launch-template']!.id }));
    const launched = (await aws.ec2.send(new RunInstancesCommand({
      ImageId: first.plan.facts.amiId, InstanceType: 't3.xlarge' as _InstanceType, MinCount: 1, MaxCount: 1,
      SubnetId: first.state.resources['subnet-a']!.id,
      TagSpecifications: [{ ResourceType: 'instance', Tags: stackTags({ stack: 'demo', stackId: first.state.stackId }, 'instance', 'gm-demo') }],
    }))).Instances![0]!;
    const oldId = launched.InstanceId!;
    const zone = launched.Placement?.AvailabilityZone ?? '';
    const state = structuredClone((await engine.show('demo'))!);
    delete state.resources['auto-scaling-group'];
    delete state.resources['launch-template'];
    state.resources.instance = { key: 'instance', kind: 'instance', status: 'created', id: oldId, attrs: { zone, market: 'spot' }, external: false, updatedAt: new Date().toISOString() };
    state.compute = [{ instanceId: oldId, instanceType: 't3.xlarge', market: 'spot', zone, startedAt: new Date().toISOString() }];
    await engine.store.write(state);
    return { oldId, fileSystemId: first.state.resources.efs!.id! };
  } finally {
    aws.destroy();
  }
}
