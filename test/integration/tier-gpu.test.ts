import assert from 'node:assert/strict';
import type { ProgressEvent } from '../../src/engine/progress';
import { countByKind, gpuConfig, sweep, testEngine } from '../harness/engine';
import { holdDistributionsInProgress, releaseDistributions, StrictCloudFront } from '../harness/strict-cloudfront';
import { assertBehindCloudFront } from '../harness/tier-checks';

describe('gpu tier behind the load balancer and CloudFront (moto; DLAMI seeded, GPU quotas from recorded responses)', function () {
  this.timeout(180_000);
  afterEach(() => releaseDistributions());

  it('deploys behind ALB (two AZs) and CloudFront (http-only origin, header-guarded listener), and destroy leaves the tag sweep empty', async () => {
    const engine = testEngine();
    const result = await engine.deploy(gpuConfig());
    assert.equal(result.state.status, 'deployed');
    await assertBehindCloudFront(result.state);
    const counts = countByKind(await sweep());
    assert.equal(counts['load-balancer'], 1);
    assert.equal(counts['target-group'], 1);
    assert.equal(counts['cloudfront-distribution'], 1);
    const gone = await engine.destroy('demo', { deleteData: true, finalBackup: false });
    assert.equal(gone.stateRemoved, true);
    assert.deepEqual(await sweep(), []);
    engine.dispose();
  });

  it('CloudFront held InProgress by moto\'s state manager: progress is shown, the instance is healthy behind the ALB meanwhile, and destroy deletes it in the required order', async () => {
    await holdDistributionsInProgress(25);
    const strict = new StrictCloudFront(2);
    const engine = testEngine({ instrument: strict.instrument });
    const events: ProgressEvent[] = [];
    await engine.deploy(gpuConfig(), { onProgress: (e) => events.push(e) });
    const waits = events.flatMap((e) => (e.type === 'step-waiting' && e.step === 'cloudfront-deployed' ? [e.waitingFor] : []));
    assert.ok(waits.length >= 2 && /InProgress/.test(waits[0]!), 'CloudFront progress shown');
    const started = events.findIndex((e) => e.type === 'step-started' && e.step === 'cloudfront-deployed');
    const healthy = events.findIndex((e) => e.type === 'step-done' && e.step === 'target-healthy');
    assert.ok(started >= 0 && healthy >= 0);
    // Nothing waits on CloudFront: the instance launches and turns healthy once the distribution exists.
    const instanceStarted = events.findIndex((e) => e.type === 'step-started' && e.step === 'instance');
    const deployed = events.findIndex((e) => e.type === 'step-done' && e.step === 'cloudfront-deployed');
    assert.ok(instanceStarted < deployed, 'the instance did not wait for CloudFront to deploy');

    strict.calls.length = 0;
    await engine.destroy('demo', { deleteData: true, finalBackup: false });
    assert.deepEqual(strict.violations, []);
    const ops = strict.calls.filter((c) => !/List|Tags/.test(c.operation)).map((c) => c.operation.replace('cloudfront:', ''));
    assert.deepEqual(ops.filter((op, i) => op !== ops[i - 1]), ['GetDistributionConfig', 'UpdateDistribution', 'GetDistribution', 'DeleteDistribution']);
    assert.deepEqual(await sweep(), []);
    engine.dispose();
  });
});
