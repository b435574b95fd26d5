import assert from 'node:assert/strict';
import { GetDistributionConfigCommand, ListDistributionsCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { LB_KEYS } from '../../src/engine/resources/public-url';
import { automationConfig, inspector, testEngine } from '../harness/engine';

describe('CloudFront: a distribution made by an interrupted create', function () {
  this.timeout(120_000);

  it('is adopted by its CallerReference when the tag search cannot see it (DistributionAlreadyExists names it), and no second one is made', async () => {
    const config = automationConfig({ cloudFront: true });
    const engine = testEngine();
    const aws = inspector();
    try {
      const first = await engine.deploy(config);
      const id = first.state.resources[LB_KEYS.distribution]!.id!;
      const { DistributionConfig: current, ETag } = await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: id }));
      // Another comment hides it from the search (which narrows by comment before reading tags).
      await aws.cloudfront.send(new UpdateDistributionCommand({ Id: id, IfMatch: ETag, DistributionConfig: { ...current!, Comment: 'renamed by hand' } }));
      // The journal as an interrupted create leaves it: the intent, with the CallerReference as its token, and no id.
      const state = (await engine.store.read('demo'))!;
      state.resources[LB_KEYS.distribution] = { key: LB_KEYS.distribution, kind: 'cloudfront-distribution', status: 'intent', token: current!.CallerReference!, attrs: {}, external: false, updatedAt: new Date().toISOString() };
      await engine.store.write(state);

      const second = await engine.deploy(config);
      assert.equal(second.state.resources[LB_KEYS.distribution]?.id, id, 'the distribution holding our CallerReference is adopted');
      const all = (await aws.cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Items ?? [];
      assert.deepEqual(all.map((d) => d.Id), [id], 'no second distribution in the account');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});
