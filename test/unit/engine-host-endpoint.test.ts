import assert from 'node:assert/strict';
import { fake, resetFake } from '../harness/fake-vscode';
import type * as vscode from 'vscode';
import { GeuseError } from '../../src/engine/errors';
import { EngineHost } from '../../src/vscode/engine-host';
import { tempDir } from '../harness/engine';

function extensionContext(): vscode.ExtensionContext {
  return { storageUri: { fsPath: tempDir('gm-ws-storage-') }, globalStorageUri: { fsPath: tempDir('gm-global-') } } as unknown as vscode.ExtensionContext;
}

describe('the editor\'s endpoint: the setting, else GEUSEMAKER_AWS_ENDPOINT, each checked and named', () => {
  let saved: string | undefined;
  beforeEach(() => {
    resetFake();
    saved = process.env.GEUSEMAKER_AWS_ENDPOINT;
  });
  afterEach(() => {
    // Assigning undefined to process.env would store the word "undefined".
    if (saved === undefined) delete process.env.GEUSEMAKER_AWS_ENDPOINT;
    else process.env.GEUSEMAKER_AWS_ENDPOINT = saved;
  });

  it('GEUSEMAKER_AWS_ENDPOINT that is not a URL blocks AWS work, naming the variable and how to fix it', () => {
    process.env.GEUSEMAKER_AWS_ENDPOINT = 'not a url';
    fake.settings = { stateDirectory: tempDir('gm-state-') };
    const host = new EngineHost(extensionContext());
    assert.equal(host.endpoint, undefined, 'never used');
    assert.ok(host.problems.some((p) => p.setting === 'GEUSEMAKER_AWS_ENDPOINT'));
    assert.throws(() => host.assertUsable(), (error: unknown) => error instanceof GeuseError && error.code === 'SETTINGS_INVALID'
      && /Nothing was sent to AWS: The environment variable GEUSEMAKER_AWS_ENDPOINT is "not a url"/.test(error.message)
      && /Fix GEUSEMAKER_AWS_ENDPOINT \(or unset it\)/.test(error.nextStep));
    host.dispose();
  });

  it('the setting wins over the variable, and says it is the setting', () => {
    process.env.GEUSEMAKER_AWS_ENDPOINT = 'not a url';
    fake.settings = { stateDirectory: tempDir('gm-state-'), endpoint: 'http://127.0.0.1:4566' };
    const host = new EngineHost(extensionContext());
    assert.deepEqual(host.endpointInfo, { url: 'http://127.0.0.1:4566', source: 'setting' });
    assert.doesNotThrow(() => host.assertUsable());
    host.dispose();
  });

  it('a valid variable is used when the setting is empty, marked as the variable', () => {
    process.env.GEUSEMAKER_AWS_ENDPOINT = 'http://127.0.0.1:5000';
    fake.settings = { stateDirectory: tempDir('gm-state-'), endpoint: '' };
    const host = new EngineHost(extensionContext());
    assert.deepEqual(host.endpointInfo, { url: 'http://127.0.0.1:5000', source: 'env' });
    assert.equal(host.endpoint, 'http://127.0.0.1:5000');
    host.dispose();
  });
});
