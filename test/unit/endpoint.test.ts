import assert from 'node:assert/strict';
import { classifyAwsError } from '../../src/engine/aws/classify';
import { explainEndpoint, resolveEndpoint } from '../../src/engine/aws/endpoint';
import { exitCodeFor, GeuseError } from '../../src/engine/errors';

function refused() {
  return classifyAwsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 4566, $metadata: {}, $operation: 'sts:GetCallerIdentity' }));
}

function thrown(run: () => unknown): GeuseError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GeuseError, String(error));
    return error;
  }
  assert.fail('expected an error');
}

describe('the AWS endpoint override', () => {
  it('comes from the flag, else the editor setting, else GEUSEMAKER_AWS_ENDPOINT; blank is unset', () => {
    assert.deepEqual(resolveEndpoint({ flag: 'http://a:1', setting: 'http://b:2', env: 'http://c:3' }), { url: 'http://a:1', source: 'flag' });
    assert.deepEqual(resolveEndpoint({ setting: 'http://b:2', env: 'http://c:3' }), { url: 'http://b:2', source: 'setting' });
    assert.deepEqual(resolveEndpoint({ setting: '', env: ' http://c:3 ' }), { url: 'http://c:3', source: 'env' });
    assert.equal(resolveEndpoint({ env: '  ' }), undefined);
    // The variable that is not used is not judged.
    assert.equal(resolveEndpoint({ flag: 'http://a:1', env: 'not a url' })?.source, 'flag');
  });

  for (const [source, sources, named, fix] of [
    ['variable', { env: 'not a url' }, /environment variable GEUSEMAKER_AWS_ENDPOINT is "not a url"/, /unset GEUSEMAKER_AWS_ENDPOINT/],
    ['setting', { setting: 'ftp://x' }, /VS Code setting geusemaker\.endpoint is "ftp:\/\/x"/, /clear the geusemaker\.endpoint setting/],
    ['flag', { flag: 'localhost' }, /--endpoint flag is "localhost"/, /leave out --endpoint/],
  ] as const) {
    it(`an invalid URL in the ${source} is refused before any AWS call, naming where it came from and the fix`, () => {
      const error = thrown(() => resolveEndpoint(sources));
      assert.equal(error.code, 'ENDPOINT_INVALID');
      assert.equal(exitCodeFor(error), 2);
      assert.match(error.message, named);
      assert.match(error.message, /nothing was sent to AWS/);
      assert.match(error.nextStep, /http:\/\/127\.0\.0\.1:4566/);
      assert.match(error.nextStep, fix);
    });
  }

  it('an unreachable endpoint says which endpoint, where it came from, and to check the emulator or proxy', () => {
    for (const [source, words, drop] of [['flag', 'the --endpoint flag', 'leave out --endpoint'], ['env', 'the environment variable GEUSEMAKER_AWS_ENDPOINT', 'unset GEUSEMAKER_AWS_ENDPOINT'], ['setting', 'the VS Code setting geusemaker.endpoint', 'clear the geusemaker.endpoint setting']] as const) {
      const error = explainEndpoint(refused(), { url: 'http://127.0.0.1:4566', source });
      assert.equal(error.code, 'AWS_UNREACHABLE');
      assert.ok(error.message.includes(`Every AWS call goes to http://127.0.0.1:4566 (from ${words}).`), error.message);
      assert.match(error.nextStep, /emulator or proxy at http:\/\/127\.0\.0\.1:4566 is running/);
      assert.ok(error.nextStep.includes(drop), error.nextStep);
      assert.equal(explainEndpoint(error, { url: 'http://127.0.0.1:4566', source }).message, error.message, 'said once');
    }
  });

  it('without an override, it says AWS\'s own endpoint was used and to check the network and region', () => {
    const error = explainEndpoint(refused(), undefined);
    assert.match(error.message, /No endpoint override is set/);
    assert.match(error.nextStep, /network connection.*region/);
    assert.doesNotMatch(error.nextStep, /emulator/);
  });

  it('leaves every other error as it is', () => {
    const other = classifyAwsError(Object.assign(new Error('no'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    assert.equal(explainEndpoint(other, { url: 'http://x:1', source: 'flag' }), other);
  });
});
