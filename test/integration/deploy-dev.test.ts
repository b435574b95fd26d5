import assert from 'node:assert/strict';
import { SECRETS } from '../../src/engine/resources/secrets';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { DescribeFileSystemsCommand } from '@aws-sdk/client-efs';
import { GetParametersByPathCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { countByKind, devConfig, inspector, launchTemplateData, sweep, testEngine } from '../harness/engine';
import { TAG_MANAGED_BY, TAG_STACK, tagValue } from '../../src/engine/stack/naming';
import type { ProgressEvent } from '../../src/engine/progress';

describe('dev stack deploy and destroy (moto over HTTP)', function () {
  this.timeout(120_000);

  it('creates every resource tagged, encrypted, IMDSv2-only, closed to the internet, with no secret in UserData or state', async () => {
    const engine = testEngine();
    const result = await engine.deploy(devConfig());
    const aws = inspector();
    const resources = await sweep();
    const counts = countByKind(resources);
    for (const kind of ['vpc', 'internet-gateway', 'route-table', 'efs', 'instance-profile', 'instance', 'launch-template', 'auto-scaling-group', 'backup-vault', 'backup-plan']) assert.equal(counts[kind], 1, `one ${kind}`);
    // The instance's role and the role AWS Backup assumes.
    assert.equal(counts['iam-role'], 2);
    assert.equal(counts.subnet, 2);
    assert.equal(counts['security-group'], 2);
    assert.equal(counts['mount-target'], 2);
    assert.equal(counts['ssm-parameter'], SECRETS.length);

    const instanceId = result.state.resources.instance!.id!;
    const instance = (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!;
    assert.equal(tagValue(instance.Tags, TAG_STACK), 'demo');
    assert.equal(tagValue(instance.Tags, TAG_MANAGED_BY), 'geusemaker');
    assert.equal(tagValue(instance.Tags, 'aws:autoscaling:groupName'), 'gm-demo', 'launched by the stack\'s group');
    const template = await launchTemplateData(aws);
    assert.equal(template.MetadataOptions?.HttpTokens, 'required');
    assert.equal(template.MetadataOptions?.HttpPutResponseHopLimit, 1);
    assert.equal(template.IamInstanceProfile?.Name, 'gm-demo-instance');
    assert.deepEqual(template.BlockDeviceMappings?.map((m) => [m.Ebs?.Encrypted, m.Ebs?.VolumeType]), [[true, 'gp3']]);
    assert.equal(template.NetworkInterfaces?.[0]?.AssociatePublicIpAddress, true, 'a public address for the SSM agent (no NAT)');

    const volumes = (await aws.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] }))).Volumes ?? [];
    // moto adds a default root volume of its own beside the template's; the template's device is the one to check.
    const device = template.BlockDeviceMappings?.[0]?.DeviceName;
    const root = volumes.filter((v) => v.Attachments?.some((a) => a.Device === device));
    assert.equal(root.length, 1, `one volume at ${device}`);
    assert.equal(root[0]!.Encrypted, true, 'root volume encrypted');

    const fs = (await aws.efs.send(new DescribeFileSystemsCommand({ FileSystemId: result.state.resources.efs!.id }))).FileSystems![0]!;
    assert.equal(fs.Encrypted, true);
    assert.equal(tagValue(fs.Tags, TAG_STACK), 'demo');

    const groups = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: `tag:${TAG_STACK}`, Values: ['demo'] }] }))).SecurityGroups ?? [];
    for (const group of groups) {
      for (const permission of group.IpPermissions ?? []) {
        assert.ok(!(permission.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0'), `${group.GroupId} open to the internet`);
        assert.ok(!(permission.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === '::/0'));
      }
    }
    const subnets = (await aws.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: `tag:${TAG_STACK}`, Values: ['demo'] }] }))).Subnets ?? [];
    assert.equal(new Set(subnets.map((s) => s.AvailabilityZone)).size, 2, 'subnets in two AZs');

    const secrets = (await aws.ssm.send(new GetParametersByPathCommand({ Path: '/geusemaker/demo/', WithDecryption: true }))).Parameters ?? [];
    assert.equal(secrets.length, SECRETS.length);
    const userData = (await aws.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'userData' }))).UserData?.Value ?? '';
    const userDataBytes = Buffer.from(userData, 'base64');
    // UserData is sent gzip-compressed (magic bytes 1f 8b); cloud-init unpacks it on the instance.
    const userDataText = (userDataBytes[0] === 0x1f && userDataBytes[1] === 0x8b ? gunzipSync(userDataBytes) : userDataBytes).toString('utf8');
    assert.match(userDataText, /mount-efs/);
    const stateText = readFileSync(engine.store.filePath('demo'), 'utf8');
    for (const secret of secrets) {
      assert.ok(secret.Value && secret.Value.length >= 16);
      assert.ok(!userDataText.includes(secret.Value!), `UserData contains ${secret.Name}`);
      assert.ok(!stateText.includes(secret.Value!), `state contains ${secret.Name}`);
    }
    aws.destroy();
    engine.dispose();
  });

  it('keeps data on destroy, reattaches it on the next deploy, and --delete-data removes everything', async () => {
    const engine = testEngine();
    const first = await engine.deploy(devConfig());
    const fsId = first.state.resources.efs!.id;
    // What the instance's bootstrap writes with its role: untagged, the stack's own, never data.
    const writer = inspector();
    await writer.ssm.send(new PutParameterCommand({ Name: '/geusemaker/demo/status/bootstrap', Type: 'String', Value: '{"state":"ok","step":"finish","at":"2026-11-23T00:00:00Z"}' }));
    writer.destroy();
    const events: ProgressEvent[] = [];
    const destroyed = await engine.destroy('demo', { onProgress: (e) => events.push(e) });
    assert.equal(destroyed.stateRemoved, false);
    const outcome = (step: string) => events.flatMap((e) => (e.type === 'step-done' && e.step === step ? [e.outcome] : []))[0];
    assert.equal(outcome('efs'), 'kept', 'progress says the file system is kept');
    assert.equal(outcome('secrets'), 'kept');
    assert.equal(outcome('vpc'), 'deleted');
    assert.ok(destroyed.keptMonthlyCost, 'kept data cost is reported');
    const afterKeep = countByKind(await sweep());
    assert.deepEqual(afterKeep, { efs: 1, 'ssm-parameter': SECRETS.length });

    const aws = inspector();
    const secretsBefore = (await aws.ssm.send(new GetParametersByPathCommand({ Path: '/geusemaker/demo/', WithDecryption: true, Recursive: true }))).Parameters!.map((p) => p.Value).sort();
    assert.equal(secretsBefore.length, SECRETS.length, 'the bootstrap status went with the instance; only secrets are kept');
    const plan = await engine.plan(devConfig());
    assert.equal(plan.items.find((i) => i.step === 'efs')?.action, 'keep');
    const second = await engine.deploy(devConfig());
    assert.equal(second.state.resources.efs!.id, fsId, 'same file system reattached');
    const secretsAfter = (await aws.ssm.send(new GetParametersByPathCommand({ Path: '/geusemaker/demo/', WithDecryption: true }))).Parameters!.map((p) => p.Value).sort();
    assert.deepEqual(secretsAfter, secretsBefore, 'same secrets reused');

    const gone = await engine.destroy('demo', { deleteData: true, finalBackup: false });
    assert.equal(gone.stateRemoved, true);
    assert.deepEqual(await sweep(), []);
    aws.destroy();
    engine.dispose();
  });
});
