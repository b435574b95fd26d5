import assert from 'node:assert/strict';
import { DescribeAutoScalingGroupsCommand, DescribePoliciesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, type IpPermission } from '@aws-sdk/client-ec2';
import { DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { gunzipSync } from 'node:zlib';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { FaultInjector } from '../harness/faults';
import { automationConfig, countByKind, devConfig, inspector, sweep, testEngine } from '../harness/engine';

const SCALE = { n8nWorkers: { min: 1, max: 4 }, ollamaWorkers: { min: 1, max: 2, instanceTypes: ['g4dn.xlarge'] } };

/** Each inbound rule as "port from group-key", the group named by its journal key. */
function rulesOf(permissions: readonly IpPermission[] | undefined, keyOf: (id: string) => string): string[] {
  return (permissions ?? []).flatMap((p) => [
    ...(p.UserIdGroupPairs ?? []).map((pair) => `${p.FromPort} from ${keyOf(pair.GroupId ?? '')}`),
    ...(p.IpRanges ?? []).map((range) => `${p.FromPort} from ${range.CidrIp}`),
  ]).sort();
}

async function userDataOf(aws: ReturnType<typeof inspector>, templateId: string): Promise<string> {
  const version = (await aws.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['$Latest'] }))).LaunchTemplateVersions?.[0];
  return gunzipSync(Buffer.from(version?.LaunchTemplateData?.UserData ?? '', 'base64')).toString('utf8');
}

