import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import { DeregisterImageCommand, DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../src/engine/aws/clients';
import { testedImages } from '../../src/engine/bootstrap/compose';
import { GeuseError } from '../../src/engine/errors';
import { GEUSEMAKER_RELEASE } from '../../src/engine/plan/pins';
import { renderPlan } from '../../src/engine/present/text';
import { devConfig, inspector, launchTemplateData, tempDir, testEngine } from '../harness/engine';
import { cli } from '../cli/run-cli';
import { recordedBackup } from '../harness/recorded-backup';
import { newestAl2023, OLDER_AMI, OLDER_AMI_NAME, OLDER_IMAGES, seedOlderPins, Timeline } from '../harness/upgrade-pins';
import { UpgradeSsm } from '../harness/upgrade-ssm';

async function imageOf(aws: AwsClients, instanceId: string): Promise<string | undefined> {
  const out = await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return out.Reservations?.[0]?.Instances?.[0]?.ImageId;
}

function script(userData: string | undefined): string {
  return gunzipSync(Buffer.from(userData ?? '', 'base64')).toString('utf8');
}

async function rejection(promise: Promise<unknown>): Promise<GeuseError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GeuseError) return error;
    throw error;
  }
  assert.fail('expected a GeuseError');
}

const TESTED = testedImages();

