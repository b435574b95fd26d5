import assert from 'node:assert/strict';
import '../harness/fake-vscode';
import { classifyAwsError } from '../../src/engine/aws/classify';
import { resolveEndpoint } from '../../src/engine/aws/endpoint';
import { cancelled, GeuseError, stackNotFound } from '../../src/engine/errors';
import { instanceIdOf } from '../../src/engine/operate';
import type { StackState } from '../../src/engine/state/schema';
import type { Engine, StackConfig, StackHealth } from '../../src/engine';
import { stackHealthView } from '../../src/vscode/health-view';
import { editorError, fixesFor, plainError, setEndpointForErrors } from '../../src/vscode/ui-errors';
import { forgetGap } from '../../src/vscode/endpoint-gaps';
import { devConfig } from '../harness/engine';

const EMULATOR = { url: 'http://127.0.0.1:4566', source: 'setting' as const };

function awsError(name: string, message: string, status: number, operation?: string) {
  return Object.assign(new Error(message), { name, Code: name, $metadata: { httpStatusCode: status }, ...(operation ? { $operation: operation } : {}) });
}
/** What the SDK throws when moto answers an action it lacks with its HTML 500 page. */
const htmlAnswer = (operation: string) => Object.assign(new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode: 500 }, $operation: operation });
const refusedConnection = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { name: 'Error', $metadata: {}, cause: { code: 'ECONNREFUSED', address: '127.0.0.1', port: 4566 } });
const caught = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
};
const pausedState = { name: 'demo', status: 'paused', resources: {} } as unknown as StackState;

/** Errors as the engine really makes them, CLI words and all. */
const realErrors = (): [string, unknown][] => [
  ['no credentials', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })],
  ['expired SSO', classifyAwsError(Object.assign(new Error('The SSO session has expired'), { name: 'CredentialsProviderError' }), { profile: 'work' })],
  ['denied', awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403, 'ec2:RunInstances')],
  ['transient', awsError('InternalError', 'We encountered an internal error.', 500, 'ec2:CreateVpc')],
  ['unknown AWS code', awsError('SomethingNew', 'A thing happened.', 418, 'ec2:CreateVpc')],
  ['instance profile', awsError('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', 409, 'iam:AddRoleToInstanceProfile')],
  ['CloudFront not verified', classifyAwsError(awsError('AccessDenied', 'Your account must be verified before you can add new CloudFront resources.', 403, 'cloudfront:CreateDistribution'), { stack: 'demo' })],
  ['HTML answer', htmlAnswer('ssm:DescribeInstanceInformation')],
  ['unreachable', refusedConnection()],
  ['bad endpoint', caught(() => resolveEndpoint({ setting: 'not a url' }))],
  ['no stack', stackNotFound('demo', '/tmp/stacks')],
  ['paused', caught(() => instanceIdOf(pausedState))],
  ['cancelled', cancelled()],
  ['bug', new TypeError('Cannot read properties of undefined (reading \'id\')')],
];

