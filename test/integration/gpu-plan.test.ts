import assert from 'node:assert/strict';
import {
  AssociateRouteTableCommand, AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateRouteCommand, CreateRouteTableCommand,
  CreateSubnetCommand, CreateVpcCommand, DescribeVpcsCommand, RunInstancesCommand, type _InstanceType,
} from '@aws-sdk/client-ec2';
import { Engine } from '../../src/engine/engine';
import { stackConfigSchema, type StackConfigInput } from '../../src/engine/stack/config';
import { TAG_STACK, TAG_STACK_ID } from '../../src/engine/stack/naming';
import { newStackState } from '../../src/engine/deploy';
import { RecordedQuotas } from '../fixtures/quotas/recorded';
import { FAST_TIMING, inspector, sweep, tempDir } from '../harness/engine';
import { rejection } from '../harness/refusal';
import { testEmulator } from '../harness/root-hooks';

const ENOUGH = { 'L-DB2E81BA': 'g-on-demand-8.json', 'L-3819A6DF': 'g-spot-8.json' };

function gpuEngine(quotas: Record<string, string> = ENOUGH): { engine: Engine; recorded: RecordedQuotas } {
  const recorded = new RecordedQuotas(quotas);
  const engine = new Engine({ stateDir: tempDir('gm-gpu-'), endpoint: testEmulator().endpoint, maxAttempts: 1, timing: FAST_TIMING, index: null, quotas: () => recorded });
  return { engine, recorded };
}

function gpuConfig(overrides: Partial<StackConfigInput> = {}) {
  return stackConfigSchema.parse({ name: 'demo', tier: 'gpu', region: 'us-east-1', instanceType: 'g5.xlarge', access: { mode: 'load-balancer' }, ...overrides });
}


