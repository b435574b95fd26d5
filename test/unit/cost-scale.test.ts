import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients } from '../../src/engine/aws/clients';
import { CostService } from '../../src/engine/cost/cost-service';
import { DEFAULT_ASSUMPTIONS, estimateMonthly } from '../../src/engine/cost/estimate';
import { estimateHourly } from '../../src/engine/cost/hourly';
import { hourlyNow } from '../../src/engine/cost/hourly-now';
import { pickListPrice } from '../../src/engine/cost/price-list';
import type { PricingApi } from '../../src/engine/cost/pricing-api';
import { bundledListQuotes } from '../../src/engine/cost/prices';
import { bundledScalePrices, scaleMonthlyRange } from '../../src/engine/cost/scale-estimate';
import { cacheNodeQuery, databaseInstanceQuery, databaseStorageQuery } from '../../src/engine/cost/scale-price-queries';
import { GeuseError } from '../../src/engine/errors';
import { SCALE_KEYS } from '../../src/engine/scale/names';
import { stackConfigSchema, type StackConfig, type StackConfigInput } from '../../src/engine/stack/config';
import type { ResourceRecord } from '../../src/engine/state/schema';

const fixture = (name: string) => (JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pricing', name), 'utf8')) as { PriceList: string[] }).PriceList;
const near = (actual: number | undefined, expected: number, what = '') => assert.ok(actual !== undefined && Math.abs(actual - expected) < 0.011, `${what} ${actual} ≈ ${expected}`);

/** Answers GetProducts from recorded answers (moto has no Price List API), each the loose answer of its service, decoys included. */
class RecordedPricing implements PricingApi {
  readonly calls: string[] = [];
  constructor(private readonly deny = false) {}
  async getProducts(service: string, filters: readonly { Field: string; Value: string }[]): Promise<string[]> {
    this.calls.push(service);
    if (this.deny) throw Object.assign(new Error('User is not authorized to perform: pricing:GetProducts'), { name: 'AccessDeniedException' });
    const has = (field: string) => filters.some((f) => f.Field === field);
    if (service === 'AmazonEC2') {
      if (has('instanceType')) return [...fixture('get-products-worker-types.json'), ...fixture('get-products-t3-xlarge.json')];
      return has('volumeApiName') ? fixture('get-products-ebs-gp3.json') : fixture('get-products-data-transfer-out.json');
    }
    const byService: Record<string, string> = {
      AmazonEFS: 'get-products-efs.json', AmazonVPC: 'get-products-vpc-public-ipv4.json', AWSELB: 'get-products-elb.json', AmazonCloudFront: 'get-products-cloudfront.json',
      AWSBackup: 'get-products-backup.json', AmazonRDS: 'get-products-rds.json', AmazonElastiCache: 'get-products-elasticache.json',
    };
    return byService[service] ? fixture(byService[service]) : [];
  }
}

/** A service whose EC2 is unreachable (spot prices fail fast), prices from `pricing`. */
function service(pricing: PricingApi): CostService {
  return new CostService({
    clients: (region) => createClients({ region, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }), cacheDir: mkdtempSync(join(tmpdir(), 'gm-prices-')),
    pricing: () => pricing, requireState: () => Promise.reject(new Error('unused')),
  });
}

const scaled = (overrides: Partial<StackConfigInput> = {}, scale: NonNullable<StackConfigInput['scale']> = {}): StackConfig => stackConfigSchema.parse({
  name: 'demo', tier: 'automation', instanceType: 't3.xlarge', market: 'on-demand', services: { ollama: true },
  scale: {
    n8nWorkers: { min: 1, max: 4, market: 'on-demand' }, ollamaWorkers: { min: 1, max: 2, market: 'on-demand', instanceTypes: ['g4dn.xlarge', 'g5.xlarge'] },
    ...scale,
  },
  ...overrides,
});

// One worker a month: (instance + public IPv4) × 730 h + its root volume (30 GiB on CPU types, 100 GiB on GPU types) at $0.08/GB-month.
const N8N_WORKER = (0.08925 + 0.005) * 730 + 30 * 0.08;
const OLLAMA_WORKER = (0.526 + 0.005) * 730 + 100 * 0.08;
const DATABASE = 0.065 * 730 + 20 * 0.115;
const QUEUE = 0.0256 * 730;
const INTERNAL_ALB = (0.0225 + 0.008) * 730;

describe('scale prices from recorded Price List answers (moto has no Price List API): RDS and ElastiCache among decoys', () => {
  it('picks the Single-AZ PostgreSQL hour, gp3 storage and the Valkey node; eu-west-1 picks its own prefixed products', () => {
    const pick = (name: string, query: Parameters<typeof pickListPrice>[1]) => {
      const picked = pickListPrice(fixture(name), query);
      assert.ok('usd' in picked, JSON.stringify(picked));
      return [picked.sku, picked.usd, picked.unit];
    };
    assert.deepEqual(pick('get-products-rds.json', databaseInstanceQuery('db.t4g.medium', 'us-east-1')), ['H4IE4TZOWGPQIW5O', 0.065, 'Hrs']);
    assert.deepEqual(pick('get-products-rds.json', databaseStorageQuery('us-east-1')), ['6G8FC3CIUPCRMJPS', 0.115, 'GB-Mo']);
    assert.deepEqual(pick('get-products-elasticache.json', cacheNodeQuery('cache.t4g.small', 'us-east-1')), ['CXLHV7WQ5GNCKRYU', 0.0256, 'Hrs']);
    assert.deepEqual(pick('get-products-rds.json', databaseInstanceQuery('db.t4g.medium', 'eu-west-1')), ['Y4HQI6S4ZSK54TTC', 0.072, 'Hrs']);
    assert.deepEqual(pick('get-products-rds.json', databaseStorageQuery('eu-west-1')), ['FU3X5XCSQRFOZCKK', 0.127, 'GB-Mo']);
    assert.deepEqual(pick('get-products-elasticache.json', cacheNodeQuery('cache.t4g.small', 'eu-west-1')), ['BIGL3BR7VPTLETBH', 0.0288, 'Hrs']);
  });

  it('without each safeguard a decoy would be priced: the pick is refused instead', () => {
    const refused = (name: string, query: Parameters<typeof pickListPrice>[1]) => assert.ok(!('usd' in pickListPrice(fixture(name), query)), JSON.stringify(query.filters));
    const storage = databaseStorageQuery('us-east-1');
    // Without the usagetype pattern, Multi-AZ gp3 storage ($0.23) comes in too.
    refused('get-products-rds.json', { ...storage, usagetype: undefined });
    // Without the engine, the same node running Redis OSS and Memcached ($0.032) comes in too.
    const node = cacheNodeQuery('cache.t4g.small', 'us-east-1');
    refused('get-products-elasticache.json', { ...node, filters: node.filters.filter((f) => f.Field !== 'cacheEngine') });
    // Without the deployment option, Multi-AZ hours ($0.13).
    const hour = databaseInstanceQuery('db.t4g.medium', 'us-east-1');
    refused('get-products-rds.json', { ...hour, filters: hour.filters.filter((f) => f.Field !== 'deploymentOption'), usagetype: undefined });
  });
});

describe('estimate of a scaled stack (recorded Price List answers)', () => {
  it('prices each pool at its min with its max stated, RDS with gp3 storage, the Valkey node and the internal load balancer, all live', async () => {
    const pricing = new RecordedPricing();
    const cost = service(pricing);
    try {
      const estimate = await cost.estimate(scaled());
      assert.deepEqual(estimate.lines.map((l) => l.item), [
        'compute', 'ebs', 'efs', 'public-ipv4', 'alb', 'data-transfer', 'backup', 'n8n-workers', 'ollama-workers', 'database', 'queue-cache', 'internal-alb',
      ]);
      const of = (item: string) => estimate.lines.find((l) => l.item === item)!;
      near(of('n8n-workers').usd, N8N_WORKER, 'n8n');
      assert.deepEqual(of('n8n-workers').pool, { workers: 1, min: 1, max: 4, atMaxUsd: Math.round(N8N_WORKER * 4 * 100) / 100 });
      assert.equal(of('n8n-workers').basis,
        `1 worker (the pool's min; up to 4: $${N8N_WORKER.toFixed(2)}–$${(N8N_WORKER * 4).toFixed(2)}/month): each c7i.large on-demand at $0.08925/h (the first listed type: on-demand "prioritized" launches it first) + 30 GiB gp3 root volume at $0.08/GB-month + a public IPv4 address at $0.005/h, × 730 h`);
      near(of('ollama-workers').usd, OLLAMA_WORKER, 'ollama');
      assert.match(of('ollama-workers').basis, /^1 worker \(the pool's min; up to 2: .*each g4dn\.xlarge on-demand at \$0\.526\/h .* \+ 100 GiB gp3 root volume/);
      near(of('database').usd, DATABASE, 'database');
      assert.match(of('database').basis, /^RDS db\.t4g\.medium PostgreSQL Single-AZ at \$0\.065\/h × 730 h \+ 20 GiB gp3 storage at \$0\.115\/GB-month; automated backups \(7 days\) are free up to the allocated 20 GiB/);
      near(of('queue-cache').usd, QUEUE, 'queue');
      assert.equal(of('queue-cache').basis, 'ElastiCache cache.t4g.small Valkey node at $0.0256/h × 730 h (one node)');
      near(of('internal-alb').usd, INTERNAL_ALB, 'internal ALB');
      for (const item of ['n8n-workers', 'ollama-workers', 'database', 'queue-cache', 'internal-alb']) assert.equal(of(item).source, 'live', item);
      near(estimate.totalUsd, estimate.lines.reduce((sum, l) => sum + l.usd, 0));
      // The month at every pool's max: three more n8n workers and one more Ollama worker.
      near(estimate.scale?.totalAtMinUsd, estimate.totalUsd);
      near(estimate.scale?.totalAtMaxUsd, estimate.totalUsd + 3 * N8N_WORKER + OLLAMA_WORKER);
      near(estimate.scale?.fixedUsd, DATABASE + QUEUE + INTERNAL_ALB);
      near(estimate.scale?.atMaxUsd, 4 * N8N_WORKER + 2 * OLLAMA_WORKER + DATABASE + QUEUE + INTERNAL_ALB);
      assert.match(estimate.notes?.join(' ') ?? '', /detailed monitoring .* about \$2\.10 per worker a month/);
      assert.equal(pricing.calls.filter((s) => s === 'AmazonRDS').length, 2, 'instance hour and storage');
      assert.equal(pricing.calls.filter((s) => s === 'AmazonElastiCache').length, 1);
      // The same prices from the cache: no new Price List calls.
      const before = pricing.calls.length;
      assert.equal((await cost.scaleMonthlyRange(scaled()))?.atMaxUsd, estimate.scale?.atMaxUsd);
      assert.equal(pricing.calls.length, before);
    } finally {
      cost.dispose();
    }
  });

  it('database and queue on the instance: no RDS or ElastiCache line, no Price List call for them; no Ollama pool: no internal load balancer', async () => {
    const pricing = new RecordedPricing();
    const cost = service(pricing);
    try {
      const config = stackConfigSchema.parse({ name: 'demo', tier: 'automation', instanceType: 't3.xlarge', market: 'on-demand', scale: { database: 'instance', queue: 'instance', n8nWorkers: { market: 'on-demand' } } });
      const estimate = await cost.estimate(config);
      assert.deepEqual(estimate.lines.filter((l) => ['n8n-workers', 'ollama-workers', 'database', 'queue-cache', 'internal-alb'].includes(l.item)).map((l) => l.item), ['n8n-workers']);
      assert.equal(pricing.calls.filter((s) => s === 'AmazonElastiCache' || s === 'AmazonRDS').length, 0);
      near(estimate.scale?.fixedUsd, 0);
      // An unscaled stack has none of the lines and no range.
      const plain = await cost.estimate(stackConfigSchema.parse({ name: 'demo', tier: 'automation', instanceType: 't3.xlarge', market: 'on-demand' }));
      assert.equal(plain.scale, undefined);
      assert.ok(plain.lines.every((l) => !['n8n-workers', 'database'].includes(l.item)));
    } finally {
      cost.dispose();
    }
  });

  it('pools at their size now: the line says how many run now, the range stays min to max', () => {
    const config = scaled();
    const prices = { ...bundledScalePrices(config.scale!), sizes: { n8n: 3 } };
    const estimate = estimateMonthly(config, { usdPerHour: 0.1664, source: { kind: 'live' } }, DEFAULT_ASSUMPTIONS, bundledListQuotes(), prices);
    const n8n = estimate.lines.find((l) => l.item === 'n8n-workers')!;
    near(n8n.usd, 3 * N8N_WORKER);
    assert.match(n8n.basis, /^3 workers now \(min 1, up to 4: \$71\.20–\$284\.81\/month\)/);
    near(estimate.scale?.totalAtMinUsd, estimate.totalUsd - 2 * N8N_WORKER);
    near(estimate.scale?.totalAtMaxUsd, estimate.totalUsd + N8N_WORKER + OLLAMA_WORKER);
  });
});

describe('estimate of a scaled stack without live prices (the bundled fallback)', () => {
  it('the Price List denied: every scale line is estimated at the bundled us-east-1 price; spot pools at on-demand, said so', async () => {
    const cost = service(new RecordedPricing(true));
    try {
      const estimate = await cost.estimate(scaled({}, { n8nWorkers: { min: 2, max: 6 } }));
      const of = (item: string) => estimate.lines.find((l) => l.item === item)!;
      for (const item of ['n8n-workers', 'ollama-workers', 'database', 'queue-cache', 'internal-alb']) assert.equal(of(item).source, 'estimated', item);
      near(of('n8n-workers').usd, 2 * N8N_WORKER);
      assert.match(of('n8n-workers').basis, /^2 workers \(the pool's min; up to 6: .*each c7i\.large spot at \$0\.08925\/h \(no plausible spot price is known for c7i\.large, c6i\.large, m7i\.large: c7i\.large at its on-demand price, the most spot costs\)/);
      near(of('database').usd, DATABASE);
      near(of('queue-cache').usd, QUEUE);
    } finally {
      cost.dispose();
    }
  });

  it('scaleMonthlyRange for docs: bundled prices, each pool at min and max, plus the database, queue and load balancer', () => {
    const range = scaleMonthlyRange(scaled())!;
    assert.deepEqual(range.pools.map((p) => [p.pool, p.instanceType, p.min, p.max]), [['n8n', 'c7i.large', 1, 4], ['ollama', 'g4dn.xlarge', 1, 2]]);
    near(range.pools[0]!.perWorkerUsd, N8N_WORKER);
    near(range.atMinUsd, N8N_WORKER + OLLAMA_WORKER + DATABASE + QUEUE + INTERNAL_ALB);
    near(range.atMaxUsd, 4 * N8N_WORKER + 2 * OLLAMA_WORKER + DATABASE + QUEUE + INTERNAL_ALB);
    assert.equal(range.source, 'estimated');
    assert.equal(scaleMonthlyRange({}), undefined, 'no scale section, no range');
  });

  it('the bundled hourly rate (tree, status bar) adds the scale section at its pools\' min; spot workers make it a ceiling', () => {
    const plain = estimateHourly(scaled({ scale: undefined }))!;
    const withScale = estimateHourly(scaled())!;
    assert.ok(Math.abs(withScale.usd - plain.usd - (N8N_WORKER + OLLAMA_WORKER + DATABASE + QUEUE + INTERNAL_ALB) / 730) < 1e-4, `${withScale.usd}`);
    assert.equal(withScale.upperBound, false, 'every pool on demand');
    assert.match(withScale.basis, /\+ the scale section at its pools' min \(\$0\.\d{3}\/h: 1 n8n worker\(s\), 1 ollama worker\(s\), database, queue and load balancer\)/);
    assert.equal(estimateHourly(scaled({}, { n8nWorkers: { market: 'spot' } }))!.upperBound, true);
  });

  it('a database class neither AWS nor the bundled table knows is refused (NO_PRICE), never priced at $0', async () => {
    const cost = service(new RecordedPricing(true));
    try {
      await assert.rejects(cost.estimate(scaled({}, { databaseClass: 'db.x9z.huge' })), (error: unknown) => {
        assert.ok(error instanceof GeuseError);
        assert.equal(error.code, 'NO_PRICE');
        assert.match(error.message, /RDS db\.x9z\.huge/);
        assert.match(error.nextStep ?? '', /scale\.databaseClass/);
        return true;
      });
      // The pure estimate says it in a note instead of inventing a number.
      const estimate = estimateMonthly(scaled({}, { databaseClass: 'db.x9z.huge' }), { usdPerHour: 0.1664, source: { kind: 'live' } });
      assert.equal(estimate.lines.find((l) => l.item === 'database'), undefined);
      assert.match(estimate.notes?.join(' ') ?? '', /The RDS database is not priced: no price is known for db\.x9z\.huge/);
    } finally {
      cost.dispose();
    }
  });
});

describe('a paused scaled stack: what still bills', () => {
  const record = (key: string, kind: string, id: string): ResourceRecord => ({ key, kind, status: 'created', id, attrs: {}, external: false, updatedAt: '2026-11-01T00:00:00.000Z' } as ResourceRecord);

  it('the stopped database\'s storage, the queue and the internal load balancer; never the workers (their pools are at 0)', () => {
    const estimate = estimateMonthly(scaled(), { usdPerHour: 0.1664, source: { kind: 'live' } });
    const resources = {
      [SCALE_KEYS.database]: record(SCALE_KEYS.database, 'database', 'gm-demo-db'),
      [SCALE_KEYS.cache]: record(SCALE_KEYS.cache, 'cache', 'gm-demo-queue'),
      [SCALE_KEYS.internalLoadBalancer]: record(SCALE_KEYS.internalLoadBalancer, 'load-balancer', 'arn:lb'),
    };
    const now = hourlyNow({ resources }, estimate, false);
    assert.equal(now.billing, 'kept');
    assert.match(now.basis, /database \$2\.30\/month, queue-cache \$18\.69\/month, internal-alb \$22\.27\/month\.$/);
    // The rate is rounded to $0.0001/h.
    assert.ok(Math.abs((now.usdPerHour ?? 0) - (20 * 0.115 + QUEUE + INTERNAL_ALB) / 730) < 0.0001, `${now.usdPerHour}`);
  });
});
