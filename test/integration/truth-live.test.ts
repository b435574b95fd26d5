import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { listingJson, renderList, renderShow } from '../../src/engine/present/text';
import { Engine } from '../../src/engine/engine';
import { devConfig, FAST_TIMING, interruptThroughGroup, testEngine } from '../harness/engine';

const HOUR = 3_600_000;

describe('show, list and cost say what EC2 says now', function () {
  this.timeout(120_000);

  it('show and list say what the group did: the instance interrupted and the one that replaced it, with the reason; and label the status as recorded when AWS is not reachable', async () => {
    const engine = testEngine();
    const offline = new Engine({ stateDir: engine.store.dir, endpoint: 'http://127.0.0.1:9', maxAttempts: 1, timing: FAST_TIMING, index: null });
    try {
      const deployed = await engine.deploy(devConfig());
      const running = await engine.show('demo', { live: true });
      assert.equal(running?.live?.source, 'aws');
      assert.equal(running?.live?.instanceState, 'running');
      assert.equal(running?.live?.compute?.condition, 'healthy');
      assert.match(renderShow(running!).join('\n'), /^Stack demo \(deployed, healthy\) in us-east-1/);

      const oldId = deployed.state.resources.instance!.id!;
      await interruptThroughGroup(oldId);
      const shown = await engine.show('demo', { live: true });
      assert.equal(shown?.status, 'deployed', 'the recorded status is kept as recorded');
      const compute = shown?.live?.compute;
      assert.equal(compute?.replacement?.oldInstanceId, oldId);
      assert.ok(compute?.instanceId && compute.instanceId !== oldId, 'the group\'s new instance is the one in service');
      assert.equal(shown?.live?.instanceId, compute?.instanceId);
      const text = renderShow(shown!).join('\n');
      assert.match(text, new RegExp(`^Stack demo \\(deployed \\(recorded\\); healthy: ${compute!.instanceId} in service .*replacing ${oldId} \\(.+\\) \\(AWS now\\)\\) in us-east-1`));
      const listings = await engine.list({ live: true });
      assert.match(renderList(listings, engine.store.dir).join('\n'), new RegExp(`demo\\s+deployed \\(recorded\\); healthy: .*\\s${compute!.instanceId}\\s`));
      assert.equal((listingJson(listings[0]!).live as { compute: { instanceId: string } }).compute.instanceId, compute!.instanceId);

      const unreachable = await offline.show('demo', { live: true });
      assert.equal(unreachable?.live?.source, 'recorded');
      assert.match(renderShow(unreachable!).join('\n'), /^Stack demo \(deployed \(recorded, AWS not reachable\)\) in us-east-1/);
      assert.match(renderShow(unreachable!).join('\n'), /! The status is as recorded \(AWS not reachable\)\. .*run the command again/i, 'says what to check');
      const offlineList = await offline.list({ live: true });
      assert.equal((listingJson(offlineList[0]!).live as { source: string }).source, 'recorded');
      assert.match(renderList(offlineList, engine.store.dir).join('\n'), /demo\s+deployed \(recorded, AWS not reachable\)/);
    } finally {
      offline.dispose();
      engine.dispose();
    }
  });

  it('cost to date stops counting an instance terminated outside GeuseMaker (a spot interruption) and never counts two at once after the redeploy', async () => {
    const engine = testEngine();
    try {
      const first = await engine.deploy(devConfig({ market: 'on-demand' }));
      await interruptThroughGroup(first.state.resources.instance!.id!);
      const later = new Date(Date.now() + 10 * HOUR);
      const before = await engine.costToDate('demo', later);
      assert.ok(before.intervals[0]!.hours < 0.1, `the gone instance stops at its termination, not 10 h later: ${before.intervals[0]!.hours} h`);
      // The group's replacement runs from its launch, before any deploy records it: one instance at a time.
      assert.equal(before.intervals.length, 2);
      const beforeHours = before.intervals.reduce((sum, run) => sum + run.hours, 0);
      assert.ok(beforeHours > 9.9 && beforeHours < 10.2, `one instance's 10 h: ${beforeHours}`);

      const second = await engine.deploy(devConfig({ market: 'on-demand' }));
      assert.notEqual(second.state.resources.instance!.id, first.state.resources.instance!.id, 'a new instance replaced it');
      assert.equal(second.state.compute.filter((run) => !run.endedAt).length, 1, 'exactly one open run');
      assert.equal(second.state.replacements.at(-1)?.oldInstanceId, first.state.resources.instance!.id, 'the replacement is in the history');
      const [gone, replacement] = second.state.compute;
      assert.ok(gone?.endedAt, 'the gone instance\'s run is ended in the state');
      assert.ok(Math.abs(Date.parse(gone.endedAt) - Date.now()) < 120_000, `ended when EC2 says it was terminated: ${gone.endedAt}`);
      assert.equal(replacement?.endedAt, undefined);
      assert.match(second.notes.join('\n'), new RegExp(`Instance ${gone.instanceId} is gone \\(EC2 says terminated\\)`));

      const after = await engine.costToDate('demo', later);
      const hours = after.intervals.reduce((sum, run) => sum + run.hours, 0);
      assert.ok(hours > 9.9 && hours < 10.2, `one instance's 10 h, not two instances' 20 h: ${hours}`);
    } finally {
      engine.dispose();
    }
  });

  it('state restore after the state file was corrupted brings back the deployed stack, not the write before it', async () => {
    const engine = testEngine();
    try {
      await engine.deploy(devConfig());
      writeFileSync(engine.store.filePath('demo'), '{ "truncated":');
      await engine.restore('demo');
      const shown = await engine.show('demo', { live: true });
      assert.equal(shown?.status, 'deployed');
      assert.ok(shown?.resources.instance?.id, 'with its instance');
    } finally {
      engine.dispose();
    }
  });

  it('cost prices a destroyed stack that kept its data by that data only: no compute, no load balancer, no CloudFront', async () => {
    const engine = testEngine();
    try {
      await engine.deploy(devConfig());
      const running = await engine.stackEstimate((await engine.list())[0]!.state!);
      await engine.destroy('demo');
      const [listed] = await engine.list();
      assert.equal(listed?.state?.status, 'destroyed');
      const kept = await engine.stackEstimate(listed!.state!);
      assert.deepEqual(kept.lines.map((line) => line.item), ['efs']);
      assert.match(kept.lines[0]!.basis, /kept after destroy: 0\.00 GB \(its size now\)/);
      assert.ok(kept.totalUsd < running.totalUsd && kept.totalUsd < 1, `${kept.totalUsd} < ${running.totalUsd}`);
      assert.equal(kept.spotSavings, undefined);
      const redeploy = await engine.estimate(devConfig());
      assert.equal(redeploy.totalUsd, running.totalUsd, 'a config (the wizard\'s) is priced as it would run');
      await engine.destroy('demo', { deleteData: true, finalBackup: false });
    } finally {
      engine.dispose();
    }
  });
});