describe('scale: n8n queue mode with worker pools, RDS and ElastiCache (moto over HTTP)', function () {
  this.timeout(180_000);

  it('deploys automation + scale: encrypted RDS and ElastiCache in private subnets, worker groups with their templates and target tracking, rules only from the stack; destroy keeps a final snapshot and leaves nothing', async () => {
    const faults = new FaultInjector();
    const engine = testEngine({ instrument: faults.instrument });
    const aws = inspector();
    try {
      const result = await engine.deploy(automationConfig({ scale: SCALE }));
      faults.calls.length = 0;
      await engine.deploy(automationConfig({ scale: SCALE }));
      assert.deepEqual(faults.mutatingCalls(), [], 'an unchanged redeploy (internal load balancer, both pools) makes no mutating call');
      const resources = result.state.resources;
      const keyOf = (id: string) => Object.values(resources).find((r) => r.id === id)?.key ?? id;

      const db = (await aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'gm-demo-db' }))).DBInstances![0]!;
      assert.equal(db.StorageEncrypted, true);
      assert.equal(db.PubliclyAccessible, false);
      assert.ok((db.BackupRetentionPeriod ?? 0) > 0, 'automated backups on');
      assert.equal(db.Engine, 'postgres');
      assert.deepEqual(db.VpcSecurityGroups?.map((g) => keyOf(g.VpcSecurityGroupId ?? '')), ['sg-database']);
      const cache = (await aws.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'gm-demo-queue' }))).ReplicationGroups![0]!;
      assert.equal(cache.TransitEncryptionEnabled, true);
      assert.equal(cache.AtRestEncryptionEnabled, true);
      assert.equal(cache.AuthTokenEnabled, true);

      const subnets = (await aws.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [resources['private-subnet-a']!.id!, resources['private-subnet-b']!.id!] }))).Subnets!;
      assert.deepEqual(subnets.map((s) => s.MapPublicIpOnLaunch), [false, false], 'private subnets give no public addresses');
      assert.notEqual(subnets[0]!.AvailabilityZone, subnets[1]!.AvailabilityZone);

      const groups = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-database', 'sg-queue', 'sg-workers', 'sg-internal-alb', 'sg-efs'].map((k) => resources[k]!.id!) }))).SecurityGroups!;
      const rules = Object.fromEntries(groups.map((g) => [keyOf(g.GroupId!), rulesOf(g.IpPermissions, keyOf)]));
      assert.deepEqual(rules['sg-database'], ['5432 from sg-instance', '5432 from sg-workers']);
      assert.deepEqual(rules['sg-queue'], ['6379 from sg-instance', '6379 from sg-workers']);
      assert.deepEqual(rules['sg-workers'], ['11434 from sg-internal-alb']);
      assert.deepEqual(rules['sg-internal-alb'], ['11434 from sg-instance', '11434 from sg-workers']);
      assert.deepEqual(rules['sg-efs'], ['2049 from sg-instance', '2049 from sg-workers']);

      const asgs = (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo-n8n-workers', 'gm-demo-ollama-workers'] }))).AutoScalingGroups!;
      const n8n = asgs.find((g) => g.AutoScalingGroupName === 'gm-demo-n8n-workers')!;
      const ollama = asgs.find((g) => g.AutoScalingGroupName === 'gm-demo-ollama-workers')!;
      assert.deepEqual([n8n.MinSize, n8n.MaxSize, n8n.DesiredCapacity], [1, 4, 1]);
      assert.deepEqual([ollama.MinSize, ollama.MaxSize], [1, 2]);
      assert.equal(n8n.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateId, resources['launch-template-n8n-worker']!.id);
      assert.equal(ollama.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.LaunchTemplateId, resources['launch-template-ollama-worker']!.id);
      assert.deepEqual(ollama.TargetGroupARNs, [resources['target-group-ollama']!.id]);

      const policies = (await aws.autoscaling.send(new DescribePoliciesCommand({ AutoScalingGroupName: 'gm-demo-n8n-workers' }))).ScalingPolicies!;
      assert.equal(policies[0]?.TargetTrackingConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType, 'ASGAverageCPUUtilization');
      const ollamaPolicies = (await aws.autoscaling.send(new DescribePoliciesCommand({ AutoScalingGroupName: 'gm-demo-ollama-workers' }))).ScalingPolicies!;
      assert.equal(ollamaPolicies[0]?.TargetTrackingConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType, 'ALBRequestCountPerTarget');

      const ollamaImage = (await aws.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: resources['launch-template-ollama-worker']!.id!, Versions: ['$Latest'] }))).LaunchTemplateVersions![0]!.LaunchTemplateData!.ImageId!;
      const imageName = (await aws.ec2.send(new DescribeImagesCommand({ ImageIds: [ollamaImage] }))).Images?.[0]?.Name ?? '';
      assert.match(imageName, /Deep Learning/i, 'GPU workers on a CPU stack boot a Deep Learning AMI (NVIDIA driver), not the instance\'s image');

      const lb = (await aws.elbv2.send(new DescribeLoadBalancersCommand({ Names: ['gm-demo-int'] }))).LoadBalancers![0]!;
      assert.equal(lb.Scheme, 'internal');

      const main = await userDataOf(aws, resources['launch-template']!.id!);
      const worker = await userDataOf(aws, resources['launch-template-n8n-worker']!.id!);
      for (const script of [main, worker]) {
        assert.match(script, /EXECUTIONS_MODE: queue/);
        assert.match(script, new RegExp(db.Endpoint!.Address!.replaceAll('.', '\\.')));
        assert.match(script, new RegExp(cache.NodeGroups![0]!.PrimaryEndpoint!.Address!.replaceAll('.', '\\.')));
        assert.match(script, /n8n-encryption-key/);
      }
      assert.match(main, new RegExp(lb.DNSName!.replaceAll('.', '\\.')), "n8n's Ollama base URL is the internal load balancer");

      const counts = countByKind(await sweep());
      assert.equal(counts.database, 1);
      assert.equal(counts.cache, 1);

      const gone = await engine.destroy('demo', { finalBackup: false });
      assert.ok(gone, 'destroyed');
      const snapshots = (await aws.rds.send(new (await import('@aws-sdk/client-rds')).DescribeDBSnapshotsCommand({}))).DBSnapshots ?? [];
      assert.ok(snapshots.some((s) => s.DBInstanceIdentifier === 'gm-demo-db' && /final/.test(s.DBSnapshotIdentifier ?? '')), 'a final snapshot is kept');
      const left = (await sweep()).filter((r) => r.kind !== 'efs' && r.kind !== 'ssm-parameter');
      assert.deepEqual(left, []);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('pauses every pool to 0 and stops RDS, resumes them to their min, redeploys with no mutating call, and destroy --delete-data takes no final snapshot and leaves nothing', async () => {
    const faults = new FaultInjector();
    const engine = testEngine({ instrument: faults.instrument });
    const aws = inspector();
    const config = devConfig({ scale: { n8nWorkers: { min: 2, max: 3 } } });
    const groupSizes = async () => Object.fromEntries(((await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['gm-demo', 'gm-demo-n8n-workers'] }))).AutoScalingGroups ?? [])
      .map((g) => [g.AutoScalingGroupName, `${g.MinSize}/${g.DesiredCapacity}/${g.Instances?.length ?? 0}`]));
    const dbStatus = async () => (await aws.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'gm-demo-db' }))).DBInstances![0]!.DBInstanceStatus;
    try {
      await engine.deploy(config);
      assert.deepEqual(await groupSizes(), { 'gm-demo': '1/1/1', 'gm-demo-n8n-workers': '2/2/2' });

      faults.calls.length = 0;
      await engine.deploy(config);
      assert.deepEqual(faults.mutatingCalls(), [], 'an unchanged scaled stack redeploys without a mutating call');

      const paused = await engine.pause('demo');
      assert.equal(paused.terminated.length, 3, 'the instance and both workers are terminated');
      assert.deepEqual(await groupSizes(), { 'gm-demo': '0/0/0', 'gm-demo-n8n-workers': '0/0/0' });
      assert.equal(await dbStatus(), 'stopped');

      await engine.resume('demo');
      assert.deepEqual(await groupSizes(), { 'gm-demo': '1/1/1', 'gm-demo-n8n-workers': '2/2/2' });
      assert.equal(await dbStatus(), 'available');

      // A new worker template version (another first type) replaces the running workers with a rolling refresh.
      const changed = await engine.deploy(devConfig({ scale: { n8nWorkers: { min: 2, max: 3, instanceTypes: ['m7i.large', 'c7i.large'] } } }));
      assert.match(changed.state.resources['worker-group-n8n']?.attrs.instanceTypes ?? '', /^m7i\.large,c7i\.large$/);
      const { DescribeInstanceRefreshesCommand } = await import('@aws-sdk/client-auto-scaling');
      const refreshes = (await aws.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'gm-demo-n8n-workers' }))).InstanceRefreshes ?? [];
      assert.equal(refreshes.length, 1, 'one rolling refresh of the workers');
      assert.equal(refreshes[0]?.Preferences?.MinHealthyPercentage, 50);

      await engine.destroy('demo', { deleteData: true, finalBackup: false });
      const { DescribeDBSnapshotsCommand } = await import('@aws-sdk/client-rds');
      const snapshots = (await aws.rds.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots ?? [];
      assert.deepEqual(snapshots.filter((s) => s.DBInstanceIdentifier === 'gm-demo-db' && s.SnapshotType === 'manual'), [], 'no final snapshot when the data is deleted');
      assert.deepEqual(await sweep(), []);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('database and queue on the instance: no RDS or ElastiCache; the instance admits 5432 and 6379 from the workers alone, and a redeploy keeps them with no call', async () => {
    const faults = new FaultInjector();
    const engine = testEngine({ instrument: faults.instrument });
    const aws = inspector();
    const config = devConfig({ scale: { database: 'instance', queue: 'instance' } });
    try {
      const { state } = await engine.deploy(config);
      const keyOf = (id: string) => Object.values(state.resources).find((r) => r.id === id)?.key ?? id;
      const counts = countByKind(await sweep());
      assert.equal(counts.database, undefined);
      assert.equal(counts.cache, undefined);
      const group = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [state.resources['sg-instance']!.id!] }))).SecurityGroups![0]!;
      assert.deepEqual(rulesOf(group.IpPermissions, keyOf), ['5432 from sg-workers', '6379 from sg-workers']);
      faults.calls.length = 0;
      await engine.deploy(config);
      assert.deepEqual(faults.mutatingCalls(), []);
      await engine.destroy('demo', { deleteData: true, finalBackup: false });
      assert.deepEqual(await sweep(), []);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});
