import assert from 'node:assert/strict';
import { SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { StateStore } from '../../src/engine/state/store';
import type { StatusDocument } from '../../src/cli/status-document';
import { inspector, tempDir } from '../harness/engine';
import { groupInstances, groupSizes, poolGroup, scaledStack } from '../harness/pool-groups';
import { cli } from './run-cli';

describe('geusemaker workers [name] [set] and the Workers lines of status (moto; pools\' groups made in moto as the deploy names and tags them)', function () {
  this.timeout(120_000);

  it('lists the pools as a table and JSON, sets a pool\'s capacity with the read-back and the config-file note, and refuses 0, a foreign group and flags without set, each with its exit code', async () => {
    const stateDir = tempDir('gm-cli-workers-');
    const aws = inspector();
    try {
      const state = await scaledStack(new StateStore(stateDir));
      await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 4, desired: 2 });
      await poolGroup(aws, { pool: 'ollama', owner: 'someone-else', min: 1, max: 1, desired: 1, types: ['g5.xlarge'] });

      const words = await cli(['workers', 'demo'], { stateDir });
      assert.equal(words.code, 0, words.stderr);
      assert.match(words.stdout, /^Worker pools of stack demo, as EC2 Auto Scaling says now \(n8n: gm-demo-n8n-workers, ollama: gm-demo-ollama-workers\):\n/);
      assert.match(words.stdout, /\n {2}POOL +DESIRED +IN SERVICE +PENDING +UNHEALTHY +MIN\.\.MAX +TYPES +STATE\n/);
      assert.match(words.stdout, /\n {2}n8n +2 +2 +0 +0 +1\.\.4 +c7i\.large +ok\n/);
      assert.match(words.stdout, /\n {2}ollama +- +- +- +- +- +- +not ours: stack id someone-else \(never changed\)\n/);
      assert.match(words.stdout, /To change a pool's size: geusemaker workers demo set --pool n8n --min 1 --max 4 --state-dir /);

      const listed = await cli(['workers', 'demo', '--json'], { stateDir });
      assert.equal(listed.code, 0, listed.stderr);
      const doc = JSON.parse(listed.stdout) as { name: string; pools: { pool: string; desired: number; inService: number; condition: string; ours: boolean }[] };
      assert.equal(doc.name, 'demo');
      assert.deepEqual(doc.pools.map((pool) => [pool.pool, pool.desired, pool.inService, pool.condition, pool.ours]), [['n8n', 2, 2, 'ok', true], ['ollama', 1, 1, 'not-ours', false]]);

      const set = await cli(['workers', 'demo', 'set', '--pool', 'n8n', '--min', '2', '--max', '6', '--json'], { stateDir });
      assert.equal(set.code, 0, set.stderr);
      const result = JSON.parse(set.stdout) as { name: string; pool: string; min: number; max: number; desired: number; before: { min: number }; changed: boolean; notes: string[] };
      assert.deepEqual([result.name, result.pool, result.min, result.max, result.desired, result.before.min, result.changed], ['demo', 'n8n', 2, 6, 2, 1, true]);
      assert.deepEqual(await groupSizes(aws, 'gm-demo-n8n-workers'), { min: 2, max: 6, desired: 2 }, 'what AWS has, read apart from the CLI');
      assert.ok(result.notes.some((note) => /config file still holds the old numbers/.test(note)));

      // `set` before the name works too; words name the change and the read-back.
      const moved = await cli(['workers', 'set', 'demo', '--pool', 'n8n', '--desired', '3'], { stateDir });
      assert.equal(moved.code, 0, moved.stderr);
      assert.match(moved.stdout, /^The n8n pool of stack demo \(gm-demo-n8n-workers\): min 2, max 6, desired 2 → 3, as AWS reads it back now; /);

      const zero = await cli(['workers', 'demo', 'set', '--pool', 'n8n', '--min', '0'], { stateDir });
      assert.equal(zero.code, 2, 'invalid input');
      assert.match(zero.stderr, /min 0 for the n8n pool of stack demo is refused/);
      assert.match(zero.stderr, /geusemaker pause demo/);
      const foreign = await cli(['workers', 'demo', 'set', '--pool', 'ollama', '--max', '2', '--json'], { stateDir });
      assert.equal(foreign.code, 3, 'refused');
      assert.equal((JSON.parse(foreign.stdout) as { error: { code: string } }).error.code, 'NOT_OURS');
      assert.deepEqual(await groupSizes(aws, 'gm-demo-ollama-workers'), { min: 1, max: 1, desired: 1 }, 'left alone');
      const noSet = await cli(['workers', 'demo', '--min', '2'], { stateDir });
      assert.equal(noSet.code, 2);
      assert.match(noSet.stderr, /--min goes with `geusemaker workers \[name\] set`/);
      const noPool = await cli(['workers', 'demo', 'set', '--max', '5'], { stateDir });
      assert.equal(noPool.code, 2);
      assert.match(noPool.stderr, /needs the pool: --pool n8n or --pool ollama/);
      assert.equal((await cli(['workers', 'demo', 'set', '--pool', 'n8n', '--max', 'lots'], { stateDir })).code, 2, 'a word is a usage error');
      assert.equal((await cli(['workers', 'nope'], { stateDir })).code, 4, 'no such stack');
    } finally {
      aws.destroy();
    }
  });

  it('status: a Workers section for a scaled stack (null without scale), degraded while a worker is unhealthy', async () => {
    const stateDir = tempDir('gm-cli-workers-status-');
    const aws = inspector();
    try {
      const store = new StateStore(stateDir);
      const state = await scaledStack(store, { ollama: false });
      await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 4, desired: 1 });
      const run = await cli(['status', 'demo', '--json'], { stateDir });
      assert.equal(run.code, 0, run.stderr);
      const doc = JSON.parse(run.stdout) as StatusDocument;
      assert.deepEqual(Object.keys(doc).at(-1), 'workers', 'added last: the documented fields keep their order');
      assert.equal(doc.workers?.note, null);
      assert.deepEqual(doc.workers?.pools.map((row) => [row.pool, row.group, row.desired, row.inService, row.unhealthy, row.min, row.max, row.condition, row.severity]),
        [['n8n', 'gm-demo-n8n-workers', 1, 1, 0, 1, 4, 'ok', 'ok']]);
      const words = await cli(['status', 'demo'], { stateDir });
      assert.equal(words.code, 0, words.stderr);
      assert.match(words.stdout, /\n {2}Workers:\n {4}POOL +DESIRED +IN SERVICE +UNHEALTHY +MIN\.\.MAX +TYPES +HEALTH\n {4}n8n +1 +1 +0 +1\.\.4 +c7i\.large +ok\n/);

      // The worker's watchdog marks it Unhealthy: until the group replaces it, the pool is degraded.
      const [worker] = await groupInstances(aws, 'gm-demo-n8n-workers');
      await aws.autoscaling.send(new SetInstanceHealthCommand({ InstanceId: worker!, HealthStatus: 'Unhealthy' }));
      const sick = JSON.parse((await cli(['status', 'demo', '--json'], { stateDir })).stdout) as StatusDocument;
      assert.deepEqual(sick.workers?.pools.map((row) => [row.desired, row.inService, row.unhealthy, row.condition, row.severity]), [[1, 0, 1, 'degraded', 'warning']]);
      assert.match((await cli(['status', 'demo'], { stateDir })).stdout, /\n {4}n8n +1 +0 +1 +1\.\.4 +c7i\.large +degraded: 0 of 1 in service, 1 unhealthy \(Auto Scaling replaces it\)\n/);

      await scaledStack(store, { name: 'plain', ollama: false }).then(async (plain) => store.write({ ...plain, config: { ...plain.config, scale: undefined } }));
      const plain = JSON.parse((await cli(['status', 'plain', '--json'], { stateDir })).stdout) as StatusDocument;
      assert.equal(plain.workers, null);
    } finally {
      aws.destroy();
    }
  });
});
