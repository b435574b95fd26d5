import assert from 'node:assert/strict';
import { GetParameterCommand, GetParameterHistoryCommand } from '@aws-sdk/client-ssm';
import { createClients, type AwsClients } from '../../src/engine/aws/clients';
import { GeuseError } from '../../src/engine/errors';
import type { ProgressEvent } from '../../src/engine/progress';
import { SECRETS } from '../../src/engine/resources/secret-specs';
import { ROTATABLE, type RotatableSecret } from '../../src/engine/secrets/rotatable';
import { secretsDueWarnings } from '../../src/engine/secrets/service';
import { names } from '../../src/engine/stack/naming';
import type { StackConfig } from '../../src/engine/stack/config';
import { devConfig, inspector, testEngine } from '../harness/engine';
import { RotationSsm } from '../harness/rotation-ssm';

const DAY_MS = 86_400_000;

interface Version {
  version: number;
  value: string;
}

/** What Parameter Store holds now for one of the stack's secrets (read back from moto). */
async function current(aws: AwsClients, secret: string): Promise<Version> {
  const out = await aws.ssm.send(new GetParameterCommand({ Name: names.parameter('demo', secret), WithDecryption: true }));
  return { version: out.Parameter!.Version!, value: out.Parameter!.Value! };
}

async function allCurrent(aws: AwsClients): Promise<Record<string, Version>> {
  return Object.fromEntries(await Promise.all(SECRETS.map(async (spec) => [spec.name, await current(aws, spec.name)] as const)));
}

/** Every value any version of the stack's secrets ever held. */
async function everyValue(aws: AwsClients): Promise<string[]> {
  const all: string[] = [];
  for (const spec of SECRETS) {
    const out = await aws.ssm.send(new GetParameterHistoryCommand({ Name: names.parameter('demo', spec.name), WithDecryption: true }));
    all.push(...(out.Parameters ?? []).map((each) => each.Value!));
  }
  return all;
}

/** A deployed stack with the rotation SSM in front of its instance, booted with the values Parameter Store holds. */
async function deployed(config: StackConfig, calls?: string[]) {
  const aws = inspector();
  const ssm = new RotationSsm(aws, config);
  const engine = testEngine({
    ssm: ssm.factory,
    instrument: calls ? (client, service) => {
      client.middlewareStack.add((next, context) => async (args) => {
        calls.push(`${service}:${String((context as { commandName?: string }).commandName ?? '')}`);
        return next(args);
      }, { step: 'initialize', name: 'gmCountCalls' });
    } : undefined,
  });
  await engine.deploy(config);
  await ssm.boot();
  return { aws, ssm, engine };
}

function refusal(error: unknown): GeuseError {
  assert.ok(error instanceof GeuseError, String(error));
  return error;
}

