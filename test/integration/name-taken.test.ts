import assert from 'node:assert/strict';
import { GeuseError } from '../../src/engine/errors';
import { countByKind, devConfig, sweep, testEngine } from '../harness/engine';

describe('a stack name is unique per AWS account', function () {
  this.timeout(120_000);

  it('refuses a name whose tagged resources this machine does not know, creating nothing, and --adopt takes them over', async () => {
    const elsewhere = testEngine();
    await elsewhere.deploy(devConfig());
    elsewhere.dispose();
    const before = await sweep();

    const here = testEngine();
    await assert.rejects(here.deploy(devConfig()), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'NAME_TAKEN');
      assert.equal(error.kind, 'refused');
      assert.match(error.message, /"demo" is already used/);
      assert.match(error.nextStep, /--adopt/);
      // Never advice to destroy a stack that belongs to someone else.
      assert.doesNotMatch(error.nextStep, /destroy/);
      return true;
    });
    assert.equal((await sweep()).length, before.length, 'nothing was created');
    assert.equal(await here.show('demo'), undefined, 'no state was written');

    const adopted = await here.deploy(devConfig(), { adopt: true });
    assert.equal(adopted.state.status, 'deployed');
    assert.deepEqual(countByKind(await sweep()), countByKind(before), 'adopted, not duplicated');
    await here.destroy('demo', { deleteData: true });
    here.dispose();
    assert.deepEqual(await sweep(), []);
  });

  it('plan shows create for a new stack and reuse for a deployed one', async () => {
    const engine = testEngine();
    const fresh = await engine.plan(devConfig());
    assert.ok(fresh.items.every((item) => item.action === 'create'), JSON.stringify(fresh.items));
    assert.deepEqual(await sweep(), [], 'planning creates nothing');
    await engine.deploy(devConfig());
    const again = await engine.plan(devConfig());
    assert.equal(again.items.find((i) => i.step === 'vpc')?.action, 'reuse');
    assert.equal(again.items.find((i) => i.step === 'instance')?.action, 'reuse');
    engine.dispose();
  });
});
