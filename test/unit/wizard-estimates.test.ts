import assert from 'node:assert/strict';
import { estimateMonthly, type MonthlyEstimate } from '../../src/engine/cost/estimate';
import { estimatesSchema } from '../../src/protocol/wizard';
import { defaultDraft } from '../../src/vscode/wizard/draft';
import { believable, pricedConfig, tierEstimates } from '../../src/vscode/wizard/estimates';
import { reviewOf } from '../../src/vscode/wizard/review';
import { devConfig, testEngine } from '../harness/engine';
import { samplePlan } from '../webview/wizard-fixtures';

const draft = { ...defaultDraft({ tier: 'dev', region: 'us-east-1', instanceType: 't3.xlarge', market: 'spot' }), name: '' };

describe('deploy wizard: one estimate, from the cost engine', () => {
  it('the tier step prices the draft as each tier makes it, even before a name or a VPC is chosen; the file\'s root volume counts', () => {
    const untouched = { ...draft, network: { mode: 'existing' as const, vpcId: '', subnetIds: [] } };
    const dev = pricedConfig(untouched, 'dev', {}, 't3.xlarge');
    assert.deepEqual([dev?.tier, dev?.instanceType, dev?.market, dev?.region, dev?.rootVolumeGb], ['dev', 't3.xlarge', 'spot', 'us-east-1', 50]);
    const gpu = pricedConfig(untouched, 'gpu', { rootVolumeGb: 120 }, 't3.xlarge');
    assert.deepEqual([gpu?.tier, gpu?.instanceType, gpu?.rootVolumeGb], ['gpu', 'g4dn.xlarge', 120]);
    assert.equal(pricedConfig({ ...draft, instanceType: 'huge' }, 'dev', {}, 't3.xlarge'), undefined, 'an invalid type has no price');
  });

  it('against the emulator: the chosen tier\'s figure on the tier step is the review\'s total for the same draft', async () => {
    const engine = testEngine();
    try {
      const estimates = await tierEstimates(7, draft, {}, 't3.xlarge', (config) => engine.estimate(config));
      assert.ok(estimatesSchema.safeParse(estimates).success);
      const review = reviewOf(samplePlan('demo'), await engine.estimate(devConfig({ market: 'spot' })));
      assert.equal(estimates.tiers.find((t) => t.tier === 'dev')?.monthlyUsd, review.monthly?.totalUsd);
      // moto's spot record ($0.00001/h) is not believed: spot is priced at on-demand, never as nearly free.
      assert.equal(review.monthly?.totalUsd, 136.77);
      assert.deepEqual(estimates.tiers.map((t) => t.tier), ['dev', 'automation', 'gpu']);
      assert.ok(estimates.tiers.every((t) => (t.monthlyUsd ?? 0) > 100), JSON.stringify(estimates.tiers));
      assert.match(estimates.basis, /Spot at the cheapest availability zone.*us-east-1/);
    } finally {
      engine.dispose();
    }
  });

  it('a month whose compute costs nothing is unknown everywhere, never $0; a tier the engine cannot price is unknown', async () => {
    const free: MonthlyEstimate = estimateMonthly(devConfig(), { usdPerHour: 0, source: { kind: 'live' } });
    assert.equal(believable(free), false);
    assert.equal(believable(estimateMonthly(devConfig(), { usdPerHour: 0.1664, source: { kind: 'live' } })), true);
    assert.equal(reviewOf(samplePlan('demo'), free).monthly, undefined, 'the review says unknown');
    const estimates = await tierEstimates(1, draft, {}, 't3.xlarge', async (config) => {
      if (config.tier === 'gpu') throw new Error('no price');
      return config.tier === 'dev' ? free : estimateMonthly(config, { usdPerHour: 0.2016, source: { kind: 'live' } });
    });
    assert.deepEqual(estimates.tiers.map((t) => t.monthlyUsd === undefined), [true, false, true]);
  });
});
