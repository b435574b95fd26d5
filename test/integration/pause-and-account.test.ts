import assert from 'node:assert/strict';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { bootstrapStatusParameter } from '../../src/engine/bootstrap/status';
import { GeuseError } from '../../src/engine/errors';
import { countByKind, devConfig, inspector, sweep, testEngine } from '../harness/engine';

describe('pause, resume, live status and finding stacks in the account', function () {
  this.timeout(180_000);

  it('pause terminates only the instance and keeps network and data; resume launches a new instance on the same file system', async () => {
    const engine = testEngine();
    const deployed = await engine.deploy(devConfig());
    const before = countByKind(await sweep());
    const fileSystem = deployed.state.resources.efs?.id;
    const firstInstance = deployed.state.resources.instance?.id;

    const paused = await engine.pause('demo');
    assert.deepEqual(paused.terminated, [firstInstance]);
    const afterPause = countByKind(await sweep());
    assert.equal(afterPause.instance ?? 0, 0, 'no instance bills while paused');
    assert.equal(afterPause.efs, before.efs);
    assert.equal(afterPause.vpc, before.vpc);
    assert.equal(afterPause['security-group'], before['security-group']);
    const state = await engine.show('demo');
    assert.equal(state?.status, 'paused');
    assert.equal(state?.compute.length, 1, 'the instance\'s running time is kept for cost to date');
    assert.equal(state?.compute[0]?.instanceId, firstInstance);
    assert.ok(state?.compute[0]?.endedAt, 'and it ended with the pause');
    assert.equal(state?.resources.instance, undefined);
    assert.equal((await engine.liveStatus('demo')).instanceState, 'none');
    await assert.rejects(engine.pause('demo'), (error: unknown) => error instanceof GeuseError && error.code === 'NOT_PAUSABLE' && /already paused/.test(error.nextStep));

    const resumed = await engine.resume('demo');
    assert.equal(resumed.state.status, 'deployed');
    assert.equal(resumed.state.resources.efs?.id, fileSystem, 'same data');
    assert.notEqual(resumed.state.resources.instance?.id, firstInstance, 'a new instance');
    assert.deepEqual(countByKind(await sweep()), before, 'nothing duplicated');
    assert.deepEqual(resumed.state.compute.map((c) => [c.instanceId, c.endedAt === undefined]), [[firstInstance, false], [resumed.state.resources.instance?.id, true]]);
    await assert.rejects(engine.resume('demo'), (error: unknown) => error instanceof GeuseError && error.code === 'NOT_PAUSED');
    engine.dispose();
  });

  it('live status reports the instance state and the bootstrap report the instance wrote', async () => {
    const engine = testEngine();
    await engine.deploy(devConfig());
    const first = await engine.liveStatus('demo');
    assert.equal(first.instanceState, 'running');
    assert.equal(first.bootstrap, undefined, 'nothing reported yet');
    assert.equal(first.compute?.condition, 'healthy', 'what the group says');
    await inspector().ssm.send(new PutParameterCommand({
      Name: bootstrapStatusParameter('demo'), Type: 'String', Overwrite: true, Value: JSON.stringify({ state: 'failed', step: 'mount-efs', at: '2026-11-23T10:00:00Z' }),
    }));
    const live = await engine.liveStatus('demo');
    assert.equal(live.bootstrap?.state, 'failed');
    assert.equal(live.bootstrap?.step, 'mount-efs');
    engine.dispose();
  });

  it('finds a stack tracked nowhere on this machine by its tags, imports it, and can then destroy it', async () => {
    const elsewhere = testEngine();
    await elsewhere.deploy(devConfig({ instanceType: 't3.large', market: 'on-demand' }));
    elsewhere.dispose();

    const here = testEngine();
    const found = await here.findInAccount('us-east-1');
    assert.equal(found.length, 1);
    assert.equal(found[0]?.name, 'demo');
    assert.equal(found[0]?.tracked, false);
    assert.equal(found[0]?.running, true, 'a running instance is flagged: it costs money');

    const imported = await here.importFromAccount('demo', 'us-east-1');
    assert.equal(imported.status, 'deployed');
    assert.equal(imported.config.instanceType, 't3.large');
    assert.ok(imported.resources.instance?.id?.startsWith('i-'));
    assert.ok(imported.resources.efs?.id?.startsWith('fs-'));
    assert.equal((await here.findInAccount('us-east-1'))[0]?.tracked, true);
    await assert.rejects(here.importFromAccount('demo', 'us-east-1'), (error: unknown) => error instanceof GeuseError && error.code === 'ALREADY_TRACKED');

    await here.destroy('demo', { deleteData: true, finalBackup: false });
    assert.deepEqual(await sweep(), []);
    assert.deepEqual(await here.findInAccount('us-east-1'), []);
    here.dispose();
  });
});
