import assert from 'node:assert/strict';
import { computeLive, unrecordedRuns } from '../../src/engine/compute-live';
import { newStackState } from '../../src/engine/deploy';
import type { InstanceSighting } from '../../src/engine/live';
import type { GroupView, ScalingActivity } from '../../src/engine/resources/group-view';
import { stackConfigSchema } from '../../src/engine/stack/config';
import type { StackState } from '../../src/engine/state/schema';

function stackWith(instanceId: string): StackState {
  const state = newStackState(stackConfigSchema.parse({ name: 'demo' }));
  state.status = 'deployed';
  state.resources = {
    'auto-scaling-group': { key: 'auto-scaling-group', kind: 'auto-scaling-group', status: 'created', id: 'gm-demo', attrs: { market: 'spot' }, external: false, updatedAt: '' },
    instance: { key: 'instance', kind: 'instance', status: 'created', id: instanceId, attrs: { zone: 'us-east-1a', group: 'gm-demo' }, external: false, updatedAt: '' },
  };
  state.compute = [{ instanceId, instanceType: 't3.xlarge', market: 'spot', zone: 'us-east-1a', startedAt: '2026-12-01T00:00:00.000Z' }];
  return state;
}

function group(instances: GroupView['instances'], desired = 1): GroupView {
  return { name: 'gm-demo', tags: [], desired, min: desired, max: 1, instances, targetGroupArns: [], subnetIds: [], capacityRebalance: true, instanceTypes: ['t3.xlarge', 't3a.xlarge'], market: 'spot', allocation: 'price-capacity-optimized', mixed: true };
}

// DescribeScalingActivities as AWS words it (recorded shapes; moto returns none).
const activity = (description: string, at: string, cause = ''): ScalingActivity => ({ description, cause, status: 'Successful', startedAt: at, endedAt: at });

describe('the group\'s compute in words, and the runs cost to date counts (recorded real-shaped activities)', () => {
  it('two replacements nobody saw: both unseen instances count, each from its launch to its end, at its own type and zone', () => {
    const state = stackWith('i-0aaaaaaaaaaaaaaa1');
    const activities = [
      activity('Launching a new EC2 instance: i-0ccccccccccccccc3', '2026-12-02T12:00:00.000Z'),
      activity('Terminating EC2 instance: i-0bbbbbbbbbbbbbbb2', '2026-12-02T11:58:00.000Z', 'At 2026-12-02T11:58:00Z an instance was taken out of service in response to a spot instance interruption notice.'),
      activity('Launching a new EC2 instance: i-0bbbbbbbbbbbbbbb2', '2026-12-01T06:00:00.000Z'),
      activity('Terminating EC2 instance: i-0aaaaaaaaaaaaaaa1', '2026-12-01T05:58:00.000Z'),
    ];
    const sightings = new Map<string, InstanceSighting>([
      ['i-0ccccccccccccccc3', { id: 'i-0ccccccccccccccc3', state: 'running', instanceType: 't3a.xlarge', market: 'spot', zone: 'us-east-1b', launchedAt: '2026-12-02T12:00:30.000Z' }],
    ]);
    const runs = unrecordedRuns(state, group([{ id: 'i-0ccccccccccccccc3', lifecycle: 'InService', healthy: true, zone: 'us-east-1b' }]), sightings, activities);
    assert.deepEqual(runs.map((r) => [r.instanceId, r.instanceType, r.zone, r.startedAt, r.endedAt]), [
      ['i-0ccccccccccccccc3', 't3a.xlarge', 'us-east-1b', '2026-12-02T12:00:30.000Z', undefined],
      // EC2 forgot it: its type is unknown (priced as unknown, never guessed); its time is the group's.
      ['i-0bbbbbbbbbbbbbbb2', 'unknown', '', '2026-12-01T06:00:00.000Z', '2026-12-02T11:58:00.000Z'],
    ]);
  });

  it('says healthy, replacing (which, when, where, why, what is pending), waiting for capacity, paused, or missing', () => {
    const state = stackWith('i-0aaaaaaaaaaaaaaa1');
    const none = new Map<string, InstanceSighting>();
    assert.equal(computeLive(state, 'gm-demo', group([{ id: 'i-0aaaaaaaaaaaaaaa1', lifecycle: 'InService', healthy: true, zone: 'us-east-1a', instanceType: 't3.xlarge' }]), [], none).condition, 'healthy');
    const interrupted = activity('Terminating EC2 instance: i-0aaaaaaaaaaaaaaa1', '2026-12-07T14:02:00.000Z', 'an instance was taken out of service in response to a spot instance interruption notice.');
    const replacing = computeLive(state, 'gm-demo', group([{ id: 'i-0ddddddddddddddd4', lifecycle: 'Pending', healthy: true }]), [interrupted], none);
    assert.equal(replacing.condition, 'replacing');
    assert.equal(replacing.summary, 'replacing the instance i-0aaaaaaaaaaaaaaa1 interrupted at 14:02 UTC in us-east-1a (an instance was taken out of service in response to a spot instance interruption notice.); new one i-0ddddddddddddddd4 pending since an unknown time');
    const failed: ScalingActivity = { description: 'Launching a new EC2 instance.  Status Reason: Could not launch Spot Instances.', cause: '', status: 'Failed', message: 'Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.', startedAt: '2026-12-07T14:05:00.000Z' };
    assert.match(computeLive(state, 'gm-demo', group([]), [failed], none).summary, /^waiting for capacity since 14:05 UTC: Could not launch Spot Instances\. InsufficientInstanceCapacity/);
    assert.equal(computeLive(state, 'gm-demo', group([], 0), [], none).condition, 'paused');
    assert.equal(computeLive(state, 'gm-demo', undefined, [], none).condition, 'missing');
  });
});