describe('errors in editor words (plainError, the fixes)', () => {
  afterEach(() => setEndpointForErrors(() => undefined));

  for (const endpoint of [undefined, EMULATOR]) {
    it(`no code, flag, backtick, SDK or parser internals reach the editor (${endpoint ? 'with' : 'without'} an endpoint)`, () => {
      setEndpointForErrors(() => endpoint);
      for (const [what, error] of realErrors()) {
        const { title, detail } = plainError(error);
        const text = `${title} ${detail}`;
        assert.ok(title.length > 0 && title.length <= 140, `${what}: a short title: ${title}`);
        assert.match(title, /[.?!]$/, `${what}: one sentence: ${title}`);
        assert.doesNotMatch(text, /`/, `${what}: backticks: ${text}`);
        assert.doesNotMatch(text, /(^|\s)--[a-z]/, `${what}: CLI flags: ${text}`);
        assert.doesNotMatch(text, /\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/, `${what}: error codes: ${text}`);
        assert.doesNotMatch(text, /\((InternalError|SomethingNew|UnauthorizedOperation|LimitExceeded|AccessDenied|SyntaxError|ECONNREFUSED)\)/, `${what}: AWS codes in parentheses: ${text}`);
        assert.doesNotMatch(text, /Deserialization|\$response|Unexpected token|doctype|hidden field/, `${what}: SDK internals: ${text}`);
        assert.doesNotMatch(text, /resumes where it stopped|geusemaker [a-z]/, `${what}: CLI advice: ${text}`);
      }
    });
  }

  it('an emulator without an API says exactly that, naming the endpoint, with the endpoint setting as the fix', () => {
    setEndpointForErrors(() => EMULATOR);
    const words = editorError(htmlAnswer('ssm:DescribeInstanceInformation'));
    assert.equal(words.title, 'The emulator at http://127.0.0.1:4566 does not run commands on instances (SSM Run Command).');
    assert.deepEqual(words.fixes, ['openEndpointSetting']);
    assert.equal(plainError(htmlAnswer('ec2:DescribeSpotPriceHistory')).title, 'The emulator at http://127.0.0.1:4566 does not answer DescribeSpotPriceHistory (EC2).');
    setEndpointForErrors(() => undefined);
    assert.match(plainError(htmlAnswer('ssm:DescribeInstanceInformation')).title, /other than AWS answered .* web page/, 'without an endpoint: something in between answered');
  });

  it('each common failure offers the button that fixes it', () => {
    const titles = (error: unknown) => fixesFor(classifyAwsError(error), 'work').map((f) => f.title);
    assert.deepEqual(titles(realErrors()[0]![1]), ['Choose AWS Profile']);
    assert.deepEqual(titles(realErrors()[1]![1]), ['Sign In', 'Choose AWS Profile']);
    assert.deepEqual(titles(realErrors()[2]![1]), ['Open IAM Console', 'Choose AWS Profile']);
    assert.match(plainError(realErrors()[2]![1]).detail, /Allow ec2:RunInstances for your IAM user or role/, 'the permission to grant is named');
    setEndpointForErrors(() => EMULATOR);
    assert.deepEqual(titles(refusedConnection()), ['Open Endpoint Setting']);
    assert.equal(plainError(refusedConnection()).title, 'The emulator at http://127.0.0.1:4566 did not answer.');
    assert.deepEqual(titles(caught(() => resolveEndpoint({ setting: 'not a url' }))), ['Open Endpoint Setting']);
  });

  it('engine refusals keep their facts and name the editor\'s command instead of the CLI\'s', () => {
    const paused = plainError(caught(() => instanceIdOf(pausedState)));
    assert.equal(paused.title, 'Stack demo has no running instance: it is paused.');
    assert.equal(paused.detail, 'Resume it first (the Resume Stack command).');
    const locked = plainError(new GeuseError({ code: 'STACK_LOCKED', kind: 'refused', message: 'Stack demo is being changed by a deploy on this machine.', nextStep: 'Wait for it to finish, or pass --take-over-lock once its lease expires.' }));
    assert.equal(locked.detail, 'Wait for it to finish, or choose Take Over Lock once its lease expires.');
    assert.equal(plainError(new TypeError('x is undefined')).title, 'Something went wrong inside GeuseMaker.');
  });
});

describe('the tree\'s health against an emulator without Run Command: said once, not asked again', () => {
  afterEach(() => {
    forgetGap('health');
    setEndpointForErrors(() => undefined);
  });

  it('the services read unknown with one note, and later refreshes do not ask the endpoint again', async () => {
    setEndpointForErrors(() => EMULATOR);
    const config: StackConfig = devConfig();
    const gap = classifyAwsError(htmlAnswer('ssm:DescribeInstanceInformation'));
    let asked = 0;
    const health: StackHealth = {
      agent: { instanceId: 'i-0abc', pingStatus: 'NotRegistered' },
      services: (['n8n', 'ollama', 'qdrant', 'crawl4ai', 'postgres'] as const).map((service) => ({
        service, status: 'unknown', lastError: `The health check could not run: ${gap.message}`, checkedAt: '2025-06-01T12:00:00.000Z', via: 'instance', unknownBecause: gap, consecutiveFailures: 0, severity: 'ok',
      })),
    };
    const engine = {
      liveStatus: async () => ({ instanceState: 'running' }),
      estimate: async () => { throw new Error('no prices here'); },
      health: async () => {
        asked += 1;
        return health;
      },
    } as unknown as Engine;
    const first = await stackHealthView(engine, 'demo', config, new AbortController().signal);
    assert.equal(first.note, 'health unknown: the emulator at http://127.0.0.1:4566 does not run commands on instances (SSM Run Command)');
    assert.deepEqual(new Set(Object.values(first.services).map((s) => s?.status)), new Set(['unknown']));
    const second = await stackHealthView(engine, 'demo', config, new AbortController().signal);
    assert.equal(asked, 1, 'the second refresh did not ask the endpoint');
    assert.equal(second.note, first.note);
    assert.deepEqual(Object.keys(second.services).sort(), Object.keys(first.services).sort());
  });
});
