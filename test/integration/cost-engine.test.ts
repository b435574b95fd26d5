import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PriceCache } from '../../src/engine/cost/cache';
import { estimateMonthly } from '../../src/engine/cost/estimate';
import { rankPlacements, recommendMarket } from '../../src/engine/cost/placement';
import { describeSource, PriceBook } from '../../src/engine/cost/prices';
import type { PricingApi } from '../../src/engine/cost/pricing-api';
import { pricingRegionFor } from '../../src/engine/cost/pricing-api';
import { describeCandidateTypes } from '../../src/engine/discovery/instance-types';
import { stackConfigSchema } from '../../src/engine/stack/config';
import { inspector, tempDir } from '../harness/engine';

const recorded = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pricing', 'get-products-t3-xlarge.json'), 'utf8')) as { PriceList: string[] };

/** Answers GetProducts for t3.xlarge from the recorded response; anything else as AWS does for an unknown type. */
class RecordedPricing implements PricingApi {
  calls = 0;
  constructor(private readonly deny = false) {}
  async getProducts(_service: string, filters: readonly { Field: string; Value: string }[]): Promise<string[]> {
    this.calls += 1;
    if (this.deny) throw Object.assign(new Error('User is not authorized to perform: pricing:GetProducts'), { name: 'AccessDeniedException' });
    return filters.some((f) => f.Field === 'instanceType' && f.Value === 't3.xlarge') ? recorded.PriceList : [];
  }
}

const near = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 0.011, `${actual} ≈ ${expected}`);

describe('cost engine (Price List from recorded-shape responses; spot prices from moto)', function () {
  this.timeout(60_000);

  it('on-demand: live, then from the cache; with the API denied, the bundled price marked estimated', async () => {
    const pricing = new RecordedPricing();
    const book = new PriceBook({ clients: inspector(), pricing, cache: new PriceCache(tempDir('gm-prices-')) });
    const live = await book.onDemandHourly('t3.xlarge', 'us-east-1');
    assert.deepEqual(live, { value: 0.1664, source: { kind: 'live' } });
    const again = await book.onDemandHourly('t3.xlarge', 'us-east-1');
    assert.equal(again?.source.kind, 'cached');
    assert.equal(pricing.calls, 1, 'the cache answered');

    const denied = new PriceBook({ clients: inspector(), pricing: new RecordedPricing(true), cache: new PriceCache(tempDir('gm-prices-')) });
    const estimated = await denied.onDemandHourly('m7i.large', 'us-east-1');
    assert.equal(estimated?.value, 0.1008);
    assert.equal(estimated?.source.kind, 'estimated');
    assert.equal(describeSource(estimated!.source), 'estimated');
    assert.match(estimated?.source.kind === 'estimated' ? estimated.source.reason : '', /not authorized/);
    assert.equal(await denied.onDemandHourly('x9.unknown', 'us-east-1'), undefined, 'no number is invented');
  });

  it('the Price List client goes to a region that serves it, whatever the stack\'s region', () => {
    assert.equal(pricingRegionFor('us-west-2'), 'us-east-1');
    assert.equal(pricingRegionFor('eu-west-3'), 'eu-central-1');
    assert.equal(pricingRegionFor('ap-northeast-1'), 'ap-south-1');
  });

  it('ranks instance types by price with the cheapest offered AZ, and recommends the market with the reason', async () => {
    const clients = inspector();
    const book = new PriceBook({ clients, pricing: new RecordedPricing(true), cache: new PriceCache(tempDir('gm-prices-')) });
    const types = (await describeCandidateTypes(clients, 'dev')).filter((t) => ['t3.large', 't3.xlarge', 't3.2xlarge'].includes(t.type));
    const ranked = await rankPlacements(book, types, 'us-east-1');
    assert.equal(ranked.length, 3);
    const priceOf = (p: (typeof ranked)[number]) => (p.recommended.market === 'spot' ? p.spot?.usd : p.onDemand?.usd) ?? Infinity;
    assert.deepEqual(ranked.map(priceOf), ranked.map(priceOf).sort((a, b) => a - b), 'cheapest first, at the recommended market');
    assert.ok(ranked.every((p) => p.onDemand?.source.kind === 'estimated'), 'with the Price List denied, on-demand prices are the bundled ones');
    for (const placement of ranked) {
      assert.ok(placement.spot === undefined || placement.type.zones.includes(placement.spot.zone), 'the spot AZ offers the type');
      assert.match(placement.recommended.why, /spot|on-demand/);
    }
    assert.deepEqual(recommendMarket(0.1, 0.09), { market: 'on-demand', why: 'spot saves only 10% (under 20%), not worth interruptions' });
    assert.deepEqual(recommendMarket(0.1, 0.03), { market: 'spot', why: 'spot saves 70% versus on-demand' });
    assert.equal(recommendMarket(0.1, undefined).market, 'on-demand');
  });

  it('per-AZ spot prices (injected through the interface): the cheapest offered AZ wins, an AZ not offering the type never does', async () => {
    const clients = inspector();
    const spot = async () => [
      { zone: 'us-east-1f', usdPerHour: 0.01, since: '2026-11-23T00:00:00.000Z' },
      { zone: 'us-east-1c', usdPerHour: 0.04, since: '2026-11-23T00:00:00.000Z' },
      { zone: 'us-east-1a', usdPerHour: 0.05, since: '2026-11-23T00:00:00.000Z' },
    ];
    const book = new PriceBook({ clients, pricing: new RecordedPricing(), cache: new PriceCache(tempDir('gm-prices-')), spot });
    const type = { type: 't3.xlarge', vcpus: 4, memoryGiB: 16, architecture: 'x86_64' as const, gpus: 0, zones: ['us-east-1a', 'us-east-1c'] };
    const [placement] = await rankPlacements(book, [type], 'us-east-1');
    assert.equal(placement?.spot?.zone, 'us-east-1c', 'us-east-1f is cheaper but does not offer the type');
    assert.equal(placement?.spot?.usd, 0.04);
    near(placement?.savings, 1 - 0.04 / 0.1664);
    assert.equal(placement?.recommended.market, 'spot');
  });

  describe('monthly estimates against hand-computed values (730 h; 50 GiB gp3; 20 GB EFS; 10 GB out, inside the free 100 GB)', () => {
    it('dev, spot t3.medium at $0.0130/h: 9.49 + 4.00 + 6.00 + 3.65 = $23.14', () => {
      const estimate = estimateMonthly(stackConfigSchema.parse({ name: 'abc', instanceType: 't3.medium', market: 'spot' }), { usdPerHour: 0.013, source: { kind: 'live' } });
      assert.deepEqual(estimate.lines.map((l) => l.item), ['compute', 'ebs', 'efs', 'public-ipv4', 'data-transfer']);
      near(estimate.lines[0]?.usd, 9.49);
      near(estimate.lines[1]?.usd, 4.0);
      near(estimate.lines[2]?.usd, 6.0);
      near(estimate.lines[3]?.usd, 3.65);
      near(estimate.lines[4]?.usd, 0);
      near(estimate.totalUsd, 23.14);
      assert.equal(estimate.lines[0]?.source, 'live');
    });

    it('automation, on-demand m7i.large at $0.1008/h with an ALB: 73.58 + 4 + 6 + 3.65 + 22.27 (0.0225 + 1 LCU × 0.008, × 730) = $109.50', () => {
      const estimate = estimateMonthly({ tier: 'automation', rootVolumeGb: 50, instanceType: 'm7i.large', market: 'on-demand' }, { usdPerHour: 0.1008, source: { kind: 'estimated', reason: 'test' } });
      near(estimate.lines.find((l) => l.item === 'compute')?.usd, 73.58);
      near(estimate.lines.find((l) => l.item === 'alb')?.usd, 22.27);
      near(estimate.totalUsd, 109.5);
    });

    it('gpu, spot g5.xlarge at $0.45/h with ALB and CloudFront: 328.50 + 4 + 6 + 3.65 + 22.27 + 5.25 (50 GB × 0.085 + 1M × $1) = $369.67', () => {
      const estimate = estimateMonthly({ tier: 'gpu', rootVolumeGb: 50, instanceType: 'g5.xlarge', market: 'spot' }, { usdPerHour: 0.45, source: { kind: 'live' } });
      near(estimate.lines.find((l) => l.item === 'cloudfront')?.usd, 5.25);
      near(estimate.totalUsd, 369.67);
      assert.match(estimate.lines.find((l) => l.item === 'efs')?.basis ?? '', /assumed/);
    });

    it('data out beyond the free 100 GB is charged at $0.09/GB', () => {
      const estimate = estimateMonthly({ tier: 'dev', rootVolumeGb: 50, instanceType: 't3.medium', market: 'spot' }, { usdPerHour: 0.013, source: { kind: 'live' } }, { efsGb: 20, dataOutGb: 150, albLcu: 1, cloudFrontGb: 0, cloudFrontRequestsMillions: 0 });
      near(estimate.lines.find((l) => l.item === 'data-transfer')?.usd, 4.5);
    });
  });
});

