import assert from 'node:assert/strict';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { devConfig, inspector, testEngine } from '../harness/engine';

/**
 * EFS storage to date from CloudWatch's StorageBytes readings (moto stores what PutMetricData sends, as AWS/EFS
 * would publish it), and a redeploy that reuses the file system keeping when it was created.
 */
describe('cost to date: EFS from its CloudWatch size history (moto)', function () {
  this.timeout(120_000);

  it('prices the file system from its daily size readings, and a redeploy keeps its creation time', async () => {
    const engine = testEngine();
    await engine.deploy(devConfig());
    const before = await engine.show('demo');
    const fileSystemId = before?.resources.efs?.id;
    assert.ok(fileSystemId);
    const createdAt = before?.resources.efs?.attrs.createdAt;
    assert.ok(createdAt, 'the journal records when the file system was made');

    // No readings yet: the size now stands in, and the basis says so.
    assert.match((await engine.costToDate('demo')).basis, /its size now; CloudWatch had no size history/);

    // A reading well inside the file system's life so far, whatever the machine's speed.
    const now = Date.now();
    const readingAt = new Date((Date.parse(createdAt) + now) / 2);
    await inspector().cloudwatch.send(new PutMetricDataCommand({
      Namespace: 'AWS/EFS',
      MetricData: [{
        MetricName: 'StorageBytes', Timestamp: readingAt, Value: 40 * 1024 ** 3, Unit: 'Bytes',
        Dimensions: [{ Name: 'FileSystemId', Value: fileSystemId }, { Name: 'StorageClass', Value: 'Total' }],
      }],
    }));
    const measured = await engine.costToDate('demo', new Date(now + 60_000));
    assert.match(measured.basis, /EFS from 1 daily CloudWatch size reading\(s\), 40–40 GB/);
    assert.ok(measured.storageUsd > 0);

    await engine.deploy(devConfig());
    const after = await engine.show('demo');
    assert.equal(after?.resources.efs?.id, fileSystemId, 'reused, not recreated');
    assert.equal(after?.resources.efs?.attrs.createdAt, createdAt, 'a redeploy does not move the creation time cost to date counts from');
    engine.dispose();
  });
});
