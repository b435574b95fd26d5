import assert from 'node:assert/strict';
import { CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { CreateLoadBalancerCommand, CreateTargetGroupCommand, DeleteLoadBalancerCommand, DeleteTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createClients, type AwsClients, type ClientInstrument } from '../../src/engine/aws/clients';
import { sweepStack } from '../../src/engine/resources/sweep';
import { stackTags, TAG_STACK } from '../../src/engine/stack/naming';
import { inspector } from '../harness/engine';
import { awsError } from '../harness/faults';
import { testEmulator } from '../harness/root-hooks';

/** Two public subnets, enough for an ALB in moto. */
async function subnets(aws: AwsClients): Promise<{ vpcId: string; subnetIds: string[] }> {
  const vpcId = (await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' }))).Vpc!.VpcId!;
  const subnetIds: string[] = [];
  for (const [i, zone] of ['us-east-1a', 'us-east-1b'].entries()) {
    subnetIds.push((await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.7.${i}.0/24`, AvailabilityZone: zone }))).Subnet!.SubnetId!);
  }
  return { vpcId, subnetIds };
}

describe('the stack sweep among other people\'s load balancers', function () {
  this.timeout(60_000);

  // moto's DescribeTags quietly leaves out a deleted ARN; real AWS fails the whole call with LoadBalancerNotFound
  // (or TargetGroupNotFound). The middleware gives that recorded real-shaped error for any batch naming a deleted ARN.
  it('(real AWS DescribeTags not-found shape, injected) skips a gm- load balancer and target group deleted between listing and reading tags, and never reads others\' tags', async () => {
    const aws = inspector();
    const { vpcId, subnetIds } = await subnets(aws);
    const lb = async (name: string, tags?: { Key: string; Value: string }[]) => (await aws.elbv2.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnetIds, Tags: tags }))).LoadBalancers![0]!.LoadBalancerArn!;
    const tg = async (name: string, tags?: { Key: string; Value: string }[]) => (await aws.elbv2.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: vpcId, Tags: tags }))).TargetGroups![0]!.TargetGroupArn!;
    const ours = await lb('gm-demo', stackTags({ stack: 'demo', stackId: 'id-1' }, 'load-balancer', 'gm-demo'));
    const ourGroup = await tg('gm-demo-tg', stackTags({ stack: 'demo', stackId: 'id-1' }, 'target-group', 'gm-demo-tg'));
    const goneLb = await lb('gm-other', stackTags({ stack: 'other', stackId: 'id-2' }, 'load-balancer', 'gm-other'));
    const goneGroup = await tg('gm-other-tg', stackTags({ stack: 'other', stackId: 'id-2' }, 'target-group', 'gm-other-tg'));
    const theirs = await lb('payments-prod', [{ Key: TAG_STACK, Value: 'demo' }]);

    // Someone else deletes gm-other (and its group) right after the sweep listed them: the real race, made certain.
    const taggedArns: string[][] = [];
    let deleted = false;
    const goneArns = [goneLb, goneGroup];
    const instrument: ClientInstrument = (client, service) => {
      if (service !== 'elasticloadbalancing') return;
      client.middlewareStack.add((next, context) => async (args) => {
        if ((context as { commandName?: string }).commandName === 'DescribeTagsCommand') {
          taggedArns.push([...((args as { input: { ResourceArns?: string[] } }).input.ResourceArns ?? [])]);
          const arns = taggedArns.at(-1)!;
          if (!deleted) {
            deleted = true;
            await aws.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: goneLb }));
            await aws.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: goneGroup }));
          }
          const missing = arns.find((arn) => goneArns.includes(arn));
          if (missing === goneLb) throw awsError({ name: 'LoadBalancerNotFound', message: `Load balancers '[${goneLb}]' not found`, status: 400 });
          if (missing === goneGroup) throw awsError({ name: 'TargetGroupNotFound', message: `Target groups '[${goneGroup}]' not found`, status: 400 });
        }
        return next(args);
      }, { step: 'initialize', name: 'deleteMeanwhile' });
    };
    const clients = createClients({ region: 'us-east-1', endpoint: testEmulator().endpoint, maxAttempts: 1, instrument });
    try {
      const found = await sweepStack(clients, 'demo');
      assert.deepEqual(found.filter((r) => r.kind === 'load-balancer').map((r) => r.id), [ours]);
      assert.deepEqual(found.filter((r) => r.kind === 'target-group').map((r) => r.id), [ourGroup]);
      assert.ok(deleted, 'the deletion happened mid-sweep');
      assert.ok(taggedArns.length > 1, 'the failed batch was read again one ARN at a time');
      assert.equal(taggedArns.flat().includes(theirs), false, 'a load balancer not named gm- is never read');
    } finally {
      clients.destroy();
      aws.destroy();
    }
  });
});
