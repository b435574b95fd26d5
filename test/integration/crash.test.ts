import assert from 'node:assert/strict';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { devConfig, inspector, sweep, tempDir, testEngine } from '../harness/engine';
import { preGroupStack } from '../harness/pre-group';
import { assertExactlyOneStack } from '../harness/one-stack';
import { killDeployAfter } from '../harness/kill-child';

const assertOneCompleteStack = (): Promise<void> => assertExactlyOneStack(devConfig());

const KILL_POINTS = ['ec2:CreateVpc', 'efs:CreateFileSystem', 'ssm:PutParameter', 'ec2:CreateSecurityGroup', 'efs:CreateMountTarget', 'ec2:CreateLaunchTemplate', 'autoscaling:CreateAutoScalingGroup'];

describe('a CLI deploy killed with SIGKILL part-way', function () {
  this.timeout(120_000);

  for (const operation of KILL_POINTS) {
    it(`killed right after ${operation}: re-running deploy finishes the stack without duplicates`, async () => {
      const stateDir = tempDir('gm-kill-');
      await killDeployAfter(stateDir, operation);
      // The dead process's lock is stale: the next deploy takes it over.
      const engine = testEngine({ stateDir });
      const result = await engine.deploy(devConfig());
      engine.dispose();
      assert.equal(result.state.status, 'deployed');
      await assertOneCompleteStack();
    });

    it(`killed right after ${operation}: destroy removes everything`, async () => {
      const stateDir = tempDir('gm-kill-');
      await killDeployAfter(stateDir, operation);
      const engine = testEngine({ stateDir });
      await engine.destroy('demo', { deleteData: true, finalBackup: false });
      engine.dispose();
      assert.deepEqual(await sweep(), []);
    });
  }
});

describe('a CLI deploy killed with SIGKILL part-way through moving a stack from before groups onto its group', function () {
  this.timeout(180_000);

  for (const operation of ['autoscaling:CreateAutoScalingGroup', 'ec2:TerminateInstances']) {
    it(`killed right after ${operation}: re-running deploy finishes the move, with one instance (the group's) and the old one terminated`, async () => {
      const stateDir = tempDir('gm-kill-migrate-');
      const engine = testEngine({ stateDir });
      const { oldId } = await preGroupStack(engine);
      engine.dispose();
      await killDeployAfter(stateDir, operation);
      const again = testEngine({ stateDir });
      const result = await again.deploy(devConfig());
      again.dispose();
      assert.equal(result.state.status, 'deployed');
      assert.notEqual(result.state.resources.instance?.id, oldId);
      assert.equal(result.state.compute.filter((run) => !run.endedAt).length, 1, 'one open run');
      await assertOneCompleteStack();
      const aws = inspector();
      try {
        const old = (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [oldId] }))).Reservations?.[0]?.Instances?.[0];
        assert.equal(old?.State?.Name, 'terminated');
      } finally {
        aws.destroy();
      }
    });
  }
});

