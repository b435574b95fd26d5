import { strict as assert } from 'node:assert';
import { estimateMonthly } from '../../src/engine/cost/estimate';

const compute = { usdPerHour: 0.1664, source: { kind: 'estimated' as const, reason: 'bundled list prices' } };
const kinds = (estimate: ReturnType<typeof estimateMonthly>) => estimate.lines.map((l) => l.item);

describe('monthly estimate: CloudFront is priced wherever the stack has it', () => {
  it('an automation stack with cloudFront: true pays for its distribution; without it, nothing', () => {
    const base = { tier: 'automation' as const, rootVolumeGb: 50, instanceType: 't3.xlarge', market: 'on-demand' as const };
    const withCf = estimateMonthly({ ...base, cloudFront: true }, compute);
    const without = estimateMonthly(base, compute);
    assert.ok(kinds(withCf).includes('cloudfront'));
    assert.ok(!kinds(without).includes('cloudfront'));
    assert.ok(withCf.totalUsd > without.totalUsd);
  });

  it('a gpu stack always pays for CloudFront, a dev stack never does', () => {
    assert.ok(kinds(estimateMonthly({ tier: 'gpu', rootVolumeGb: 100, instanceType: 'g5.xlarge', market: 'spot' }, compute)).includes('cloudfront'));
    assert.ok(!kinds(estimateMonthly({ tier: 'dev', rootVolumeGb: 50, instanceType: 't3.xlarge', market: 'spot' }, compute)).includes('cloudfront'));
  });
});
