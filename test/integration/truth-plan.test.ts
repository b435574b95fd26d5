import assert from 'node:assert/strict';
import { describeCandidateTypes } from '../../src/engine/discovery/instance-types';
import { randomBytes } from 'node:crypto';
import { CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { ProgressPrinter } from '../../src/cli/progress-printer';
import { renderPlan } from '../../src/engine/present/text';
import { PriceCache } from '../../src/engine/cost/cache';
import { rankPlacements } from '../../src/engine/cost/placement';
import { PriceBook } from '../../src/engine/cost/prices';
import type { PricingApi } from '../../src/engine/cost/pricing-api';
import { GeuseError } from '../../src/engine/errors';
import type { ProgressEvent } from '../../src/engine/progress';
import { devConfig, inspector, sweep, tempDir, testEngine } from '../harness/engine';

/** No Price List (moto has none): on-demand comes from the bundled table. */
const noPriceList: PricingApi = { getProducts: async () => { throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' }); } };

describe('the plan says what will really happen', function () {
  this.timeout(120_000);

  it('names the AMI it will boot, and says "use" (not "create") for the user\'s existing VPC and subnets', async () => {
    const aws = inspector();
    const engine = testEngine();
    try {
      const plan = await engine.plan(devConfig());
      assert.match(plan.ami?.id ?? '', /^ami-/);
      assert.equal(plan.ami?.id, plan.facts.amiId);
      assert.match(renderPlan(plan).join('\n'), new RegExp(`\\n  AMI ${plan.ami!.id} \\(al2023-ami-[^,]+, x86_64\\)\\n`));

      const vpcId = (await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc!.VpcId!;
      const subnetA = (await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.9.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
      const existing = await engine.plan(devConfig({ network: { mode: 'existing', vpcId, subnetIds: [subnetA] } }));
      const network = existing.items.find((item) => item.step === 'network');
      assert.equal(network?.action, 'use');
      const text = renderPlan(existing).join('\n');
      assert.match(text, new RegExp(`use\\s+Existing VPC ${vpcId} and its subnets\\s+${vpcId}, ${subnetA} — yours: never created or deleted`));
      assert.doesNotMatch(text, /create\s+Existing VPC/);
      assert.match(text, /, 1 of yours to use\./);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('3000 ollamaModels: deploy fails at plan time naming ollamaModels, and nothing at all is created', async () => {
    const engine = testEngine();
    try {
      const ollamaModels = Array.from({ length: 3000 }, () => `m${randomBytes(6).toString('hex')}:${randomBytes(4).toString('hex')}`);
      await assert.rejects(engine.deploy(devConfig({ ollamaModels })), (error: unknown) => {
        assert.ok(error instanceof GeuseError);
        assert.equal(error.code, 'USERDATA_TOO_LARGE');
        assert.match(error.message, /ollamaModels/);
        return true;
      });
      assert.deepEqual(await sweep(), [], 'no VPC, file system, role or secret exists');
      assert.equal(await engine.store.read('demo'), undefined, 'not even a state file');
    } finally {
      engine.dispose();
    }
  });

  it('deploy --adopt says "adopted from stack id …" for what it takes over, never "created"', async () => {
    const owner = testEngine();
    const other = testEngine();
    try {
      const ownerId = (await owner.deploy(devConfig())).state.stackId;
      const events: ProgressEvent[] = [];
      await other.deploy(devConfig(), { adopt: true, onProgress: (event) => events.push(event) });
      const done = events.filter((event): event is Extract<ProgressEvent, { type: 'step-done' }> => event.type === 'step-done');
      const vpc = done.find((event) => event.step === 'vpc');
      assert.equal(vpc?.outcome, 'reused');
      assert.match(vpc?.detail ?? '', new RegExp(`^adopted from stack id ${ownerId}: vpc-`));
      assert.deepEqual(done.filter((event) => event.outcome === 'created').map((event) => event.step), [], 'nothing was created');
      const lines: string[] = [];
      const printer = new ProgressPrinter((line) => lines.push(line), false);
      printer.listener(vpc!);
      assert.match(lines[0] ?? '', new RegExp(`✓ VPC — adopted from stack id ${ownerId}: vpc-`));
      await other.destroy('demo', { deleteData: true, finalBackup: false });
    } finally {
      owner.dispose();
      other.dispose();
    }
  });

  it('prices: an emulator spot price of $0.0000 is no saving, and GPU memory reads in tenths of a GiB', async () => {
    const clients = inspector();
    try {
      const book = new PriceBook({ clients, pricing: noPriceList, cache: new PriceCache(tempDir('gm-prices-')), spot: async () => [{ zone: 'us-east-1a', usdPerHour: 0, since: '2026-11-23T00:00:00.000Z' }] });
      // moto reports the A10G's memory as 22888 MiB, which read "22.3515625 GiB".
      const [type] = await describeCandidateTypes(clients, 'gpu', ['g5.xlarge']);
      assert.equal(type?.gpuMemoryGiB, 22.4);
      const [placement] = await rankPlacements(book, [type!], 'us-east-1');
      assert.equal(placement?.spot, undefined);
      assert.equal(placement?.savings, undefined);
      assert.equal(placement?.recommended.market, 'on-demand');
      assert.doesNotMatch(placement?.recommended.why ?? '', /saves/);
    } finally {
      clients.destroy();
    }
  });
});
