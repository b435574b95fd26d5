import assert from 'node:assert/strict';
import { restartScript } from '../../src/engine/operate';
import { GeuseError } from '../../src/engine/errors';
import { AttachInternetGatewayCommand, CreateInternetGatewayCommand, CreateRouteCommand, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { devConfig, inspector, testEngine } from '../harness/engine';

describe('discovery for the deploy wizard', function () {
  this.timeout(120_000);

  it('lists the region\'s VPCs with their subnets, which are public, and our own stack\'s VPC marked', async () => {
    const engine = testEngine();
    const bare = await engine.discoverNetworks('us-east-1');
    const defaultVpc = bare.find((vpc) => vpc.isDefault);
    assert.ok(defaultVpc, 'the default VPC is listed');
    assert.equal(bare[0], defaultVpc, 'first');
    assert.ok(defaultVpc.subnets.length >= 2);
    assert.deepEqual(defaultVpc.publicZones, [], 'no route to an internet gateway yet: nothing is public');

    // Real default VPCs route 0.0.0.0/0 to an internet gateway from the main route table (moto's has none).
    const { ec2 } = inspector();
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: defaultVpc.id }));
    const main = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [defaultVpc.id] }, { Name: 'association.main', Values: ['true'] }] }))).RouteTables?.[0];
    await ec2.send(new CreateRouteCommand({ RouteTableId: main?.RouteTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
    const routed = (await engine.discoverNetworks('us-east-1')).find((vpc) => vpc.isDefault);
    assert.ok((routed?.publicZones.length ?? 0) >= 2, 'subnets on the main route table are public: two AZs, enough for a load balancer');

    await engine.deploy(devConfig());
    const after = await engine.discoverNetworks('us-east-1');
    const ours = after.find((vpc) => vpc.stack === 'demo');
    assert.ok(ours, 'the stack\'s own VPC is marked with its stack');
    assert.equal(ours.subnets.length, 2);
    assert.ok(ours.subnets.every((subnet) => subnet.public), 'its subnets route to the internet gateway');
    assert.equal(new Set(ours.subnets.map((s) => s.zone)).size, 2);
    engine.dispose();
  });

  it('offers instance types per tier with sizes and AZs; GPU types only for the gpu tier', async () => {
    const engine = testEngine();
    const dev = await engine.instanceTypes('us-east-1', 'dev');
    const xlarge = dev.find((t) => t.type === 't3.xlarge');
    assert.deepEqual({ vcpus: xlarge?.vcpus, memoryGiB: xlarge?.memoryGiB, gpus: xlarge?.gpus }, { vcpus: 4, memoryGiB: 16, gpus: 0 });
    assert.ok((xlarge?.zones.length ?? 0) > 0);
    assert.equal(dev.find((t) => t.type === 't4g.xlarge')?.architecture, 'arm64');
    assert.ok(dev.every((t) => t.gpus === 0));
    const gpu = await engine.instanceTypes('us-east-1', 'gpu');
    assert.ok(gpu.length > 0 && gpu.every((t) => t.gpus > 0), JSON.stringify(gpu.map((t) => [t.type, t.gpus])));
    assert.ok(gpu.find((t) => t.type === 'g5.xlarge')?.gpuMemoryGiB);
    engine.dispose();
  });

  it('restarting a service runs compose restart for exactly that service, and refuses one the stack does not run', async () => {
    assert.deepEqual(restartScript('qdrant').at(-1), 'docker compose --project-name geusemaker --env-file /etc/geusemaker/stack.env -f /etc/geusemaker/docker-compose.yml restart qdrant');
    const engine = testEngine();
    await engine.deploy(devConfig({ services: { n8n: true, postgres: true, ollama: true, qdrant: false, crawl4ai: true } }));
    await assert.rejects(engine.restartService('demo', 'qdrant'), (error: unknown) => error instanceof GeuseError && error.code === 'SERVICE_NOT_IN_STACK');
    engine.dispose();
  });
});
