import assert from 'node:assert/strict';
import { tempDir } from '../harness/engine';
import { cli as runIn } from './run-cli';

const cli = (argv: string[], stateDir: string) => runIn(argv, { stateDir });

describe('geusemaker plan / history / rollback on a running stack', function () {
  this.timeout(180_000);

  it('plan --json carries the diff; deploy applies it; history lists both versions; rollback returns to version 1 and records version 3; an unknown version is refused', async () => {
    const stateDir = tempDir('gm-cli-history-');
    assert.equal((await cli(['deploy', 'demo', '--yes', '--json'], stateDir)).code, 0);

    const unchanged = JSON.parse((await cli(['plan', 'demo', '--json'], stateDir)).stdout) as { diff: { unchanged: boolean; settings: unknown[] } };
    assert.equal(unchanged.diff.unchanged, true);
    const quiet = await cli(['plan', 'demo'], stateDir);
    assert.match(quiet.stdout, /No changes: the stack runs this configuration \(applied version 1\); deploy would change nothing\./);

    const planned = await cli(['plan', 'demo', '--instance-type', 't3.2xlarge', '--json'], stateDir);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout) as { diff: { fromVersion: number; settings: { path: string; from: string; to: string; effect: string }[]; effects: string[] }; items: { step: string; action: string }[] };
    assert.equal(plan.diff.fromVersion, 1);
    assert.deepEqual(plan.diff.settings.map((c) => [c.path, c.from, c.to, c.effect]), [['instanceType', 't3.xlarge', 't3.2xlarge', 'replace']]);
    assert.equal(plan.items.find((item) => item.step === 'instance-update')?.action, 'replace');
    assert.ok(plan.diff.effects.some((effect) => /unavailable for about 5 minutes/.test(effect)));

    const applied = await cli(['deploy', 'demo', '--instance-type', 't3.2xlarge', '--yes'], stateDir);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /-\/\+\s+replace\s+Instance on this configuration/);
    assert.match(applied.stdout, /Instance: i-\w+ \(t3\.2xlarge/);

    const history = JSON.parse((await cli(['history', 'demo', '--json'], stateDir)).stdout) as { applied: number; versions: { version: number; summary: string[] }[] };
    assert.equal(history.applied, 2);
    assert.deepEqual(history.versions.map((v) => [v.version, v.summary.join('; ')]), [[1, 'first deploy'], [2, 'instanceType t3.xlarge → t3.2xlarge']]);
    const listed = await cli(['history', 'demo'], stateDir);
    assert.match(listed.stdout, /^\s+2 \*\s+\S+ \S+\s+\S+\s+instanceType t3\.xlarge → t3\.2xlarge$/m);

    const unknown = await cli(['rollback', 'demo', '--to', '9', '--yes'], stateDir);
    assert.equal(unknown.code, 3, 'refused');
    assert.match(unknown.stderr, /has no applied version 9 \(it has 1–2\)/);
    const noTerminal = await cli(['rollback', 'demo'], stateDir);
    assert.equal(noTerminal.code, 3);
    assert.match(noTerminal.stderr, /needs confirmation/);

    const back = await cli(['rollback', 'demo', '--yes'], stateDir);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /Roll back stack demo to version 1/);
    assert.match(back.stdout, /~ instanceType t3\.2xlarge → t3\.xlarge \(replaces the instance\)/);
    assert.match(back.stdout, /Rolled back to the configuration of version 1; it is recorded as version 3\./);
    const after = JSON.parse((await cli(['show', 'demo', '--json'], stateDir)).stdout) as { config: { instanceType: string }; resources: { instance: { attrs: { instanceType: string } } } };
    assert.equal(after.config.instanceType, 't3.xlarge');
    assert.equal(after.resources.instance.attrs.instanceType, 't3.xlarge', 'as EC2 reported the new instance');
  });
});
