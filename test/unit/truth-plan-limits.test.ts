import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { instanceFiles } from '../../src/engine/bootstrap/preview';
import { quotaFailure } from '../../src/engine/aws/quotas';
import { GeuseError } from '../../src/engine/errors';
import { liveView } from '../../src/engine/live';
import { checkPlanLimits } from '../../src/engine/plan/limits';
import { stackConfigSchema, type StackConfig } from '../../src/engine/stack/config';

const FACTS = { architecture: 'x86_64' as const };

function thrown(run: () => unknown): GeuseError {
  try {
    run();
  } catch (error) {
    if (error instanceof GeuseError) return error;
    throw error;
  }
  assert.fail('expected a GeuseError');
}

/** Model names that do not compress: each one random. */
const models = (count: number) => Array.from({ length: count }, () => `m${randomBytes(6).toString('hex')}:${randomBytes(4).toString('hex')}`);

describe('limits checked in the plan, before anything is created', () => {
  it('3000 ollamaModels: the plan fails with USERDATA_TOO_LARGE naming ollamaModels and EC2\'s 16384-byte limit, as invalid input', () => {
    const config = stackConfigSchema.parse({ name: 'demo', ollamaModels: models(3000) });
    const error = thrown(() => checkPlanLimits(config, FACTS, undefined));
    assert.equal(error.code, 'USERDATA_TOO_LARGE');
    assert.equal(error.kind, 'invalid-input');
    assert.match(error.message, /over EC2's limit of 16384 bytes/);
    assert.match(error.message, /nothing was created: ollamaModels: its 3000 model names/);
    assert.match(error.nextStep, /fewer models in ollamaModels/);
  });

  it('a gpu stack with many models that still fit plans, and the default config is far inside every limit', () => {
    checkPlanLimits(stackConfigSchema.parse({ name: 'demo' }), FACTS, undefined);
    checkPlanLimits(stackConfigSchema.parse({ name: 'demo', tier: 'gpu', instanceType: 'g5.xlarge', ollamaModels: models(50) }), FACTS, undefined);
  });

  it('a stack name whose derived names exceed AWS limits is refused naming the name and the limit (the schema caps names at 24 today)', () => {
    const long = { ...stackConfigSchema.parse({ name: 'demo', tier: 'automation' }), name: 'a'.repeat(30) } as StackConfig;
    const error = thrown(() => checkPlanLimits(long, FACTS, undefined));
    assert.equal(error.code, 'NAME_TOO_LONG');
    assert.match(error.message, /^name: "a{30}" makes the load balancer name gm-a{30} 33 characters long, over AWS's limit of 32/);
  });
});

describe('render and the extension\'s preview follow the config\'s os', () => {
  it('without an os given, the Ubuntu config gets the Ubuntu bootstrap; an explicit os still wins', () => {
    const config = stackConfigSchema.parse({ name: 'demo', os: 'ubuntu-22.04' });
    const script = (os?: 'al2023') => String(instanceFiles({ config, region: 'us-east-1', fileSystemId: 'fs-0123', architecture: 'x86_64', gpu: false, ...(os ? { os } : {}) }).find((f) => f.name === 'userdata.sh')!.content);
    assert.match(script(), /VARIANT='ubuntu-22\.04 x86_64'/);
    assert.match(script(), /docker-compose-v2/);
    assert.match(script('al2023'), /VARIANT='al2023 x86_64'/);
  });
});

describe('quota and live-status words', () => {
  it('an unreadable Service Quotas answer is "unknown", never the parser\'s "SyntaxError"', () => {
    const html = Object.assign(new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON\n  Deserialization error: to see the raw response…'), { $metadata: { httpStatusCode: 500 } });
    assert.equal(quotaFailure(html), 'unknown: Service Quotas sent an answer that is not its JSON (HTTP 500)');
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    assert.equal(quotaFailure(denied), 'AccessDeniedException');
  });

  it('live status: EC2\'s state when it answered, "recorded, AWS not reachable" when no answer came back', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    assert.equal(liveView('deployed', 'i-1', { error: refused }).summary, 'deployed (recorded, AWS not reachable)');
    assert.equal(liveView('deployed', 'i-1', { sightings: new Map() }).summary, 'instance terminated (EC2 no longer lists it)');
    assert.equal(liveView('deployed', 'i-1', { sightings: new Map([['i-1', { id: 'i-1', state: 'stopped' }]]) }).instanceState, 'stopped');
    assert.equal(liveView('paused', undefined, { sightings: new Map() }).source, 'recorded');
  });
});
