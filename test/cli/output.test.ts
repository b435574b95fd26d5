import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { newStackState } from '../../src/engine/deploy';
import { StateStore } from '../../src/engine/state/store';
import { automationConfig, devConfig, tempDir } from '../harness/engine';
import { RecordedSsm } from './recorded-ssm';
import { cli } from './run-cli';

/** The same document read twice differs only in when it was read: those fields are set aside to compare. */
function withoutReadTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutReadTimes);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'checkedAt').map(([key, inner]) => [key, key === 'bootstrap' && inner && typeof inner === 'object' ? { ...inner, at: null } : withoutReadTimes(inner)]));
}

describe('geusemaker output conventions: --quiet, --output json|yaml|text, list filters (moto)', function () {
  this.timeout(180_000);

  it('--quiet on deploy and destroy prints no progress and no summary (warnings only, on stderr)', async () => {
    const stateDir = tempDir('gm-cli-quiet-');
    const deployed = await cli(['deploy', 'demo', '--yes', '--quiet'], { stateDir });
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.equal(deployed.stdout, '', 'no plan and no summary');
    const stderrLines = deployed.stderr.split('\n').filter(Boolean);
    assert.ok(stderrLines.every((line) => /^\s*! /.test(line)), `only warnings on stderr:\n${deployed.stderr}`);
    assert.doesNotMatch(deployed.stderr, /→|✓|\[ +\d+\.\ds\]/, 'no progress lines');

    const loud = await cli(['deploy', 'demo', '--yes'], { stateDir });
    assert.match(loud.stdout, /No changes/, 'without --quiet the plan and summary are printed');
    const jsonQuiet = await cli(['deploy', 'demo', '--yes', '--quiet', '--json'], { stateDir });
    assert.equal(jsonQuiet.code, 0, jsonQuiet.stderr);
    assert.equal((JSON.parse(jsonQuiet.stdout) as { state: { name: string } }).state.name, 'demo', '--quiet keeps the --json document');
    assert.ok(jsonQuiet.stderr.split('\n').filter(Boolean).every((line) => (JSON.parse(line) as { event: { type: string } }).event.type === 'note'), 'progress events are left out too');

    const destroyed = await cli(['destroy', 'demo', '--yes', '--delete-data', '--quiet'], { stateDir });
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.equal(destroyed.stdout, '');
    assert.doesNotMatch(destroyed.stderr, /→|✓/);
  });

  it('--output yaml of list, show and status (recorded health round) parses back to the --json document; --output text is the default', async () => {
    const stateDir = tempDir('gm-cli-yaml-');
    assert.equal((await cli(['deploy', 'demo', '--yes', '--json'], { stateDir })).code, 0);
    const ssm = new RecordedSsm();
    for (const argv of [['list'], ['show', 'demo'], ['status', 'demo']]) {
      const json = await cli([...argv, '--json'], { stateDir, ssm: ssm.factory });
      const asOutputJson = await cli([...argv, '--output', 'json'], { stateDir, ssm: ssm.factory });
      const yaml = await cli([...argv, '--output', 'yaml'], { stateDir, ssm: ssm.factory });
      assert.equal(yaml.code, 0, yaml.stderr);
      assert.ok(!yaml.stdout.trimStart().startsWith('{'), `${argv[0]}: YAML, not JSON`);
      const expected = withoutReadTimes(JSON.parse(json.stdout));
      assert.deepEqual(withoutReadTimes(parse(yaml.stdout)), expected, `${argv[0]} --output yaml`);
      assert.deepEqual(withoutReadTimes(JSON.parse(asOutputJson.stdout)), expected, `${argv[0]} --output json is --json`);
      const text = await cli([...argv, '--output', 'text'], { stateDir, ssm: ssm.factory });
      assert.ok(!text.stdout.startsWith('{') && !text.stdout.startsWith('stateDir:'), `${argv[0]} --output text is words`);
    }
    // Errors come in the chosen format too.
    const missing = await cli(['show', 'nope', '--output', 'yaml'], { stateDir });
    assert.equal(missing.code, 4);
    assert.equal((parse(missing.stdout) as { error: { code: string } }).error.code, 'STACK_NOT_FOUND');
    const both = await cli(['list', '--json', '--output', 'yaml'], { stateDir });
    assert.equal(both.code, 2);
    const bad = await cli(['list', '--output', 'xml'], { stateDir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--output must be text, json, yaml \(got "xml"\)/);
  });

  it('list --tier automation --status deployed keeps only those stacks; a bad value names the flag and the allowed values', async () => {
    const stateDir = tempDir('gm-cli-filter-');
    // Recorded states only: nothing of them in AWS, so the list reads no group.
    const store = new StateStore(stateDir);
    await store.write({ ...newStackState(devConfig({ name: 'dev-up' })), status: 'deployed' });
    await store.write({ ...newStackState(automationConfig({ name: 'auto-up' })), status: 'deployed' });
    await store.write({ ...newStackState(automationConfig({ name: 'auto-nap' })), status: 'paused' });
    const names = async (argv: string[]) => {
      const run = await cli(['list', ...argv, '--json'], { stateDir });
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as { stacks: { name: string }[] }).stacks.map((stack) => stack.name).sort();
    };
    assert.deepEqual(await names([]), ['auto-nap', 'auto-up', 'dev-up']);
    assert.deepEqual(await names(['--tier', 'automation', '--status', 'deployed']), ['auto-up']);
    assert.deepEqual(await names(['--tier', 'automation']), ['auto-nap', 'auto-up']);
    assert.deepEqual(await names(['--status', 'paused']), ['auto-nap']);
    assert.deepEqual(await names(['--tier', 'gpu']), []);
    const text = await cli(['list', '--tier', 'gpu', '--status', 'deployed'], { stateDir });
    assert.match(text.stdout, /^No stack in .* is on the gpu tier and recorded as deployed\.\n$/);

    const badTier = await cli(['list', '--tier', 'huge'], { stateDir });
    assert.equal(badTier.code, 2);
    assert.match(badTier.stderr, /^Error \[USAGE\]: --tier must be one of dev, automation, gpu \(got "huge"\)\./);
    const badStatus = await cli(['list', '--status', 'running'], { stateDir });
    assert.equal(badStatus.code, 2);
    assert.match(badStatus.stderr, /^Error \[USAGE\]: --status must be one of new, deploying, deployed, deploy_failed, pausing, paused, destroying, destroy_failed, destroyed \(got "running"\)\./);
  });
});