/** A user's VPC with public subnets (internet gateway route) in the given AZs. */
async function userVpc(zones: string[]): Promise<{ vpcId: string; subnetIds: string[] }> {
  const aws = inspector();
  try {
    const vpcId = (await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' }))).Vpc!.VpcId!;
    const igw = (await aws.ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await aws.ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const table = (await aws.ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    await aws.ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
    const subnetIds: string[] = [];
    for (const [i, zone] of zones.entries()) {
      const subnetId = (await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.7.${i}.0/24`, AvailabilityZone: zone }))).Subnet!.SubnetId!;
      await aws.ec2.send(new AssociateRouteTableCommand({ RouteTableId: table, SubnetId: subnetId }));
      subnetIds.push(subnetId);
    }
    return { vpcId, subnetIds };
  } finally {
    aws.destroy();
  }
}

describe('gpu tier plan against moto (quotas from recorded GetServiceQuota responses; DLAMIs seeded by the moto launcher from test/fixtures/dlami)', function () {
  this.timeout(60_000);

  describe('GPU quota preflight', () => {
    it('quota 0 → deploy refused before any resource exists (no tagged resource, no VPC at all)', async () => {
      const { engine, recorded } = gpuEngine({ 'L-DB2E81BA': 'g-on-demand-0.json', 'L-3819A6DF': 'g-spot-0.json' });
      const error = await rejection(engine.deploy(gpuConfig()));
      engine.dispose();
      assert.equal(error.code, 'GPU_QUOTA');
      assert.equal(error.kind, 'quota');
      assert.match(error.message, /g5\.xlarge needs 4 vCPUs/);
      assert.match(error.nextStep, /request-service-quota-increase --service-code ec2 --quota-code L-3819A6DF --desired-value 4 --region us-east-1/);
      assert.deepEqual(recorded.calls.sort(), ['ec2/L-3819A6DF', 'ec2/L-DB2E81BA'], 'spot with on-demand fallback: both quotas read');
      assert.deepEqual(await sweep(), [], 'nothing carries the stack tag');
      const aws = inspector();
      const vpcs = (await aws.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: `tag:${TAG_STACK}`, Values: ['demo'] }] }))).Vpcs ?? [];
      aws.destroy();
      assert.deepEqual(vpcs, []);
    });

    it('quota too small → refused; enough → the plan passes without quota warnings', async () => {
      const small = gpuEngine({ 'L-DB2E81BA': 'g-on-demand-2.json' });
      const error = await rejection(small.engine.plan(gpuConfig({ market: 'on-demand' })));
      small.engine.dispose();
      assert.match(error.message, /is 2 vCPUs/);
      const { engine } = gpuEngine();
      const plan = await engine.plan(gpuConfig());
      engine.dispose();
      assert.equal(plan.warnings.some((w) => /quota/i.test(w)), false, plan.warnings.join('\n'));
    });

    it('vCPUs of other running G instances (moto DescribeInstances) count against the quota; the stack\'s own, other families and spot (for on-demand) do not', async () => {
      const aws = inspector();
      const run = async (instanceType: string, extra: Record<string, unknown> = {}) => {
        await aws.ec2.send(new RunInstancesCommand({ ImageId: 'ami-0d1a00000000000b2', InstanceType: instanceType as _InstanceType, MinCount: 1, MaxCount: 1, ...extra }));
      };
      await run('g5.xlarge');
      await run('t3.2xlarge');
      // The stack's own instance carries its stack id, which the stack's state knows.
      await run('g5.2xlarge', { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: TAG_STACK, Value: 'demo' }, { Key: TAG_STACK_ID, Value: 'own-id' }] }] });
      await run('g4dn.xlarge', { InstanceMarketOptions: { MarketType: 'spot' } });
      const onDemand = gpuConfig({ market: 'on-demand' });
      const first = gpuEngine();
      await first.engine.store.write(newStackState(onDemand, 'own-id'));
      const plan = await first.engine.plan(onDemand);
      first.engine.dispose();
      assert.equal(plan.warnings.some((w) => /quota/i.test(w)), false, '8 − 4 in use leaves the 4 g5.xlarge needs');
      await run('g6.xlarge');
      const second = gpuEngine();
      await second.engine.store.write(newStackState(onDemand, 'own-id'));
      const error = await rejection(second.engine.plan(onDemand));
      second.engine.dispose();
      aws.destroy();
      assert.equal(error.code, 'GPU_QUOTA');
      assert.match(error.message, /"Running On-Demand G and VT instances" \(L-DB2E81BA\) is 8 vCPUs with 8 already in use by running instances, leaving 0/);
      assert.match(error.nextStep, /--desired-value 12/);
    });
  });

  describe('instance types and AZ offerings (moto DescribeInstanceTypeOfferings)', () => {
    it('a new network goes only into AZs that offer the type (g6e.xlarge: us-east-1a–d, not e or f)', async () => {
      const { engine } = gpuEngine();
      const plan = await engine.plan(gpuConfig({ instanceType: 'g6e.xlarge' }));
      engine.dispose();
      assert.equal(plan.facts.zones.length, 2);
      for (const zone of plan.facts.zones) assert.ok(['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'].includes(zone), zone);
    });

    it('an existing network: subnets in AZs without the type are left out; none left → refused with the offered AZs', async () => {
      const { vpcId, subnetIds } = await userVpc(['us-east-1e', 'us-east-1a', 'us-east-1b']);
      const { engine } = gpuEngine();
      const plan = await engine.plan(gpuConfig({ network: { mode: 'existing', vpcId, subnetIds } }));
      assert.deepEqual(plan.facts.existingSubnets, [{ id: subnetIds[1], zone: 'us-east-1a' }, { id: subnetIds[2], zone: 'us-east-1b' }], 'us-east-1e offers no g5.xlarge');
      const error = await rejection(engine.plan(gpuConfig({ network: { mode: 'existing', vpcId, subnetIds: [subnetIds[0]!] } })));
      engine.dispose();
      assert.match(error.message, /none of the subnets is in an AZ that offers g5\.xlarge \(offered in us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1f\)/);
      assert.match(error.nextStep, /Add a subnet in one of those AZs/);
    });

    it('an existing network: the instance goes only where the load balancer has a public subnet; no such AZ offers the type → refused', async () => {
      // g6e.xlarge is offered in us-east-1a–d; the public subnets (the ALB's) are in a and e; b is private.
      const { vpcId, subnetIds } = await userVpc(['us-east-1a', 'us-east-1e', 'us-east-1f']);
      const aws = inspector();
      const privateSubnet = async (cidr: string, zone: string) => (await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet!.SubnetId!;
      const privateB = await privateSubnet('10.7.10.0/24', 'us-east-1b');
      const privateC = await privateSubnet('10.7.11.0/24', 'us-east-1c');
      aws.destroy();
      const { engine } = gpuEngine();
      const plan = await engine.plan(gpuConfig({ instanceType: 'g6e.xlarge', network: { mode: 'existing', vpcId, subnetIds: [...subnetIds, privateB] } }));
      assert.deepEqual(plan.facts.existingSubnets, [{ id: subnetIds[0], zone: 'us-east-1a' }], 'us-east-1b has no load balancer subnet: an instance there would stay Target.NotInUse');
      const error = await rejection(engine.plan(gpuConfig({ instanceType: 'g6e.xlarge', network: { mode: 'existing', vpcId, subnetIds: [subnetIds[1]!, subnetIds[2]!, privateC] } })));
      engine.dispose();
      assert.equal(error.kind, 'invalid-input');
      assert.match(error.message, /network\.subnetIds: .*g6e\.xlarge is offered only in us-east-1c, where the load balancer has no public subnet \(its subnets are in us-east-1e, us-east-1f\)/);
      assert.match(error.nextStep, /Add a public subnet .* in us-east-1c/);
      assert.deepEqual(await sweep(), []);
    });

    it('a type the region does not offer at all is refused (g6.xlarge in eu-west-1)', async () => {
      const { engine } = gpuEngine();
      const error = await rejection(engine.plan(gpuConfig({ region: 'eu-west-1', instanceType: 'g6.xlarge' })));
      engine.dispose();
      assert.match(error.message, /g6\.xlarge is not offered in any AZ of eu-west-1/);
    });

    it('family rules hold at plan time: p4d refused without the flag, t3 refused on gpu, g5 refused on dev', async () => {
      const { engine } = gpuEngine();
      assert.equal((await rejection(engine.plan(gpuConfig({ instanceType: 'p4d.24xlarge' })))).code, 'EXPENSIVE_INSTANCE_TYPE');
      assert.equal((await rejection(engine.plan(gpuConfig({ instanceType: 't3.xlarge' })))).code, 'GPU_TYPE_REQUIRED');
      assert.equal((await rejection(engine.plan(stackConfigSchema.parse({ name: 'demo', instanceType: 'g5.xlarge' })))).code, 'GPU_TYPE_ON_CPU_TIER');
      engine.dispose();
    });
  });

  describe('Deep Learning AMI resolution', () => {
    it('from the SSM public parameters: Base OSS (Amazon Linux 2023 by default, Ubuntu 22.04/24.04) and PyTorch', async () => {
      const { engine } = gpuEngine();
      const cases: [Partial<StackConfigInput>, string, string][] = [
        [{}, 'ami-0d1a00000000000b2', 'al2023'],
        [{ os: 'ubuntu-22.04' }, 'ami-0d1a00000000000c2', 'ubuntu-22.04'],
        [{ os: 'ubuntu-24.04' }, 'ami-0d1a00000000000d1', 'ubuntu-24.04'],
        [{ amiType: 'pytorch' }, 'ami-0d1a00000000000e4', 'al2023'],
        [{ os: 'ubuntu-22.04', amiType: 'pytorch' }, 'ami-0d1a00000000000e2', 'ubuntu-22.04'],
      ];
      for (const [overrides, amiId, os] of cases) {
        const plan = await engine.plan(gpuConfig(overrides));
        assert.equal(plan.facts.amiId, amiId, JSON.stringify(overrides));
        assert.equal(plan.facts.os, os);
        assert.match(plan.facts.amiSource ?? '', /ssm-parameter: \/aws\/service\/deeplearning\/ami\/x86_64\//);
      }
      engine.dispose();
    });

    it('PyTorch: the highest version published for the OS (2.10 over 2.9, read across GetParametersByPath pages), shown in amiSource', async () => {
      const { engine } = gpuEngine();
      const al2023 = await engine.plan(gpuConfig({ amiType: 'pytorch' }));
      // 2.7, 2.8, 2.9 and 2.10 are published for Amazon Linux 2023; 2.11 only for Amazon Linux 2, another OS.
      assert.equal(al2023.facts.amiId, 'ami-0d1a00000000000e4');
      assert.match(al2023.facts.amiSource ?? '', /^Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2\.10 \(Amazon Linux 2023\) 20261116 \(ssm-parameter: \/aws\/service\/deeplearning\/ami\/x86_64\/oss-nvidia-driver-gpu-pytorch-2\.10-amazon-linux-2023\/latest\/ami-id\)$/);
      const ubuntu = await engine.plan(gpuConfig({ amiType: 'pytorch', os: 'ubuntu-22.04' }));
      assert.match(ubuntu.facts.amiSource ?? '', /pytorch-2\.7-ubuntu-22\.04/, '2.7 is the newest for Ubuntu 22.04 (2.6 is older)');
      engine.dispose();
    });

    it('PyTorch name-pattern fallback: any version, the newest image by CreationDate', async () => {
      const { engine } = gpuEngine();
      const plan = await engine.plan(gpuConfig({ region: 'us-west-2', amiType: 'pytorch' }));
      engine.dispose();
      // 2.9's 20261117 release was built after 2.10's 20261116.
      assert.equal(plan.facts.amiId, 'ami-0d1a00000000000e3');
      assert.match(plan.facts.amiSource ?? '', /name-pattern: Deep Learning OSS Nvidia Driver AMI GPU PyTorch \* \(Amazon Linux 2023\) \*/);
    });

    it('name-pattern fallback where the region has no parameter: the newest matching x86_64 image by CreationDate', async () => {
      const { engine } = gpuEngine();
      const plan = await engine.plan(gpuConfig({ region: 'us-west-2', os: 'ubuntu-22.04' }));
      engine.dispose();
      // c3 (20261020) is listed after c2 but older; c4 is newer but arm64; c5 is newer but another image line.
      assert.equal(plan.facts.amiId, 'ami-0d1a00000000000c2');
      assert.match(plan.facts.amiSource ?? '', /20261117 \(name-pattern: Deep Learning Base OSS Nvidia Driver GPU AMI \(Ubuntu 22\.04\) \*\)/);
    });

    it('an explicit amiId wins, checked with DescribeImages: missing → refused; wrong architecture → refused', async () => {
      const { engine } = gpuEngine();
      const plan = await engine.plan(gpuConfig({ os: 'ubuntu-22.04', amiId: 'ami-0d1a00000000000c1' }));
      assert.equal(plan.facts.amiId, 'ami-0d1a00000000000c1');
      assert.match(plan.facts.amiSource ?? '', /\(override\)/);
      const missing = await rejection(engine.plan(gpuConfig({ amiId: 'ami-0ffffffffffffffff' })));
      assert.equal(missing.code, 'AMI_NOT_FOUND');
      assert.match(missing.message, /amiId: ami-0ffffffffffffffff does not exist in us-east-1/);
      const arm = await rejection(engine.plan(gpuConfig({ amiId: 'ami-0d1a00000000000f1' })));
      engine.dispose();
      assert.equal(arm.code, 'AMI_ARCHITECTURE');
      assert.match(arm.message, /arm64 image, but g5\.xlarge runs x86_64/);
    });

    it('no parameter and no matching image → refused with the parameter and pattern it tried', async () => {
      const { engine } = gpuEngine();
      const error = await rejection(engine.plan(gpuConfig({ region: 'us-west-2', amiType: 'pytorch', os: 'ubuntu-24.04' })));
      engine.dispose();
      assert.equal(error.code, 'AMI_NOT_FOUND');
      assert.match(error.message, /no SSM parameter under \/aws\/service\/deeplearning\/ami\/x86_64 is named like .*oss-nvidia-driver-gpu-pytorch-<version>-ubuntu-24\.04/);
      assert.match(error.nextStep, /set amiId/);
    });

    it('the dev tier still boots Amazon Linux 2023 from its SSM parameter', async () => {
      const { engine } = gpuEngine();
      const plan = await engine.plan(stackConfigSchema.parse({ name: 'demo' }));
      engine.dispose();
      assert.equal(plan.facts.os, 'al2023');
      assert.match(plan.facts.amiSource ?? '', /al2023-ami-kernel-default-x86_64/);
    });
  });
});
