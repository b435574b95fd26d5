import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PriceCache } from '../../src/engine/cost/cache';
import { DEFAULT_ASSUMPTIONS, estimateMonthly } from '../../src/engine/cost/estimate';
import { rankPlacements, recommendMarket } from '../../src/engine/cost/placement';
import { describeSource, PriceBook, type ListQuotes } from '../../src/engine/cost/prices';
import type { PricingApi } from '../../src/engine/cost/pricing-api';
import { pricingRegionFor } from '../../src/engine/cost/pricing-api';
import { describeCandidateTypes } from '../../src/engine/discovery/instance-types';
import { stackConfigSchema } from '../../src/engine/stack/config';
import { inspector, tempDir } from '../harness/engine';

const fixture = (name: string) => (JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pricing', name), 'utf8')) as { PriceList: string[] }).PriceList;
const recorded = { PriceList: fixture('get-products-t3-xlarge.json') };

/**
 * Answers GetProducts from recorded responses (moto has no Price List API): t3.xlarge, and the loose answer of
 * each non-compute service (decoys included); anything else as AWS does for an unknown type. `deny` refuses
 * every call, or only those of the listed services.
 */
class RecordedPricing implements PricingApi {
  calls = 0;
  constructor(private readonly deny: boolean | readonly string[] = false) {}
  async getProducts(service: string, filters: readonly { Field: string; Value: string }[]): Promise<string[]> {
    this.calls += 1;
    if (this.deny === true || (Array.isArray(this.deny) && this.deny.includes(service))) {
      throw Object.assign(new Error('User is not authorized to perform: pricing:GetProducts'), { name: 'AccessDeniedException' });
    }
    const has = (field: string) => filters.some((f) => f.Field === field);
    if (service === 'AmazonEC2') {
      if (has('instanceType')) return filters.some((f) => f.Field === 'instanceType' && f.Value === 't3.xlarge') ? recorded.PriceList : [];
      return has('volumeApiName') ? fixture('get-products-ebs-gp3.json') : fixture('get-products-data-transfer-out.json');
    }
    const byService: Record<string, string> = {
      AmazonEFS: 'get-products-efs.json', AmazonVPC: 'get-products-vpc-public-ipv4.json', AWSELB: 'get-products-elb.json', AmazonCloudFront: 'get-products-cloudfront.json',
      AWSBackup: 'get-products-backup.json',
    };
    return byService[service] ? fixture(byService[service]) : [];
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

  describe('non-compute list prices: live, cached a day, else bundled, each with its source', () => {
    it('all thirteen come live from the recorded answers, then from the cache without calling AWS', async () => {
      const pricing = new RecordedPricing();
      const dir = tempDir('gm-prices-');
      const live = await new PriceBook({ clients: inspector(), pricing, cache: new PriceCache(dir) }).listPrices('us-east-1');
      assert.deepEqual(Object.values(live).map((q) => q.source.kind), Array(13).fill('live'));
      assert.deepEqual([live.ebsGp3.usd, live.efsStandard.usd, live.publicIpv4.usd, live.albHour.usd, live.albLcu.usd, live.dataOut.usd, live.backupEfsWarm.usd], [0.08, 0.3, 0.005, 0.0225, 0.008, 0.09, 0.05]);
      assert.equal(live.dataOut.tier, 'first paid tier: 0–10240 GB');
      assert.equal(pricing.calls, 13);
      const again = await new PriceBook({ clients: inspector(), pricing, cache: new PriceCache(dir) }).listPrices('us-east-1');
      assert.deepEqual(Object.values(again).map((q) => q.source.kind), Array(13).fill('cached'));
      assert.equal(again.dataOut.tier, 'first paid tier: 0–10240 GB', 'the tier survives the cache');
      assert.equal(pricing.calls, 13, 'the cache answered');
    });

    it('denied: the bundled price, marked estimated with the reason; a stale cached price beats it', async () => {
      const denied = await new PriceBook({ clients: inspector(), pricing: new RecordedPricing(true), cache: new PriceCache(tempDir('gm-prices-')) }).listPrices('eu-west-1');
      assert.equal(denied.ebsGp3.usd, 0.08);
      assert.equal(denied.ebsGp3.source.kind, 'estimated');
      assert.match(denied.ebsGp3.source.kind === 'estimated' ? denied.ebsGp3.source.reason : '', /us-east-1 list price from the bundled table \(User is not authorized/);
      let now = Date.now();
      const dir = tempDir('gm-prices-');
      await new PriceBook({ clients: inspector(), pricing: new RecordedPricing(), cache: new PriceCache(dir, () => now) }).listPrices('eu-west-1');
      now += 2 * 24 * 3_600_000;
      const stale = await new PriceBook({ clients: inspector(), pricing: new RecordedPricing(true), cache: new PriceCache(dir, () => now) }).listPrices('eu-west-1');
      assert.equal(stale.ebsGp3.usd, 0.088, 'eu-west-1\'s own price, two days old');
      assert.equal(stale.ebsGp3.source.kind, 'cached');
    });
  });

  describe('monthly estimates against hand-computed values (730 h; 50 GiB gp3; 20 GB EFS; 10 GB out, inside the free 100 GB)', () => {
    let live: ListQuotes;
    before(async () => {
      live = await new PriceBook({ clients: inspector(), pricing: new RecordedPricing(), cache: new PriceCache(tempDir('gm-prices-')) }).listPrices('us-east-1');
    });

    it('dev, spot t3.medium at $0.0130/h: 9.49 + 4.00 (50 × 0.08) + 6.00 (20 × 0.30) + 3.65 (0.005 × 730) + 1.65 (daily backups, 14 days: 20 GB × (1 + 13 × 5%) × 0.05) = $24.79, every line live', () => {
      const estimate = estimateMonthly(stackConfigSchema.parse({ name: 'abc', instanceType: 't3.medium', market: 'spot' }), { usdPerHour: 0.013, source: { kind: 'live' } }, DEFAULT_ASSUMPTIONS, live);
      assert.deepEqual(estimate.lines.map((l) => l.item), ['compute', 'ebs', 'efs', 'public-ipv4', 'data-transfer', 'backup']);
      near(estimate.lines[0]?.usd, 9.49);
      near(estimate.lines[1]?.usd, 4.0);
      near(estimate.lines[2]?.usd, 6.0);
      near(estimate.lines[3]?.usd, 3.65);
      near(estimate.lines[4]?.usd, 0);
      near(estimate.lines[5]?.usd, 1.65);
      near(estimate.totalUsd, 24.79);
      assert.deepEqual(estimate.lines.map((l) => l.source), Array(6).fill('live'));
      assert.match(estimate.lines[5]?.basis ?? '', /\(estimate\): 14 daily recovery point\(s\) kept 14 days.*≈ 33 GB of warm storage at \$0\.05\/GB-month/);
      assert.match(estimate.lines[1]?.basis ?? '', /50 GiB gp3 root volume at \$0\.08\/GB-month/);
      assert.match(estimate.lines[2]?.basis ?? '', /elastic throughput: 0 GB read \(assumed\) at \$0\.03\/GB, 0 GB written \(assumed\) at \$0\.06\/GB/);
    });

    it('automation, on-demand m7i.large at $0.1008/h with an ALB: 73.58 + 4 + 6 + 3.65 + 22.27 (0.0225 + 1 LCU × 0.008, × 730) = $109.50', () => {
      const estimate = estimateMonthly({ tier: 'automation', rootVolumeGb: 50, instanceType: 'm7i.large', market: 'on-demand' }, { usdPerHour: 0.1008, source: { kind: 'estimated', reason: 'test' } }, DEFAULT_ASSUMPTIONS, live);
      near(estimate.lines.find((l) => l.item === 'compute')?.usd, 73.58);
      near(estimate.lines.find((l) => l.item === 'alb')?.usd, 22.27);
      near(estimate.totalUsd, 109.5);
      assert.equal(estimate.lines.find((l) => l.item === 'compute')?.source, 'estimated');
      assert.equal(estimate.lines.find((l) => l.item === 'alb')?.source, 'live');
      assert.match(estimate.lines.find((l) => l.item === 'alb')?.basis ?? '', /\$0\.0225\/h plus 1 LCU \(assumed\) at \$0\.008\/LCU-h/);
    });

    it('gpu, spot g5.xlarge at $0.45/h with ALB and CloudFront: 328.50 + 4 + 6 + 3.65 + 22.27 + 5.45 (50 GB × 0.085 + 1M × $1.20, Europe\'s dearer requests) = $369.87', () => {
      const estimate = estimateMonthly({ tier: 'gpu', rootVolumeGb: 50, instanceType: 'g5.xlarge', market: 'spot' }, { usdPerHour: 0.45, source: { kind: 'live' } }, DEFAULT_ASSUMPTIONS, live);
      const cloudFront = estimate.lines.find((l) => l.item === 'cloudfront');
      near(cloudFront?.usd, 5.45);
      near(estimate.totalUsd, 369.87);
      assert.match(cloudFront?.basis ?? '', /\$0\.085\/GB \(first tier: 0–10240 GB\).*\$1\.2\/M/);
      assert.match(estimate.lines.find((l) => l.item === 'efs')?.basis ?? '', /assumed/);
    });

    it('data out beyond the free 100 GB is charged at the first paid tier, $0.09/GB; EFS reads and writes at $0.03 and $0.06/GB', () => {
      const estimate = estimateMonthly({ tier: 'dev', rootVolumeGb: 50, instanceType: 't3.medium', market: 'spot' }, { usdPerHour: 0.013, source: { kind: 'live' } },
        { ...DEFAULT_ASSUMPTIONS, efsReadGb: 100, efsWriteGb: 10, dataOutGb: 150, cloudFrontGb: 0, cloudFrontRequestsMillions: 0 }, live);
      near(estimate.lines.find((l) => l.item === 'data-transfer')?.usd, 4.5);
      assert.match(estimate.lines.find((l) => l.item === 'data-transfer')?.basis ?? '', /first paid tier: 0–10240 GB/);
      // 20 × 0.30 + 100 × 0.03 + 10 × 0.06
      near(estimate.lines.find((l) => l.item === 'efs')?.usd, 9.6);
    });

    it('each line carries its own source: with the load balancer prices denied, only that line is estimated', async () => {
      const mixed = await new PriceBook({ clients: inspector(), pricing: new RecordedPricing(['AWSELB']), cache: new PriceCache(tempDir('gm-prices-')) }).listPrices('us-east-1');
      const estimate = estimateMonthly({ tier: 'automation', rootVolumeGb: 50, instanceType: 'm7i.large', market: 'on-demand' }, { usdPerHour: 0.1008, source: { kind: 'cached', ageMs: 300_000 } }, DEFAULT_ASSUMPTIONS, mixed);
      assert.deepEqual(estimate.lines.map((l) => [l.item, l.sourceText]), [
        ['compute', 'cached 5 min ago'], ['ebs', 'live'], ['efs', 'live'], ['public-ipv4', 'live'], ['alb', 'estimated'], ['data-transfer', 'live'],
      ]);
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

describe('the spot-saving threshold (EngineOptions.spotMinSaving; on-demand from recorded Price List answers, spot from moto)', function () {
  this.timeout(120_000);

  /** moto's spot price is $0.00001/h; a recorded on-demand price just above it makes spot save only 13%. */
  class OnDemandAt extends RecordedPricing {
    constructor(private readonly usd: string, deny: boolean | readonly string[] = false) {
      super(deny);
    }
    override async getProducts(service: string, filters: readonly { Field: string; Value: string }[]): Promise<string[]> {
      const entries = await super.getProducts(service, filters);
      return filters.some((f) => f.Field === 'instanceType') ? entries.map((entry) => entry.replaceAll('0.1664000000', this.usd)) : entries;
    }
  }

  async function engineWith(spotMinSaving: number | (() => number), pricing: PricingApi) {
    const { Engine } = await import('../../src/engine/engine');
    const { FAST_TIMING } = await import('../harness/engine');
    const { testEmulator } = await import('../harness/root-hooks');
    return new Engine({
      stateDir: tempDir('gm-state-'), endpoint: testEmulator().endpoint, maxAttempts: 1, timing: FAST_TIMING, index: null,
      pricing: () => pricing, cacheDir: tempDir('gm-prices-'), spotMinSaving,
    });
  }

  it('under the threshold, placements, the estimate and the plan of a spot stack recommend on-demand and say why; over it, spot', async () => {
    const { devConfig } = await import('../harness/engine');
    const threshold = { value: 0.2 };
    const engine = await engineWith(() => threshold.value, new OnDemandAt('0.0000115000'));
    const config = devConfig({ market: 'spot' });
    const [placement] = await engine.placements('us-east-1', 'dev', undefined, ['t3.xlarge']);
    assert.equal(placement?.recommended.market, 'on-demand');
    assert.equal(placement?.recommended.why, 'spot saves only 13% (under 20%), not worth interruptions');
    const estimate = await engine.estimate(config);
    assert.deepEqual(estimate.recommendation, { market: 'on-demand', why: 'on-demand recommended: spot saves only 13% (under 20%)' });
    assert.equal(estimate.lines.find((l) => l.item === 'ebs')?.source, 'live', 'list prices came from the recorded Price List');
    const plan = await engine.plan(config);
    assert.ok(plan.warnings.includes('on-demand recommended: spot saves only 13% (under 20%).'), plan.warnings.join(' | '));
    const onDemandPlan = await engine.plan(devConfig({ market: 'on-demand' }));
    assert.ok(!onDemandPlan.warnings.some((w) => /recommended/.test(w)), 'an on-demand stack is not warned');

    // Read on each use: a changed setting applies without a new engine.
    threshold.value = 0.1;
    assert.deepEqual((await engine.estimate(config)).recommendation, { market: 'spot', why: 'spot saves 13% versus on-demand' });
    assert.ok(!(await engine.plan(config)).warnings.some((w) => /recommended/.test(w)));
    assert.equal((await engine.placements('us-east-1', 'dev', undefined, ['t3.xlarge']))[0]?.recommended.market, 'spot');
    engine.dispose();
  });

  it('cost to date adds a journaled load balancer\'s hours at the live ALB price, and says so', async () => {
    const { newStackState } = await import('../../src/engine/deploy');
    const { devConfig } = await import('../harness/engine');
    const engine = await engineWith(0.2, new RecordedPricing());
    const state = newStackState(devConfig({ name: 'balanced', tier: 'automation', access: { mode: 'load-balancer' } }));
    state.createdAt = '2026-11-01T00:00:00.000Z';
    state.resources = {
      alb: { key: 'alb', kind: 'load-balancer', status: 'created', id: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb/1', attrs: { createdAt: '2026-11-01T04:00:00.000Z' }, external: false, updatedAt: '2026-11-01T04:00:00.000Z' },
    };
    await engine.store.write(state);
    const result = await engine.costToDate('balanced', new Date('2026-11-01T14:00:00.000Z'));
    assert.ok(Math.abs(result.fixedUsd - 10 * 0.0225) < 1e-9, String(result.fixedUsd));
    assert.match(result.basis, /1 load balancer\(s\) for 10\.0 h at \$0\.0225\/h/);
    engine.dispose();
  });

  it('prices failing never fail a plan: with the Price List denied, a spot stack still plans and the estimate is labelled estimated', async () => {
    const { devConfig } = await import('../harness/engine');
    const engine = await engineWith(0.2, new RecordedPricing(true));
    const plan = await engine.plan(devConfig({ market: 'spot' }));
    assert.ok(plan.items.length > 0);
    assert.ok(!plan.warnings.some((w) => /recommended/.test(w)), 'the bundled on-demand price against moto\'s spot: spot is worth it');
    const estimate = await engine.estimate(devConfig({ market: 'on-demand' }));
    assert.ok(estimate.lines.every((l) => l.source === 'estimated'), 'denied: every price is the bundled one, labelled so');
    engine.dispose();
  });
});
