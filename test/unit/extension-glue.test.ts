import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fake, resetFake } from '../harness/fake-vscode';
import type * as vscode from 'vscode';
import { GeuseError } from '../../src/engine/errors';
import { EngineHost } from '../../src/vscode/engine-host';
import { StacksTreeProvider } from '../../src/vscode/tree/provider';
import { pickStack, treeNodeOf, type CommandContext } from '../../src/vscode/commands/context';
import { viewOf, type StackHealthView, type TreeNode } from '../../src/vscode/tree/nodes';
import { devConfig, tempDir, testEngine } from '../harness/engine';

function extensionContext(): vscode.ExtensionContext {
  return { storageUri: { fsPath: tempDir('gm-ws-storage-') }, globalStorageUri: { fsPath: tempDir('gm-global-') } } as unknown as vscode.ExtensionContext;
}

const labels = (provider: StacksTreeProvider, node?: TreeNode) => provider.getChildren(node).map((n) => viewOf(n).label);

/** The shared fake itself: the provider shows progress in its view and reads the editor's language. */
const api = createRequire(__filename)('vscode') as { window: Record<string, unknown>; env?: unknown };
/** Where each refresh showed its progress. */
const progressShown: unknown[] = [];

describe('extension glue with a minimal fake of the vscode API', function () {
  this.timeout(60_000);
  let home: string | undefined;
  beforeEach(() => {
    resetFake();
    progressShown.length = 0;
    api.env = { language: 'en' };
    api.window.withProgress = (options: { location: unknown }, work: () => Promise<unknown>) => {
      progressShown.push(options.location);
      return work();
    };
    // Each test gets its own machine index, so other tests' stacks don't show up as "Other workspaces".
    home = process.env.GEUSEMAKER_HOME;
    process.env.GEUSEMAKER_HOME = tempDir('gm-home-');
  });
  afterEach(() => {
    // Assigning undefined to process.env stores the string "undefined": a folder of that name.
    if (home === undefined) delete process.env.GEUSEMAKER_HOME;
    else process.env.GEUSEMAKER_HOME = home;
  });

  it('the tree lists the workspace\'s stacks, and a paused stack drops the health it had while running', async () => {
    const stateDir = tempDir('gm-state-');
    fake.settings = { stateDirectory: stateDir, endpoint: process.env.GEUSEMAKER_AWS_ENDPOINT };
    const engine = testEngine({ stateDir });
    await engine.deploy(devConfig());
    const host = new EngineHost(extensionContext());
    const healthy: StackHealthView = { checkedAt: '', services: { n8n: { status: 'healthy', latencyMs: 9, severity: 'ok' } } };
    const provider = new StacksTreeProvider(host, async () => healthy);

    assert.deepEqual(labels(provider), ['Loading stacks…'], 'before the first read');
    await provider.refresh({ force: true });
    const [stack] = provider.getChildren();
    assert.equal(viewOf(stack!).label, 'demo');
    const services = provider.getChildren(provider.getChildren(stack)[0]);
    assert.match(viewOf(services[0]!).description ?? '', /^healthy · 9 ms/);

    await engine.pause('demo');
    await provider.refresh({ force: true });
    const after = provider.getChildren(provider.getChildren(provider.getChildren()[0])[0]);
    assert.match(viewOf(after[0]!).description ?? '', /^not running/, 'no stale "healthy" on a paused stack');
    host.dispose();
    engine.dispose();
  });

  it('an AWS failure for one stack becomes its retry node and makes the refresher back off', async () => {
    const stateDir = tempDir('gm-state-');
    fake.settings = { stateDirectory: stateDir, endpoint: process.env.GEUSEMAKER_AWS_ENDPOINT };
    const engine = testEngine({ stateDir });
    await engine.deploy(devConfig());
    const host = new EngineHost(extensionContext());
    const provider = new StacksTreeProvider(host, async () => {
      throw new GeuseError({ code: 'AWS_CREDENTIALS_EXPIRED', kind: 'permission', message: 'Your AWS credentials have expired.', nextStep: 'Sign in again.' });
    });
    await provider.refresh({ force: true });
    assert.equal(provider.lastRoundFailed, true);
    const children = provider.getChildren(provider.getChildren()[0]);
    assert.deepEqual(children.map((n) => viewOf(n).label), ['Your AWS sign-in has expired.'], 'the retry node only, no stale sections');
    assert.equal(viewOf(children[0]!).description, 'click to retry');
    assert.deepEqual(progressShown, [{ viewId: 'geusemaker.stacks' }], 'the refresh showed progress in the Stacks view');
    assert.equal(provider.awsProblem?.code, 'AWS_CREDENTIALS_EXPIRED', 'the status bar learns of it');
    host.dispose();
    engine.dispose();
  });

  it('after a good round, AWS failing leaves the stack "last seen running", and a paused stack that deploys reads "resuming"', async () => {
    const stateDir = tempDir('gm-state-');
    fake.settings = { stateDirectory: stateDir, endpoint: process.env.GEUSEMAKER_AWS_ENDPOINT };
    const engine = testEngine({ stateDir });
    await engine.deploy(devConfig());
    const host = new EngineHost(extensionContext());
    let failing = false;
    const provider = new StacksTreeProvider(host, async () => {
      if (failing) throw new GeuseError({ code: 'AWS_UNREACHABLE', kind: 'transient', message: 'No answer (ECONNREFUSED).', nextStep: 'Check the network.' });
      return { checkedAt: new Date().toISOString(), services: { n8n: { status: 'healthy', severity: 'ok' } } };
    });
    let renders = 0;
    provider.onDidChangeTreeData(() => (renders += 1));
    await provider.refresh({ force: true });
    assert.match(viewOf(provider.getChildren()[0]!).description ?? '', /· running/);
    const before = renders;
    await provider.refresh({ force: true });
    assert.equal(renders, before, 'a refresh that changes nothing does not re-render the view');
    failing = true;
    await provider.refresh({ force: true });
    const stack = provider.getChildren()[0]!;
    assert.equal(viewOf(stack).description, 'dev · last seen running just now');
    assert.deepEqual(labels(provider, stack), ['AWS could not be reached.']);
    assert.equal(provider.badge?.tooltip, '1 stack needs a look');

    failing = false;
    await engine.pause('demo');
    await provider.refresh({ force: true });
    // Another window resumes it: the state file says "deploying"; the tree knew it paused.
    const state = (await engine.show('demo'))!;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${stateDir}/demo.json`, JSON.stringify({ ...state, status: 'deploying' }));
    await provider.refresh({ force: true });
    const resuming = viewOf(provider.getChildren()[0]!);
    assert.match(resuming.description ?? '', /· resuming/);
    assert.equal(resuming.icon?.id, 'sync~spin');
    assert.equal(provider.anyTransitional, true);
    host.dispose();
    engine.dispose();
  });

  it('an invalid endpoint setting shows the error node, is not a back-off failure, and blocks commands before any AWS call', async () => {
    fake.settings = { stateDirectory: tempDir('gm-state-'), endpoint: 'localhost:4566' };
    const host = new EngineHost(extensionContext());
    let healthCalls = 0;
    const provider = new StacksTreeProvider(host, async () => {
      healthCalls += 1;
      return { checkedAt: '', services: {} };
    });
    await provider.refresh({ force: true });
    assert.equal(labels(provider).length, 1);
    assert.match(labels(provider)[0]!, /geusemaker\.endpoint must be an http\(s\) URL/);
    assert.equal(provider.lastRoundFailed, false);
    const ctx = { host, tree: provider } as unknown as CommandContext;
    await assert.rejects(pickStack(ctx, undefined, 'destroy'), (error: unknown) => error instanceof GeuseError && error.code === 'SETTINGS_INVALID' && /Nothing was sent to AWS/.test(error.message));
    assert.equal(healthCalls, 0);
    host.dispose();
  });

  it('a command takes its stack from the tree node it ran on, or asks with a quick pick from the palette', async () => {
    const stateDir = tempDir('gm-state-');
    fake.settings = { stateDirectory: stateDir, endpoint: process.env.GEUSEMAKER_AWS_ENDPOINT };
    const engine = testEngine({ stateDir });
    await engine.deploy(devConfig());
    await engine.deploy(devConfig({ name: 'beta' }));
    await engine.pause('beta');
    const host = new EngineHost(extensionContext());
    const provider = new StacksTreeProvider(host);
    await provider.refresh();
    const ctx = { host, tree: provider } as unknown as CommandContext;

    const demo = provider.getChildren().find((node) => viewOf(node).label === 'demo');
    const serviceNode = provider.getChildren(provider.getChildren(demo)[0])[0];
    assert.equal((await pickStack(ctx, serviceNode, 'open'))?.name, 'demo', 'from a node under the stack, no question asked');
    assert.deepEqual(fake.quickPicks, []);

    fake.quickPickAnswer = 'beta';
    assert.equal((await pickStack(ctx, undefined, 'resume', (e) => e.state?.status === 'paused'))?.name, 'beta');
    assert.deepEqual(fake.quickPicks, [['beta']], 'only stacks the command applies to are offered');

    fake.quickPickAnswer = undefined;
    assert.equal(await pickStack(ctx, undefined, 'destroy'), undefined, 'Escape cancels');
    assert.equal(await pickStack(ctx, undefined, 'open', () => false), undefined);
    assert.match(fake.messages.at(-1) ?? '', /No stack to open/);
    assert.equal(treeNodeOf({ kind: 'bogus' }), undefined, 'arguments that are not our nodes are ignored');
    host.dispose();
    engine.dispose();
  });
});