describe('secret rotation (moto Parameter Store; SSM Run Command output recorded)', function () {
  this.timeout(180_000);

  it('every secret the stack uses gets a new version, applied in order on the instance with no value in any command; the encryption key keeps its version (Run Command output recorded)', async () => {
    const config = devConfig({ access: { mode: 'cidr', cidr: '203.0.113.7/32' } });
    const { aws, ssm, engine } = await deployed(config);
    try {
      const before = await allCurrent(aws);
      const events: ProgressEvent[] = [];
      let shown: Awaited<ReturnType<typeof engine.secrets.planRotation>> | undefined;
      const result = await engine.secrets.rotate('demo', { onProgress: (event) => events.push(event), confirm: async (plan) => { shown = plan; return true; } });

      // The plan asked about: every rotatable secret, the order in words, the encryption key left alone with the reason.
      assert.deepEqual(shown?.secrets, ['postgres', 'qdrant', 'crawl4ai', 'proxy', 'n8n-owner']);
      const steps = shown!.steps.join('\n');
      assert.ok(steps.indexOf('ALTER USER') < steps.indexOf('n8n are recreated'), steps);
      assert.match(shown!.notRotated.find((each) => each.name === 'n8n-encryption-key')?.reason ?? '', /re-encrypt/);

      // Parameter Store: a new version of each, read back; the encryption key untouched.
      const after = await allCurrent(aws);
      const rotated = ['postgres-password', 'qdrant-api-key', 'crawl4ai-api-token', 'proxy-password', 'n8n-owner-password'];
      for (const name of rotated) {
        assert.equal(after[name]!.version, before[name]!.version + 1, name);
        assert.notEqual(after[name]!.value, before[name]!.value, name);
      }
      assert.deepEqual(after['n8n-encryption-key'], before['n8n-encryption-key'], 'the encryption key keeps its version and value');
      assert.deepEqual(result.rotated.map((each) => [each.secret, each.parameter, each.version]),
        rotated.map((name, i) => [['postgres', 'qdrant', 'crawl4ai', 'proxy', 'n8n-owner'][i], names.parameter('demo', name), after[name]!.version]));
      assert.equal(result.restored, undefined);
      assert.match(after['n8n-owner-password']!.value, /[0-9]/);
      assert.match(after['n8n-owner-password']!.value, /[A-Z]/);

      // On the instance: one step per secret, in order, each naming the versions it moves between.
      assert.deepEqual(ssm.steps.map((step) => [step.verb, step.secret, step.from, step.to]), [
        ['rotate', 'postgres', 1, 2], ['rotate', 'qdrant', 1, 2], ['rotate', 'crawl4ai', 1, 2], ['rotate', 'proxy', 1, 2], ['rotate', 'n8n-owner', 1, 2],
      ]);
      const postgres = ssm.steps[0]!.commands;
      const alter = postgres.findIndex((line) => line.includes('ALTER USER n8n WITH PASSWORD'));
      assert.ok(alter > 0, 'ALTER USER runs');
      assert.ok(alter < postgres.indexOf('recreate postgres') && postgres.indexOf('recreate postgres') < postgres.indexOf('recreate n8n'), 'ALTER USER before PostgreSQL, and PostgreSQL before n8n, is recreated');
      assert.ok(postgres.some((line) => line.includes('if pg_login old; then fail')), 'the old password is checked to be refused');
      assert.ok(ssm.steps[1]!.commands.some((line) => /key_code old\); case "\$code" in 401\|403\)/.test(line)), 'Qdrant: the old key must get 401');
      assert.ok(ssm.steps[3]!.commands.some((line) => line.includes("'http://127.0.0.1:80/ollama/api/version'")), 'the proxy password is tried where it guards Ollama');
      assert.ok(ssm.steps[4]!.commands.some((line) => line.includes('-X PATCH') && line.includes('/rest/me/password')), 'the owner password changes through n8n\'s API');

      // No value any version ever held is in a command or its comment (SSM keeps both in its history).
      const values = await everyValue(aws);
      const sentText = ssm.sent.flatMap((each) => [...each.commands, each.comment]).join('\n');
      for (const value of values) assert.ok(!sentText.includes(value), 'a secret value reached SendCommand');

      // The instance runs what Parameter Store holds; the health rounds before and after passed; the state records when.
      for (const secret of result.rotated) assert.equal(ssm.instance.get(secret.secret), after[ROTATABLE[secret.secret].parameter]!.value, secret.secret);
      assert.equal(ssm.healthRounds, 2);
      const done = events.flatMap((event) => (event.type === 'step-done' ? [event.step] : []));
      assert.deepEqual(done, ['health-before', 'secrets-new', 'rotate-postgres', 'rotate-qdrant', 'rotate-crawl4ai', 'rotate-proxy', 'rotate-n8n-owner', 'health']);
      const state = await engine.show('demo');
      assert.deepEqual(Object.keys(state!.secretRotations).sort(), [...rotated].sort());

      // Ages are what Parameter Store says: the rotated ones at version 2.
      const ages = await engine.secrets.ages('demo');
      assert.equal(ages.find((age) => age.name === 'postgres-password')?.version, 2);
      assert.equal(ages.find((age) => age.name === 'n8n-encryption-key')?.version, 1);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('a failing health round puts the old values back as new versions and re-applies them in the same order (Run Command output recorded)', async () => {
    const { aws, ssm, engine } = await deployed(devConfig());
    try {
      const before = await allCurrent(aws);
      ssm.breaks = 'qdrant';
      const events: ProgressEvent[] = [];
      const result = await engine.secrets.rotate('demo', { onProgress: (event) => events.push(event) });

      assert.deepEqual(result.rotated, []);
      assert.match(result.restored?.reason ?? '', /health round after it failed 6 times: qdrant unhealthy/);
      const order: RotatableSecret[] = ['postgres', 'qdrant', 'crawl4ai', 'n8n-owner'];
      assert.deepEqual(result.restored?.parameters.map((each) => [each.secret, each.version]), order.map((secret) => [secret, 3]));
      // Parameter Store: the old values again, as version 3 (version 2 held the rotated one).
      const after = await allCurrent(aws);
      for (const name of ['postgres-password', 'qdrant-api-key', 'crawl4ai-api-token', 'n8n-owner-password']) {
        assert.deepEqual(after[name], { version: 3, value: before[name]!.value }, name);
        const history = await aws.ssm.send(new GetParameterHistoryCommand({ Name: names.parameter('demo', name), WithDecryption: true }));
        assert.notEqual(history.Parameters?.find((each) => each.Version === 2)?.Value, before[name]!.value, `${name} version 2 was a new value`);
      }
      assert.deepEqual(after['proxy-password'], before['proxy-password'], 'an SSM-only dev stack runs no proxy: its password is not touched');
      // The instance: rotated in order, then put back in the same order, and it runs the old values again.
      assert.deepEqual(ssm.steps.map((step) => [step.verb, step.secret, step.from, step.to]), [
        ...order.map((secret) => ['rotate', secret, 1, 2]), ...order.map((secret) => ['restore', secret, 2, 3]),
      ]);
      for (const secret of order) assert.equal(ssm.instance.get(secret), after[ROTATABLE[secret].parameter]!.value, secret);
      const done = events.flatMap((event) => (event.type === 'step-done' ? [event.step] : []));
      assert.deepEqual(done.slice(-6), ['restore-values', 'restore-postgres', 'restore-qdrant', 'restore-crawl4ai', 'restore-n8n-owner', 'restore-health']);
      assert.deepEqual((await engine.show('demo'))!.secretRotations, {}, 'nothing recorded as rotated');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('--only limits the rotation; a step failing on the instance is undone for what it reached (Run Command output recorded)', async () => {
    const { aws, ssm, engine } = await deployed(devConfig());
    try {
      const before = await allCurrent(aws);
      const only = await engine.secrets.rotate('demo', { only: ['qdrant', 'n8n-owner-password'] });
      assert.deepEqual(only.rotated.map((each) => each.secret), ['qdrant', 'n8n-owner']);
      const after = await allCurrent(aws);
      assert.deepEqual(Object.entries(after).filter(([name, now]) => now.version !== before[name]!.version).map(([name]) => name), ['n8n-owner-password', 'qdrant-api-key']);
      assert.deepEqual(ssm.steps.map((step) => step.secret), ['qdrant', 'n8n-owner']);

      // crawl4ai fails part-way: PostgreSQL (done before it) and Crawl4AI are put back; nothing else ran.
      ssm.steps.length = 0;
      ssm.failStep = 'crawl4ai';
      const failed = await engine.secrets.rotate('demo', { only: ['postgres', 'crawl4ai'] });
      assert.match(failed.restored?.reason ?? '', /GM_ROTATE_FAILED crawl4ai: crawl4ai did not answer after it was recreated/);
      assert.deepEqual(ssm.steps.map((step) => [step.verb, step.secret, step.from, step.to]), [
        ['rotate', 'postgres', 1, 2], ['rotate', 'crawl4ai', 1, 2], ['restore', 'postgres', 2, 3], ['restore', 'crawl4ai', 2, 3],
      ]);
      const again = await allCurrent(aws);
      assert.deepEqual(again['postgres-password'], { version: 3, value: before['postgres-password']!.value });
      assert.deepEqual(again['crawl4ai-api-token'], { version: 3, value: before['crawl4ai-api-token']!.value });
      assert.equal(ssm.instance.get('crawl4ai'), before['crawl4ai-api-token']!.value);
      assert.deepEqual(Object.keys((await engine.show('demo'))!.secretRotations).sort(), ['n8n-owner-password', 'qdrant-api-key']);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('cancelled while a step runs on the instance: the old values are put back there and in Parameter Store, then CANCELLED (Run Command output recorded)', async () => {
    const { aws, ssm, engine } = await deployed(devConfig());
    try {
      const before = await allCurrent(aws);
      const stop = new AbortController();
      ssm.onStep = (step) => {
        if (step.secret === 'qdrant' && step.verb === 'rotate') stop.abort();
      };
      const error = refusal(await engine.secrets.rotate('demo', { only: ['postgres', 'qdrant', 'crawl4ai'], signal: stop.signal }).catch((e: unknown) => e));
      assert.equal(error.code, 'CANCELLED');
      assert.match(error.message, /cancelled; the old values are back in Parameter Store \(postgres-password version 3, qdrant-api-key version 3, crawl4ai-api-token version 3\) and on the instance/);
      // Crawl4AI never reached the instance: only PostgreSQL and Qdrant are put back there.
      assert.deepEqual(ssm.steps.map((step) => [step.verb, step.secret]), [['rotate', 'postgres'], ['rotate', 'qdrant'], ['restore', 'postgres'], ['restore', 'qdrant']]);
      const after = await allCurrent(aws);
      for (const secret of ['postgres', 'qdrant', 'crawl4ai'] as const) {
        assert.deepEqual(after[ROTATABLE[secret].parameter], { version: 3, value: before[ROTATABLE[secret].parameter]!.value }, secret);
        assert.equal(ssm.instance.get(secret), before[ROTATABLE[secret].parameter]!.value, `${secret} on the instance`);
      }
      assert.deepEqual((await engine.show('demo'))!.secretRotations, {});
      // The lock was released: the next rotation runs.
      ssm.onStep = undefined;
      assert.deepEqual((await engine.secrets.rotate('demo', { only: ['crawl4ai'] })).rotated.map((each) => each.version), [4]);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('the n8n encryption key and a secret the stack does not use are refused before any AWS call', async () => {
    const calls: string[] = [];
    const { aws, ssm, engine } = await deployed(devConfig({ services: { n8n: true, ollama: true, qdrant: false, crawl4ai: true, postgres: true } }), calls);
    try {
      calls.length = 0;
      const key = refusal(await engine.secrets.rotate('demo', { only: ['n8n-encryption-key'] }).catch((error: unknown) => error));
      assert.equal(key.kind, 'refused');
      assert.match(key.message, /n8n has no way to re-encrypt its stored credentials with a new key/);
      const qdrant = refusal(await engine.secrets.rotate('demo', { only: ['postgres', 'qdrant'] }).catch((error: unknown) => error));
      assert.deepEqual([qdrant.code, qdrant.kind], ['SERVICE_NOT_IN_STACK', 'refused']);
      assert.match(qdrant.message, /does not use the qdrant secret: it does not run Qdrant/);
      const proxy = refusal(await engine.secrets.planRotation('demo', ['proxy']).catch((error: unknown) => error));
      assert.match(proxy.message, /runs no proxy/);
      const typo = refusal(await engine.secrets.rotate('demo', { only: ['postgress'] }).catch((error: unknown) => error));
      assert.deepEqual([typo.code, typo.kind], ['USAGE', 'invalid-input']);
      assert.deepEqual(calls, [], 'no AWS call');
      assert.deepEqual(ssm.sent, [], 'nothing sent to the instance');
      // By default the stack's rotation leaves the unused secret out.
      assert.deepEqual((await engine.secrets.planRotation('demo')).secrets, ['postgres', 'crawl4ai', 'n8n-owner']);
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('ages and due: what Parameter Store says, due once rotateAfterDays have passed, and a plan warning per due secret', async () => {
    const { aws, engine } = await deployed(devConfig({ rotateAfterDays: 30 }));
    try {
      const now = await engine.secrets.ages('demo');
      assert.deepEqual(now.map((age) => age.name), SECRETS.map((spec) => spec.name));
      const created = await aws.ssm.send(new GetParameterHistoryCommand({ Name: names.parameter('demo', 'postgres-password') }));
      const postgres = now.find((age) => age.name === 'postgres-password')!;
      assert.deepEqual([postgres.version, postgres.ageDays, postgres.due, postgres.rotatable], [1, 0, false, 'postgres']);
      assert.equal(postgres.lastChangedAt, created.Parameters![0]!.LastModifiedDate!.toISOString(), 'the time Parameter Store says');

      // 31 days after the newest of them was written: every secret is then 31 days old.
      const later = new Date(Math.max(...now.map((age) => Date.parse(age.lastChangedAt))) + 31 * DAY_MS);
      const aged = await engine.secrets.ages('demo', { now: later });
      assert.deepEqual(aged.filter((age) => age.due).map((age) => age.name), ['postgres-password', 'n8n-owner-password', 'qdrant-api-key', 'crawl4ai-api-token']);
      const key = aged.find((age) => age.name === 'n8n-encryption-key')!;
      assert.deepEqual([key.ageDays, key.rotatable, key.due], [31, undefined, false], 'the encryption key is never due: it is not rotated');
      assert.equal(aged.find((age) => age.name === 'proxy-password')?.due, false, 'not used by an SSM-only stack');

      const state = (await engine.show('demo'))!;
      const warnings = await secretsDueWarnings(aws, state, { now: later });
      assert.equal(warnings.length, 4);
      assert.match(warnings[0]!, /^Secret postgres-password of stack demo is 31 days old \(last changed \d{4}-\d\d-\d\d; rotateAfterDays is 30\): rotate it with `geusemaker secrets demo rotate --only postgres`\.$/);
      assert.deepEqual(await secretsDueWarnings(aws, state, { rotateAfterDays: undefined, now: later }), [], 'a planned config without rotateAfterDays: no warning');
      assert.equal((await secretsDueWarnings(aws, state, { rotateAfterDays: 60, now: later })).length, 0, 'the planned config\'s 60 days: none due yet');
      assert.deepEqual(await secretsDueWarnings(aws, undefined, { rotateAfterDays: 30 }), [], 'a new stack has no secrets yet');
      // Parameter Store out of reach: the plan goes on with one warning that says so.
      const unreachable = createClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
      try {
        const [warning, ...more] = await secretsDueWarnings(unreachable, state, { now: later });
        assert.deepEqual(more, []);
        assert.match(warning ?? '', /^The secrets' ages were not read \(.+\), so none is said to be due for rotation\.$/);
      } finally {
        unreachable.destroy();
      }
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});