describe('budgets at deploy', function () {
  this.timeout(120_000);

  it('refuses a stack whose estimate alone exceeds its budget, creating nothing, unless allowed', async () => {
    const { testEngine, devConfig, sweep } = await import('../harness/engine');
    const { GeuseError } = await import('../../src/engine/errors');
    const engine = testEngine();
    await assert.rejects(engine.deploy(devConfig({ monthlyBudgetUsd: 5 })), (error: unknown) => {
      assert.ok(error instanceof GeuseError);
      assert.equal(error.code, 'OVER_BUDGET');
      assert.match(error.message, /over its budget of \$5\.00\/month \(compute \$/);
      assert.match(error.nextStep, /--allow-over-budget/);
      return true;
    });
    assert.deepEqual(await sweep(), [], 'nothing was created');
    const allowed = await engine.deploy(devConfig({ monthlyBudgetUsd: 5 }), { allowOverBudget: true });
    assert.equal(allowed.state.status, 'deployed');
    engine.dispose();
  });
});

describe('placement at deploy', function () {
  this.timeout(120_000);

  it('a new network puts its first subnet (where a spot instance goes first) in the cheapest spot AZ', async () => {
    const { testEngine, devConfig } = await import('../harness/engine');
    const { currentSpotPrices } = await import('../../src/engine/cost/spot');
    const engine = testEngine();
    const plan = await engine.plan(devConfig({ market: 'spot' }));
    const offeredZones = (await engine.instanceTypes('us-east-1', 'dev')).find((t) => t.type === 't3.xlarge')?.zones ?? [];
    const prices = (await currentSpotPrices(inspector(), 't3.xlarge')).filter((p) => offeredZones.includes(p.zone));
    const priceOf = (zone: string | undefined) => prices.find((p) => p.zone === zone)?.usdPerHour;
    assert.equal(priceOf(plan.facts.zones[0]), Math.min(...prices.map((p) => p.usdPerHour)), `zones ${plan.facts.zones.join(', ')}; prices ${JSON.stringify(prices)}`);
    engine.dispose();
  });
});
