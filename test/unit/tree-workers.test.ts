import assert from 'node:assert/strict';
// First: it stands in for the vscode module the extension's files import.
import { fake } from '../harness/fake-vscode';
import { SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { newStackState } from '../../src/engine/deploy';
import { EngineHost } from '../../src/vscode/engine-host';
import { poolNodeOf } from '../../src/vscode/commands/capacity-words';
import { viewOf, type TreeNode } from '../../src/vscode/tree/nodes';
import { StacksTreeProvider } from '../../src/vscode/tree/provider';
import { devConfig, inspector, tempDir, testEngine } from '../harness/engine';
import { groupInstances, poolGroup, scaledStack } from '../harness/pool-groups';
import { extensionContext, freshEditorForEachTest, settle } from '../harness/tree-editor';

/** Lets the tree's background read of the pools (a real call to moto) land: until `done` holds, or give up after many turns. */
async function landed(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 250 && !done(); turn++) await settle();
}

describe('the Workers section of the Stacks tree (fake vscode; pools\' groups made in moto as the deploy names and tags them)', function () {
  this.timeout(120_000);
  freshEditorForEachTest();

  it('a scaled stack has Workers with each pool\'s counts from Auto Scaling, read when the stack is expanded, on Refresh and when its state changed; a stack without scale has none', async () => {
    const stateDir = tempDir('gm-state-');
    fake.settings = { stateDirectory: stateDir, endpoint: process.env.GEUSEMAKER_AWS_ENDPOINT };
    const engine = testEngine({ stateDir });
    const host = new EngineHost(extensionContext());
    const aws = inspector();
    try {
      const state = await scaledStack(engine.store);
      const plain = newStackState(devConfig({ name: 'plain' }));
      await engine.store.write({ ...plain, status: 'deployed' });
      await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 4, desired: 2 });
      await poolGroup(aws, { pool: 'ollama', owner: 'someone-else', min: 1, max: 1, desired: 1, types: ['g5.xlarge'] });
      const [sick] = await groupInstances(aws, 'gm-demo-n8n-workers');
      await aws.autoscaling.send(new SetInstanceHealthCommand({ InstanceId: sick!, HealthStatus: 'Unhealthy' }));

      // The real engine against moto, counted.
      const reads: string[] = [];
      const provider = new StacksTreeProvider(host, async () => ({ checkedAt: '', services: {} }), undefined, undefined, {
        workers: async (entry, signal) => {
          reads.push(entry.ref.name);
          return engine.workers.pools(entry.ref.name, { signal });
        },
      });
      await provider.refresh({ force: true });
      await provider.refresh();
      const stack = (name: string) => provider.getChildren().find((node) => viewOf(node).label === name)!;
      assert.deepEqual(reads, [], 'refreshes read no pools');
      assert.deepEqual(provider.getChildren(stack('plain')).map((node) => viewOf(node).label), ['Services', 'Resources', 'Endpoints', 'Models', 'Backups'], 'no Workers without scale');
      const workers = () => provider.getChildren(stack('demo')).find((node) => viewOf(node).label === 'Workers')!;
      assert.ok(workers(), 'a scaled stack has Workers');
      await landed(() => viewOf(workers()).description !== undefined);
      assert.deepEqual(reads, ['demo'], 'read once the stack was expanded, so the section shows its counts');
      const section = viewOf(workers());
      assert.equal(section.description, 'n8n 1/2 degraded · ollama not ours');
      assert.equal(section.contextValue, 'section.workers.live', 'Set Capacity… shows on it');
      assert.equal(section.icon?.id, 'warning');

      const rows = provider.getChildren(workers());
      const [n8n, ollama] = rows.map(viewOf);
      assert.deepEqual([n8n?.label, n8n?.description, n8n?.contextValue], ['n8n workers', '1/2 in service · 1 unhealthy · 1..4 · c7i.large', 'pool.ours.live']);
      assert.match(n8n?.tooltip ?? '', /Auto Scaling group: gm-demo-n8n-workers {2}\nMin 1 · desired 2 · max 4/);
      assert.match(n8n?.tooltip ?? '', /Types it may launch: c7i\.large, c6i\.large/);
      assert.deepEqual([ollama?.label, ollama?.description, ollama?.contextValue], ['Ollama workers', 'not ours', 'pool.other'], 'no Set Capacity… on a group that is not ours');
      assert.match(ollama?.tooltip ?? '', /carries stack id someone-else \(another stack\).*never changes it/);
      assert.equal(poolNodeOf(rows[0])?.pool.groupName, 'gm-demo-n8n-workers', 'Set Capacity… finds the pool from its row');
      assert.equal(poolNodeOf({ kind: 'pool', entry: {} }), undefined);

      await provider.refresh();
      provider.getChildren(stack('demo'));
      await settle();
      assert.deepEqual(reads, ['demo'], 'kept across automatic refreshes');
      await provider.refresh({ force: true });
      provider.getChildren(stack('demo'));
      await landed(() => viewOf(workers()).description !== undefined);
      assert.deepEqual(reads, ['demo', 'demo'], 'Refresh reads them again');

      // A change to the stack's state (a deploy, a pause, Set Capacity… elsewhere) has them read again.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await engine.workers.setCapacity('demo', 'n8n', { max: 3, desired: 1 });
      await provider.refresh();
      provider.getChildren(stack('demo'));
      await landed(() => viewOf(workers()).description !== undefined);
      assert.deepEqual(reads, ['demo', 'demo', 'demo']);
      // Which worker the group terminated is its choice: the healthy one or the unhealthy one.
      assert.match(viewOf(workers()).description ?? '', /^n8n (0\/1 degraded|1\/1) · ollama not ours$/, 'desired as Auto Scaling says now');
      assert.match(viewOf(provider.getChildren(workers())[0]!).description ?? '', / · 1\.\.3 · /);
      provider.dispose();
    } finally {
      aws.destroy();
      host.dispose();
      engine.dispose();
    }
  });

  it('without a source of its own the tree asks the stack\'s engine; a failed read says why and offers Refresh', async () => {
    const stateDir = tempDir('gm-state-');
    fake.settings = { stateDirectory: stateDir, endpoint: process.env.GEUSEMAKER_AWS_ENDPOINT };
    const engine = testEngine({ stateDir });
    const host = new EngineHost(extensionContext());
    const aws = inspector();
    try {
      const state = await scaledStack(engine.store, { ollama: false });
      await poolGroup(aws, { pool: 'n8n', owner: state.stackId, min: 1, max: 3, desired: 1 });
      const provider = new StacksTreeProvider(host, async () => ({ checkedAt: '', services: {} }));
      await provider.refresh({ force: true });
      const demo = provider.getChildren()[0]!;
      const workers = () => provider.getChildren(demo).find((node) => viewOf(node).label === 'Workers')!;
      assert.deepEqual(provider.getChildren(workers()).map((node) => viewOf(node).label), ['Reading worker pools…']);
      await landed(() => viewOf(workers()).description !== undefined);
      assert.deepEqual(provider.getChildren(workers()).map((node) => [viewOf(node).label, viewOf(node).description]), [['n8n workers', '1/1 in service · 1..3 · c7i.large']]);
      provider.dispose();

      const failing = new StacksTreeProvider(host, async () => ({ checkedAt: '', services: {} }), undefined, undefined, {
        workers: async () => {
          throw Object.assign(new Error('User is not authorized to perform: autoscaling:DescribeAutoScalingGroups'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
        },
      });
      await failing.refresh({ force: true });
      const node = failing.getChildren()[0] as TreeNode;
      const section = failing.getChildren(node).find((each) => viewOf(each).label === 'Workers')!;
      await settle();
      const [note] = failing.getChildren(section).map(viewOf);
      assert.match(note?.label ?? '', /^Workers not read: /);
      assert.deepEqual([note?.description, note?.command?.command], ['click to retry', 'geusemaker.refresh']);
      failing.dispose();
    } finally {
      aws.destroy();
      host.dispose();
      engine.dispose();
    }
  });
});
