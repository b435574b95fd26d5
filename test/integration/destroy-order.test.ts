import assert from 'node:assert/strict';
import { GeuseError } from '../../src/engine/errors';
import type { ProgressEvent } from '../../src/engine/progress';
import { countByKind, devConfig, sweep, tempDir, testEngine } from '../harness/engine';
import { StrictAws } from '../harness/strict-aws';
import { FaultInjector } from '../harness/faults';

describe('destroy order and cancellation', function () {
  this.timeout(120_000);

  it('deletes in the order real AWS requires, retrying while dependents linger, and leaves nothing', async () => {
    const strict = new StrictAws();
    const engine = testEngine({ instrument: strict.instrument });
    await engine.deploy(devConfig());
    const result = await engine.destroy('demo', { deleteData: true, finalBackup: false });
    engine.dispose();
    assert.equal(result.stateRemoved, true);
    assert.deepEqual(await sweep(), []);
    // Only the simulated lingering ENIs may have been refused: everything else came in a valid order.
    assert.deepEqual(strict.violations.filter((v) => !v.includes('lingering ENI')), []);
    assert.equal(strict.violations.length, 2, 'the lingering-ENI refusals were retried');
  });

  it('a cancelled deploy stops safely, records its state, and the next deploy finishes without duplicates', async () => {
    const stateDir = tempDir('gm-cancel-');
    const engine = testEngine({ stateDir, timing: { pollIntervalMs: 50 } });
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    await assert.rejects(engine.deploy(devConfig(), {
      signal: controller.signal,
      onProgress: (event) => {
        events.push(event);
        if (event.type === 'step-done' && event.step === 'vpc') controller.abort();
      },
    }), (error: unknown) => error instanceof GeuseError && error.kind === 'cancelled' && /journal/.test(error.message));
    assert.ok(events.some((e) => e.type === 'step-done' && e.elapsedMs >= 0), 'done events carry elapsed time');
    const state = await engine.show('demo');
    assert.equal(state?.status, 'deploy_failed');
    assert.equal(state?.lastError?.code, 'CANCELLED');
    const result = await engine.deploy(devConfig());
    engine.dispose();
    assert.equal(result.state.status, 'deployed');
    const counts = countByKind(await sweep());
    assert.equal(counts.vpc, 1);
    assert.equal(counts.instance, 1);
    assert.equal(counts.efs, 1);
  });
});

describe('a destroy that fails part-way', function () {
  this.timeout(120_000);

  it('keeps the state as destroy_failed, and a re-run finishes the job', async () => {
    const stateDir = tempDir('gm-destroy-fail-');
    const engine = testEngine({ stateDir });
    await engine.deploy(devConfig());
    engine.dispose();
    const faults = new FaultInjector([{ operation: 'ec2:DeleteVpc', mode: 'before', error: { name: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.', status: 403 } }]);
    const failing = testEngine({ stateDir, instrument: faults.instrument });
    await assert.rejects(failing.destroy('demo', { deleteData: true, finalBackup: false }), (error: unknown) => error instanceof GeuseError && /ec2:DeleteVpc/.test(error.message));
    const state = await failing.show('demo');
    failing.dispose();
    assert.equal(state?.status, 'destroy_failed');
    assert.ok(state?.resources.vpc?.id, 'the journal still knows the VPC');
    assert.equal(countByKind(await sweep()).vpc, 1);

    const retry = testEngine({ stateDir });
    const result = await retry.destroy('demo', { deleteData: true, finalBackup: false });
    assert.equal(result.stateRemoved, true);
    assert.equal(await retry.show('demo'), undefined);
    retry.dispose();
    assert.deepEqual(await sweep(), []);
  });
});
