import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import { CreateDBInstanceCommand } from '@aws-sdk/client-rds';
import { CostService } from '../../src/engine/cost/cost-service';
import type { PricingApi } from '../../src/engine/cost/pricing-api';
import { newStackState } from '../../src/engine/deploy';
import { SCALE_KEYS, scaleNames } from '../../src/engine/scale/names';
import type { ResourceRecord } from '../../src/engine/state/schema';
import { devConfig, inspector, tempDir } from '../harness/engine';
import { poolGroup } from '../harness/pool-groups';

const fixture = (name: string) => (JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pricing', name), 'utf8')) as { PriceList: string[] }).PriceList;

/** Recorded GetProducts answers (moto has no Price List API): the worker types, RDS, ElastiCache and the list prices. */
const recordedPricing: PricingApi = {
  async getProducts(service, filters) {
    const has = (field: string) => filters.some((f) => f.Field === field);
    if (service === 'AmazonEC2') {
      if (has('instanceType')) return [...fixture('get-products-worker-types.json'), ...fixture('get-products-t3-xlarge.json')];
      return has('volumeApiName') ? fixture('get-products-ebs-gp3.json') : fixture('get-products-data-transfer-out.json');
    }
    const byService: Record<string, string> = {
      AmazonEFS: 'get-products-efs.json', AmazonVPC: 'get-products-vpc-public-ipv4.json', AWSELB: 'get-products-elb.json', AWSBackup: 'get-products-backup.json',
      AmazonRDS: 'get-products-rds.json', AmazonElastiCache: 'get-products-elasticache.json',
    };
    return byService[service] ? fixture(byService[service]) : [];
  },
};

const HOUR = 3_600_000;
const near = (actual: number | undefined, expected: number, tolerance: number, what: string) => assert.ok(actual !== undefined && Math.abs(actual - expected) < tolerance, `${what}: ${actual} ≈ ${expected}`);
const created = (key: string, kind: string, id: string, attrs: Record<string, string> = {}, updatedAt = new Date()): ResourceRecord => (
  { key, kind, status: 'created', id, attrs, external: false, updatedAt: updatedAt.toISOString() } as ResourceRecord);

describe('cost of a scaled stack in moto (prices from recorded Price List answers)', function () {
  this.timeout(120_000);

  it('to date: the n8n pool\'s workers from their tagged instances, RDS and ElastiCache from their creation as AWS says; the estimate prices the pool at its size now', async () => {
    const aws = inspector();
    const config = devConfig({ name: 'demo', instanceType: 't3.xlarge', scale: { n8nWorkers: { min: 1, max: 4, market: 'spot' } } });
    const state = newStackState(config);
    state.status = 'deployed';
    // Two workers running in the pool's group, tagged with its name as Auto Scaling tags them.
    const workers = await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 4, desired: 2 });
    assert.equal(workers.length, 2);
    await aws.rds.send(new CreateDBInstanceCommand({
      DBInstanceIdentifier: scaleNames.database('demo'), DBInstanceClass: 'db.t4g.medium', Engine: 'postgres', AllocatedStorage: 20, StorageType: 'gp3',
      MasterUsername: 'n8n', MasterUserPassword: 'not-a-real-password-1', DBName: 'n8n',
    }));
    await aws.elasticache.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: scaleNames.cache('demo'), ReplicationGroupDescription: 'queue', Engine: 'valkey', CacheNodeType: 'cache.t4g.small', NumCacheClusters: 1,
    }));
    state.resources[SCALE_KEYS.workerGroupKey('n8n')] = created(SCALE_KEYS.workerGroupKey('n8n'), 'auto-scaling-group', scaleNames.workerGroup('demo', 'n8n'), { pool: 'n8n', market: 'spot' });
    // Their records were written again by a redeploy five hours on: only the creation time AWS reports says 10 h.
    const redeployed = new Date(Date.now() + 5 * HOUR);
    state.resources[SCALE_KEYS.database] = created(SCALE_KEYS.database, 'database', scaleNames.database('demo'), {}, redeployed);
    state.resources[SCALE_KEYS.cache] = created(SCALE_KEYS.cache, 'cache', scaleNames.cache('demo'), {}, redeployed);

    const service = new CostService({ clients: () => aws, pricing: () => recordedPricing, cacheDir: tempDir('gm-prices-'), requireState: async () => state });
    try {
      // Ten hours after moto created everything.
      const later = new Date(Date.now() + 10 * HOUR);
      const toDate = await service.costToDate('demo', later);
      const runs = toDate.intervals.filter((i) => i.pool === 'n8n');
      assert.deepEqual(runs.map((r) => r.instanceId).sort(), [...workers].sort(), 'each worker EC2 describes with the pool\'s group tag');
      for (const run of runs) {
        near(run.hours, 10, 0.1, `${run.instanceId} hours`);
        // moto's $0.00001 spot history is not believable: the run is priced at on-demand, spot's ceiling.
        assert.equal(run.priced, 'on-demand');
      }
      near(toDate.scale?.workersUsd, 2 * 10 * 0.08925, 0.05, 'workers');
      near(toDate.scale?.databaseUsd, 10 * 0.065 + (20 * 0.115 * 10) / 730, 0.01, 'database');
      near(toDate.scale?.cacheUsd, 10 * 0.0256, 0.01, 'queue');
      assert.match(toDate.basis, /2 of them worker runs/);
      assert.match(toDate.basis, /database db\.t4g\.medium for 10\.0 h at \$0\.065\/h plus 20 GiB gp3 at \$0\.115\/GB-month, from its creation as RDS says/);
      assert.match(toDate.basis, /queue 1 × cache\.t4g\.small for 10\.0 h at \$0\.0256\/h, from its creation as ElastiCache says/);

      const estimate = await service.stackEstimate(state);
      const pool = estimate.lines.find((l) => l.item === 'n8n-workers')!;
      assert.match(pool.basis, /^2 workers now \(min 1, up to 4: /, 'the group\'s desired capacity, read back');
      assert.match(pool.basis, /no plausible spot price is known for c7i\.large, c6i\.large, m7i\.large: c7i\.large at its on-demand price, the most spot costs/);
      assert.equal(pool.pool?.workers, 2);
      assert.ok(estimate.lines.some((l) => l.item === 'database') && estimate.lines.some((l) => l.item === 'queue-cache'));
    } finally {
      service.dispose();
    }
  });
});