describe('pinned versions and `geusemaker upgrade`', function () {
  this.timeout(240_000);

  it('a redeploy keeps the pinned AMI and images although newer ones exist (no replacement, nothing pushed) and says upgrade is available; a deregistered pin is said, and refused where an instance would boot from it', async () => {
    const ssm = new UpgradeSsm();
    const engine = testEngine({ ssm: ssm.factory });
    const aws = inspector();
    try {
      const newest = await newestAl2023(aws);
      await seedOlderPins(engine, devConfig(), { amiId: OLDER_AMI });
      const first = await engine.deploy(devConfig());
      const instanceId = first.state.resources.instance!.id!;
      assert.equal(await imageOf(aws, instanceId), OLDER_AMI, 'launched from the pinned AMI, not the newest');
      const launched = await launchTemplateData(aws);
      assert.match(script(launched.UserData), /n8n:1\.79\.3/, 'the pinned images');

      const plan = await engine.plan(devConfig());
      assert.equal(plan.diff?.unchanged, true, renderPlan(plan).join('\n'));
      assert.equal(plan.facts.amiId, OLDER_AMI);
      assert.deepEqual(plan.upgrade, {
        images: [{ service: 'n8n', from: OLDER_IMAGES.n8n, to: TESTED.n8n }, { service: 'ollama', from: OLDER_IMAGES.ollama, to: TESTED.ollama }],
        ami: { from: OLDER_AMI, to: newest.id, ...(newest.name ? { toName: newest.name } : {}) },
      });
      const advice = plan.warnings.find((w) => w.startsWith('Newer versions'));
      assert.match(advice ?? '', new RegExp(`images n8n 1\\.79\\.3 → 1\\.80\\.3, ollama 0\\.5\\.7 → 0\\.5\\.12; AMI ${OLDER_AMI} → ${newest.id}.*\\. Deploy keeps the pinned ones; run \`geusemaker upgrade demo\``));

      const again = await engine.deploy(devConfig());
      assert.equal(again.state.resources.instance!.id, instanceId, 'not replaced');
      assert.equal(ssm.pushed.length, 0, 'nothing pushed');
      assert.equal(again.state.resources['launch-template']!.attrs.version, first.state.resources['launch-template']!.attrs.version, 'no new launch template version');
      assert.deepEqual({ ami: again.state.pins?.amiId, n8n: again.state.pins?.images.n8n, release: again.state.pins?.release }, { ami: OLDER_AMI, n8n: OLDER_IMAGES.n8n, release: '0.0.9' });

      // A stack deployed before pins existed: pinned to the AMI its launch template boots (read from EC2).
      const unpinned = (await engine.store.read('demo'))!;
      const pins = unpinned.pins;
      unpinned.pins = undefined;
      await engine.store.write(unpinned);
      const legacy = await engine.plan(devConfig());
      assert.equal(legacy.facts.amiId, OLDER_AMI);
      assert.equal(legacy.diff?.instance.some((d) => d.field === 'ami'), false, 'no replacement for a newer AMI');
      assert.equal(legacy.upgrade?.ami?.to, newest.id);
      unpinned.pins = pins;
      await engine.store.write(unpinned);

      // Its publisher deregisters the pinned AMI: the running instance is kept, the plan says so.
      await aws.ec2.send(new DeregisterImageCommand({ ImageId: OLDER_AMI }));
      const gone = await engine.plan(devConfig());
      assert.equal(gone.diff?.instance.length, 0);
      assert.match(gone.warnings.join('\n'), new RegExp(`The AMI this stack is pinned to, ${OLDER_AMI} \\(${OLDER_AMI_NAME}\\), no longer exists in us-east-1 .* the running instance keeps running, but a replacement .* could not boot from it\\. Run \`geusemaker upgrade demo\` to move the stack to ${newest.id}`));
      // A change that needs a new instance would boot from it: refused before anything changes.
      const refused = await rejection(engine.plan(devConfig({ instanceType: 't3.2xlarge' })));
      assert.equal(refused.code, 'AMI_NOT_FOUND');
      assert.match(refused.message, /no longer exists in us-east-1 .* so this deploy could not launch an instance from it; nothing was changed/);
      assert.match(refused.nextStep, /geusemaker upgrade demo/);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('older images and AMI: the plan lists both (images in place, the AMI by replacement); upgrade backs up first, then a new launch template version and an instance refresh; n8n failing its health rounds rolls everything back, pins unchanged, backup kept (SSM Run Command and Backup jobs recorded)', async () => {
    const timeline = new Timeline();
    const backups = recordedBackup();
    const ssm = new UpgradeSsm();
    ssm.onCommand = (event) => timeline.entries.push(`ssm:${event.kind}`);
    const engine = testEngine({ ssm: ssm.factory, instrument: timeline.instrument, backup: timeline.backup(backups) });
    const aws = inspector();
    try {
      const newest = await newestAl2023(aws);
      await seedOlderPins(engine, devConfig(), { amiId: OLDER_AMI });
      const first = await engine.deploy(devConfig());
      const templateId = first.state.resources['launch-template']!.id!;

      const plan = await engine.upgrades.planUpgrade('demo');
      assert.equal(plan.upToDate, false);
      assert.deepEqual(plan.images, [{ service: 'n8n', from: OLDER_IMAGES.n8n, to: TESTED.n8n }, { service: 'ollama', from: OLDER_IMAGES.ollama, to: TESTED.ollama }]);
      assert.deepEqual(plan.ami, { from: OLDER_AMI, to: newest.id, ...(newest.name ? { toName: newest.name } : {}) });
      assert.equal(plan.backupFirst, true);
      assert.deepEqual(plan.deploy.diff?.instance.map((d) => [d.field, d.how]), [['ami', 'replace']], 'a new AMI replaces the instance (it boots the new images too)');
      assert.match(renderPlan(plan.deploy).join('\n'), new RegExp(`-/\\+\\s+replace\\s+Instance on this configuration .*AMI ${OLDER_AMI} → ${newest.id}.*: an instance refresh replaces`));

      // The new AMI's n8n crash-loops.
      ssm.broken = async (instanceId) => (await imageOf(aws, instanceId)) === newest.id;
      timeline.clear();
      let asked = 0;
      const result = await engine.upgrades.upgrade('demo', { confirm: async () => ++asked > 0 });
      assert.equal(asked, 1);

      // The backup came first: flushed on the instance, started and waited for before anything changed.
      const firstChange = timeline.entries.findIndex((entry) => /^(ec2|autoscaling):|^ssm:push$/.test(entry));
      assert.ok(firstChange > 0, timeline.entries.join('\n'));
      const before = timeline.entries.slice(0, firstChange);
      const at = (entry: string) => before.indexOf(entry);
      assert.ok(at('ssm:flush') >= 0 && at('ssm:flush') < at('backup:startBackupJob') && at('backup:startBackupJob') < before.lastIndexOf('backup:describeBackupJob'), before.join(', '));
      const recorded = backups.in();
      const started = recorded.calls.find((call) => call.operation === 'StartBackupJob')!.input as { vaultName: string; recoveryPointTags: Record<string, string> };
      assert.ok(result.backup, 'the backup is reported');
      assert.ok(recorded.recoveryPointsIn(started.vaultName).some((point) => point.recoveryPointArn === result.backup!.recoveryPointArn), 'its recovery point exists');
      assert.equal(recorded.calls.some((call) => call.operation === 'DeleteRecoveryPoint'), false, 'and is kept');

      // Applied: a launch template version with the new AMI and images, through an instance refresh…
      const versions = ((await aws.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId }))).LaunchTemplateVersions ?? [])
        .sort((a, b) => (a.VersionNumber ?? 0) - (b.VersionNumber ?? 0));
      const upgraded = versions.find((v) => v.LaunchTemplateData?.ImageId === newest.id);
      assert.ok(upgraded, 'a version with the new AMI');
      assert.ok(script(upgraded.LaunchTemplateData?.UserData).includes(TESTED.n8n), 'and the tested images');
      const unhealthy = ssm.events.filter((e) => e.kind === 'health' && e.healthy === false);
      assert.ok(unhealthy.length >= 3, 'n8n failed 3 rounds in a row on the new instance');
      assert.equal(await imageOf(aws, unhealthy[0]!.instanceId), newest.id);
      // …then rolled back: the latest version boots the old AMI and images again, on a new instance that is healthy.
      const latest = versions.at(-1)!;
      assert.equal(latest.LaunchTemplateData?.ImageId, OLDER_AMI);
      assert.match(script(latest.LaunchTemplateData?.UserData), /n8n:1\.79\.3/);
      const refreshes = (await aws.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'gm-demo' }))).InstanceRefreshes ?? [];
      assert.equal(refreshes.filter((r) => r.Status === 'Successful').length, 2, 'one refresh to the new AMI, one back');
      assert.equal(ssm.events.at(-1)?.healthy, true, 'healthy again on the previous versions');

      assert.match(result.rolledBack?.reason ?? '', /n8n unhealthy \(Its container keeps restarting .*\) in 3 health rounds in a row/);
      const state = (await engine.store.read('demo'))!;
      assert.equal(await imageOf(aws, state.resources.instance!.id!), OLDER_AMI);
      assert.deepEqual({ ami: state.pins?.amiId, n8n: state.pins?.images.n8n, release: state.pins?.release }, { ami: OLDER_AMI, n8n: OLDER_IMAGES.n8n, release: '0.0.9' }, 'pins unchanged');
      assert.equal(state.history.some((v) => v.summary.some((line) => line.startsWith('upgrade:'))), false, 'no upgrade recorded');
      assert.equal(state.pending, undefined);
      const next = await engine.plan(devConfig());
      assert.equal(next.diff?.unchanged, true, renderPlan(next).join('\n'));
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('older images, backups off: refused without --skip-backup; with it the new images are pushed in place (pulled before the containers are recreated), health passes, pins and a history version are recorded, and the stack is up to date (SSM Run Command recorded)', async () => {
    const ssm = new UpgradeSsm();
    const backups = recordedBackup();
    const engine = testEngine({ ssm: ssm.factory, backup: backups });
    const config = devConfig({ backup: { enabled: false } });
    try {
      await seedOlderPins(engine, config);
      const first = await engine.deploy(config);
      const instanceId = first.state.resources.instance!.id!;

      const plan = await engine.upgrades.planUpgrade('demo');
      assert.deepEqual(plan.images.map((i) => i.service), ['n8n', 'ollama']);
      assert.equal(plan.ami, undefined, 'the pinned AMI is the newest');
      assert.equal(plan.backupFirst, false);
      assert.deepEqual(plan.deploy.diff?.instance.map((d) => [d.field, d.how]), [['bootstrap', 'in-place']]);
      assert.match(renderPlan(plan.deploy).join('\n'), /~ running instance: services and settings on the instance \(images n8n 1\.79\.3 → 1\.80\.3, ollama 0\.5\.7 → 0\.5\.12\) updated in place/);

      const refused = await rejection(engine.upgrades.upgrade('demo', { confirm: async () => assert.fail('asked before refusing') }));
      assert.equal(refused.code, 'UPGRADE_NEEDS_BACKUP');
      assert.match(refused.nextStep, /--skip-backup/);
      assert.equal(ssm.pushed.length, 0, 'nothing changed');

      const result = await engine.upgrades.upgrade('demo', { skipBackup: true });
      assert.equal(result.rolledBack, undefined);
      assert.equal(result.backup, undefined);
      assert.equal(backups.in().calls.some((call) => call.operation === 'StartBackupJob'), false);
      assert.deepEqual(ssm.pushed.map((p) => p.instanceId), [instanceId], 'pushed to the running instance: nothing replaced');
      const pushed = ssm.pushed[0]!.bootstrap;
      assert.ok(pushed.includes(TESTED.n8n) && pushed.includes(TESTED.ollama), 'the tested images');
      assert.ok(pushed.indexOf('step pull-images') < pushed.indexOf('step start'), 'compose pulls the images before it recreates the containers');
      assert.equal(ssm.events.at(-1)?.kind, 'health');

      const state = (await engine.store.read('demo'))!;
      assert.deepEqual({ n8n: state.pins?.images.n8n, ollama: state.pins?.images.ollama, release: state.pins?.release }, { n8n: TESTED.n8n, ollama: TESTED.ollama, release: GEUSEMAKER_RELEASE });
      assert.deepEqual(state.history.at(-1)?.summary, ['upgrade: n8n 1.79.3 → 1.80.3, ollama 0.5.7 → 0.5.12']);
      assert.equal((await engine.upgrades.planUpgrade('demo')).upToDate, true);
      const after = await engine.plan(config);
      assert.equal(after.diff?.unchanged, true, renderPlan(after).join('\n'));
      assert.equal(after.upgrade, undefined);
    } finally {
      engine.dispose();
    }
  });

  it('geusemaker upgrade: shows the versions and the deploy plan and asks (refused without a terminal); --yes upgrades with progress on stderr; --json says up to date after (SSM Run Command and Backup jobs recorded)', async () => {
    const ssm = new UpgradeSsm();
    const backup = recordedBackup();
    const stateDir = tempDir('gm-upgrade-cli-');
    const engine = testEngine({ stateDir, ssm: ssm.factory, backup });
    try {
      await seedOlderPins(engine, devConfig());
      await engine.deploy(devConfig());
    } finally {
      engine.dispose();
    }
    const run = (argv: string[]) => cli(argv, { stateDir, ssm: ssm.factory, backup });

    const asked = await run(['upgrade', 'demo']);
    assert.equal(asked.code, 3, asked.stderr);
    assert.match(asked.stdout, new RegExp(`Upgrade stack demo to GeuseMaker ${GEUSEMAKER_RELEASE.replaceAll('.', '\\.')}'s tested versions:\\n  n8n: docker\\.n8n\\.io/n8nio/n8n:1\\.79\\.3 → docker\\.n8n\\.io/n8nio/n8n:1\\.80\\.3 \\(in place`));
    assert.match(asked.stdout, /A backup of its file system is taken first/);
    assert.match(asked.stdout, /~ running instance: services and settings on the instance \(images n8n 1\.79\.3 → 1\.80\.3/);
    assert.match(asked.stderr, /needs confirmation.*geusemaker upgrade demo --yes/s);
    assert.equal(ssm.pushed.length, 0, 'nothing changed');

    const done = await run(['upgrade', 'demo', '--yes']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /Stack demo is upgraded to n8n docker\.n8n\.io\/n8nio\/n8n:1\.80\.3, ollama ollama\/ollama:0\.5\.12, and every service passed its health check/);
    assert.match(done.stdout, /The backup taken first is kept: arn:aws:backup:us-east-1:\d+:recovery-point:/);
    assert.match(done.stderr, /Backing up stack demo before the upgrade/);
    assert.equal(ssm.pushed.length, 1);

    const after = await run(['upgrade', 'demo', '--json']);
    assert.equal(after.code, 0, after.stderr);
    assert.equal((JSON.parse(after.stdout) as { plan: { upToDate: boolean } }).plan.upToDate, true);
  });
});
