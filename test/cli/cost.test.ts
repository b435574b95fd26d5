import assert from 'node:assert/strict';
import { launchRealism } from '../harness/launch-realism';
import { testEmulator } from '../harness/root-hooks';
import { runCli, type CliIo } from '../../src/cli/main';
import { FAST_TIMING, tempDir } from '../harness/engine';

/** The CLI in-process against moto; moto has no Price List API, so on-demand prices fall back to the bundled table. */
async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), isTTY: false, readLine: async () => '', env: { ...process.env, ...env }, cwd: tempDir('gm-cli-cwd-') };
  const code = await runCli(argv, io, { timing: FAST_TIMING, instrument: launchRealism(testEmulator().endpoint) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('geusemaker prices and cost (spot from moto; on-demand estimated: moto has no Price List API)', function () {
  this.timeout(120_000);

  it('prices lists the tier\'s types cheapest first, with the cheapest spot AZ and each price\'s source', async () => {
    const text = await cli(['prices', '--region', 'us-east-1']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Instance types for the dev tier in us-east-1, cheapest first/);
    assert.match(text.stdout, /t3\.xlarge +4 vCPU, 16 GiB +\$0\.1664 \(estimated\)/);
    // moto's spot price ($0.00001/h, shown as $0.0000) is not a market price: unknown, never a 100% saving.
    assert.match(text.stdout, /t3\.xlarge +4 vCPU, 16 GiB +\$0\.1664 \(estimated\) +- +- +on-demand: no plausible spot price is known for this type here \(AWS answered \$0\.00001\/h\)/);
    assert.doesNotMatch(text.stdout, /100%/);
    const one = await cli(['prices', '--region', 'us-east-1', '--instance-type', 'm7i.large']);
    assert.match(one.stdout, /m7i\.large/);
    assert.doesNotMatch(one.stdout, /t3\.xlarge/);
    const json = await cli(['prices', '--region', 'us-east-1', '--gpu', '--json']);
    const doc = JSON.parse(json.stdout) as { placements: { type: { type: string; gpus: number }; onDemand?: { source: { kind: string } }; spot?: { source: { kind: string } } }[] };
    assert.ok(doc.placements.length > 0 && doc.placements.every((p) => p.type.gpus > 0));
    assert.ok(doc.placements.every((p) => p.onDemand?.source.kind === 'estimated'), 'each price carries its source');
    // An implausible spot price is no saving under any threshold.
    const strict = await cli(['prices', '--region', 'us-east-1', '--instance-type', 't3.xlarge', '--spot-min-saving', '0']);
    assert.equal(strict.code, 0, strict.stderr);
    assert.doesNotMatch(strict.stdout, /spot saves/);
    const bad = await cli(['prices', '--region', 'us-east-1', '--spot-min-saving', '95']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--spot-min-saving must be a percentage from 0 to 90/);
  });

  it('cost estimates every stack in the folder, broken down, and refuses an unknown name', async () => {
    const stateDir = tempDir('gm-cli-state-');
    // A $1 budget: far over, so deploying needs the override, and cost then says so.
    const deployed = await cli(['deploy', 'demo', '--yes', '--state-dir', stateDir, '--allow-over-budget'], { GEUSEMAKER_MONTHLY_BUDGET_USD: '1' });
    assert.equal(deployed.code, 0, deployed.stderr);
    const text = await cli(['cost', '--state-dir', stateDir]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Stack demo \(deployed\): about \$\d+\.\d\d\/month if it runs all month; \$\d+\.\d\d so far \(1 instance run\(s\)/);
    for (const item of ['compute', 'ebs', 'efs', 'public-ipv4', 'data-transfer']) assert.match(text.stdout, new RegExp(`\\n +${item} +\\$\\d+\\.\\d\\d +(live|cached \\d+ min ago|estimated) `));
    // moto has no Price List API: the list prices are the bundled ones, and each line says so.
    assert.match(text.stdout, /\n +ebs +\$4\.00 +estimated +50 GiB gp3 root volume at \$0\.08\/GB-month/);
    assert.match(text.stdout, /\n +on-demand recommended: no plausible spot price is known for this type here \(AWS answered \$0\.00001\/h\)/);
    assert.match(text.stdout, /compute +\$121\.47 +estimated +t3\.xlarge spot at \$0\.1664\/h × 730 h \(no plausible spot price is known: priced at on-demand, the most spot costs\)/);
    assert.match(text.stdout, /Total: about \$/);
    assert.doesNotMatch(text.stdout, /spot saves/, 'no saving is claimed from an implausible spot price');
    assert.match(text.stdout, /! Budget: \$\d+\.\d\d this month so far, projected \$\d+\.\d\d of \$1\.00 \(\d+%\): over budget/);
    const json = JSON.parse((await cli(['cost', 'demo', '--json', '--spot-min-saving', '30', '--state-dir', stateDir])).stdout) as {
      totalUsd: number; stacks: { name: string; estimate: { lines: { item: string; source: string; sourceText: string }[]; recommendation: { market: string } } }[];
    };
    assert.deepEqual(json.stacks.map((s) => s.name), ['demo']);
    assert.deepEqual(json.stacks[0]?.estimate.lines.find((l) => l.item === 'ebs'), { ...json.stacks[0]?.estimate.lines.find((l) => l.item === 'ebs'), source: 'estimated', sourceText: 'estimated' });
    assert.equal(json.stacks[0]?.estimate.recommendation.market, 'on-demand');
    assert.ok(json.totalUsd > 0);
    assert.equal((await cli(['cost', 'nope', '--state-dir', stateDir])).code, 4, 'no such stack: exit code 4');
    assert.equal((await cli(['destroy', 'demo', '--yes', '--delete-data', '--state-dir', stateDir])).code, 0);
  });
});
