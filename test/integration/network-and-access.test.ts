import assert from 'node:assert/strict';
import { UpdateSsm } from '../harness/update-ssm';
import { CreateSubnetCommand, CreateVpcCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { stackConfigSchema } from '../../src/engine/stack/config';
import { TAG_STACK } from '../../src/engine/stack/naming';
import { countByKind, devConfig, inspector, sweep, testEngine } from '../harness/engine';

describe('existing networks and access modes', function () {
  this.timeout(120_000);

  it('deploys into a user-chosen VPC and subnets, and destroy never touches them', async () => {
    const aws = inspector();
    const vpcId = (await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
    const subnetA = (await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.9.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    const subnetB = (await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.9.2.0/24', AvailabilityZone: 'us-east-1b' }))).Subnet!.SubnetId!;
    const engine = testEngine();
    const config = devConfig({ network: { mode: 'existing', vpcId, subnetIds: [subnetA, subnetB] } });
    const result = await engine.deploy(config);
    assert.equal(result.plan.items.some((i) => i.step === 'vpc'), false, 'no VPC is created');
    const counts = countByKind(await sweep());
    assert.equal(counts.vpc, undefined, 'nothing new tagged as a VPC');
    assert.equal(counts['mount-target'], 2, 'one mount target per AZ');
    assert.equal(counts.instance, 1);
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    engine.dispose();
    assert.deepEqual(await sweep(), []);
    assert.equal((await aws.ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs?.length, 1, 'the user VPC survives');
    assert.equal((await aws.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetA, subnetB] }))).Subnets?.length, 2, 'the user subnets survive');
    aws.destroy();
  });

  it('refuses a VPC that does not exist before creating anything', async () => {
    const engine = testEngine();
    await assert.rejects(engine.deploy(devConfig({ network: { mode: 'existing', vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] } })), /network\.vpcId: vpc-0123456789abcdef0 does not exist/);
    engine.dispose();
    assert.deepEqual(await sweep(), []);
  });

  it('cidr access opens only the proxy port, only to that CIDR; a later ssm deploy closes it', async () => {
    // The later deploy pushes the new bootstrap over Run Command, which moto does not run.
    const engine = testEngine({ ssm: new UpdateSsm().factory });
    await engine.deploy(devConfig({ access: { mode: 'cidr', cidr: '203.0.113.7/32' }, services: { crawl4ai: false } }));
    const aws = inspector();
    const instanceGroup = async () => (await aws.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: `tag:${TAG_STACK}`, Values: ['demo'] }, { Name: 'tag:geusemaker:resource', Values: ['sg-instance'] }] }))).SecurityGroups![0]!;
    const open = (await instanceGroup()).IpPermissions ?? [];
    assert.deepEqual(open.map((p) => p.FromPort), [80]);
    for (const permission of open) assert.deepEqual(permission.IpRanges?.map((r) => r.CidrIp), ['203.0.113.7/32']);
    await engine.deploy(devConfig({ access: { mode: 'ssm' } }));
    assert.deepEqual((await instanceGroup()).IpPermissions ?? [], []);
    engine.dispose();
    aws.destroy();
  });

  it('the schema refuses opening services to the whole internet', () => {
    const parsed = stackConfigSchema.safeParse({ name: 'demo', access: { mode: 'cidr', cidr: '0.0.0.0/0' } });
    assert.equal(parsed.success, false);
    assert.match(JSON.stringify(parsed.error?.issues), /never to the whole internet/);
  });
});
