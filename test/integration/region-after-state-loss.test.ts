import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { GetRoleCommand, UntagRoleCommand } from '@aws-sdk/client-iam';
import { renderDestroyPlan } from '../../src/engine/present/text';
import { GeuseError } from '../../src/engine/errors';
import type { StackConfig } from '../../src/engine/stack/config';
import { TAG_REGION } from '../../src/engine/stack/naming';
import { automationConfig, devConfig, gpuConfig, inspector, sweep, tempDir, testEngine } from '../harness/engine';

const REGION = 'eu-west-1';

async function roleExists(name: string): Promise<boolean> {
  const aws = inspector();
  try {
    await aws.iam.send(new GetRoleCommand({ RoleName: `gm-${name}-instance` }));
    return true;
  } catch {
    return false;
  } finally {
    aws.destroy();
  }
}

/** Deploys in eu-west-1, then loses the state folder: what a crashed laptop or a new container leaves behind. */
async function deployThenLoseState(config: StackConfig): Promise<void> {
  const stateDir = tempDir('gm-lost-');
  const engine = testEngine({ stateDir });
  try {
    await engine.deploy(config);
  } finally {
    engine.dispose();
  }
  rmSync(stateDir, { recursive: true, force: true });
}

describe('destroy finds the stack\'s region after its state is lost', function () {
  this.timeout(240_000);

  const tiers: [string, () => StackConfig][] = [
    ['dev', () => devConfig({ name: 'euro', region: REGION })],
    ['automation', () => automationConfig({ name: 'euro', region: REGION })],
    ['gpu', () => gpuConfig({ name: 'euro', region: REGION })],
  ];
  for (const [tier, config] of tiers) {
    it(`${tier}: deployed in ${REGION}, destroyed without state from the default region: found by its IAM role's tag, nothing left anywhere`, async () => {
      await deployThenLoseState(config());
      assert.ok((await sweep('euro', REGION)).length > 0);
      const engine = testEngine();
      try {
        // The CLI passes its default region as not explicit; the stack is found elsewhere.
        await assert.rejects(engine.destroy('euro', { region: 'us-east-1', regionExplicit: false, deleteData: true, finalBackup: false, confirm: async () => true }),
          (error: unknown) => error instanceof GeuseError && error.code === 'NOT_OURS' && /in eu-west-1 \(from its IAM role gm-euro-instance's tags\)/.test(error.message));
        let shown = '';
        const result = await engine.destroy('euro', {
          region: 'us-east-1', regionExplicit: false, deleteData: true, finalBackup: false, adopt: true,
          confirm: async (plan) => {
            shown = renderDestroyPlan(plan).join('\n');
            return true;
          },
        });
        assert.equal(result.plan.region, REGION);
        assert.match(shown, /Destroy stack euro in eu-west-1 \(from its IAM role gm-euro-instance's tags\)/);
        assert.deepEqual(await sweep('euro', REGION), [], `nothing of the ${tier} stack is left in ${REGION}`);
        assert.deepEqual(await sweep('euro', 'us-east-1'), []);
        assert.equal(await roleExists('euro'), false);
      } finally {
        engine.dispose();
      }
    });
  }

  it('a region given that contradicts the IAM role is refused, deleting nothing; without the role\'s tag the regions are scanned', async () => {
    await deployThenLoseState(devConfig({ name: 'euro', region: REGION }));
    const before = await sweep('euro', REGION);
    const engine = testEngine();
    const aws = inspector();
    try {
      await assert.rejects(engine.destroy('euro', { region: 'us-east-1', deleteData: true, finalBackup: false, adopt: true, confirm: async () => true }), (error: unknown) => {
        assert.ok(error instanceof GeuseError);
        assert.equal(error.code, 'REGION_MISMATCH');
        assert.match(error.message, /lives in eu-west-1 \(its IAM role gm-euro-instance says so\), not in us-east-1/);
        assert.match(error.nextStep, /--region eu-west-1/);
        return true;
      });
      assert.equal((await sweep('euro', REGION)).length, before.length);
      assert.equal(await roleExists('euro'), true, 'the role of a stack elsewhere was not deleted');

      // A role from before the region tag: every enabled region is scanned for the stack's tags.
      await aws.iam.send(new UntagRoleCommand({ RoleName: 'gm-euro-instance', TagKeys: [TAG_REGION] }));
      const { plan } = await engine.planDestroy('euro', { region: 'us-east-1', regionExplicit: false, deleteData: true, finalBackup: false, adopt: true });
      assert.equal(plan.region, REGION);
      assert.match(plan.regionFrom ?? '', /^eu-west-1 \(found by scanning \d+ enabled regions\)$/);
      assert.equal(plan.toDelete.length, before.length);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});
