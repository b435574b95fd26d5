import assert from 'node:assert/strict';
import { GeuseError } from '../../src/engine/errors';
import { newStackState } from '../../src/engine/deploy';
import { stackConfigSchema } from '../../src/engine/stack/config';
import type { StackState, StackStatus } from '../../src/engine/state/schema';
import { childrenOf, rootNodes, viewOf, type StackHealthView, type TreeNode } from '../../src/vscode/tree/nodes';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { statusLook } from '../../src/vscode/tree/status';
import { consoleUrl } from '../../src/vscode/console-links';
import { nextDelayMs } from '../../src/vscode/refresher';
import { parseSettings } from '../../src/vscode/settings';

function stack(name: string, status: StackStatus = 'deployed', extra: Partial<StackState> = {}, access?: { mode: 'cidr'; cidr: string }): StackState {
  const state = newStackState(stackConfigSchema.parse({ name, ...(access ? { access } : {}) }));
  state.status = status;
  state.resources = {
    vpc: { key: 'vpc', kind: 'vpc', status: 'created', id: 'vpc-0abc', attrs: {}, external: false, updatedAt: '' },
    instance: { key: 'instance', kind: 'instance', status: 'created', id: 'i-0123', attrs: { publicIp: '198.51.100.4' }, external: false, updatedAt: '' },
    'subnet-a': { key: 'subnet-a', kind: 'subnet', status: 'intent', attrs: {}, external: false, updatedAt: '' },
  };
  return { ...state, ...extra };
}

function entry(state: StackState, origin: StackEntry['origin'] = 'workspace'): StackEntry {
  return { ref: { name: state.name, stateDir: origin === 'workspace' ? '/ws/stacks' : '/elsewhere' }, origin, state };
}

const labels = (nodes: TreeNode[]) => nodes.map((node) => viewOf(node).label);

describe('the Stacks tree as a user sees it', () => {
  it('lists this workspace\'s stacks at the top and other workspaces\' stacks in their own group', () => {
    const roots = rootNodes({ workspace: [entry(stack('alpha'))], other: [entry(stack('beta'), 'other')] });
    assert.deepEqual(labels(roots), ['alpha', 'Other workspaces']);
    const group = roots[1]!;
    assert.equal(viewOf(group).description, '1 stack');
    assert.deepEqual(labels(childrenOf(group)), ['beta']);
    assert.match(viewOf(childrenOf(group)[0]!).tooltip ?? '', /\/elsewhere/);
  });

  it('shows no nodes when there are no stacks, so the welcome view appears', () => {
    assert.deepEqual(rootNodes({ workspace: [], other: [] }), []);
  });

  it('a stack shows tier and status, with the status\'s icon and a context value the menus key on', () => {
    const view = viewOf({ kind: 'stack', entry: entry(stack('alpha')) });
    assert.equal(view.description, 'dev · running · ≤ $0.177/h est.', 't3.xlarge spot: its on-demand ceiling plus 50 GiB gp3 and a public IPv4');
    assert.equal(view.icon?.id, 'vm-running');
    assert.equal(view.contextValue, 'stack.deployed');
    assert.match(view.tooltip ?? '', /Region: us-east-1/);
    assert.match(view.tooltip ?? '', /t3\.xlarge \(spot\)/);
    const paused = viewOf({ kind: 'stack', entry: entry(stack('alpha', 'paused')) });
    assert.equal(paused.contextValue, 'stack.paused');
    assert.doesNotMatch(paused.description ?? '', /\$/, 'a paused stack has no hourly compute cost');
    assert.match(view.tooltip ?? '', /Cost: .*bundled|list prices/);
    const onDemand = stack('alpha');
    onDemand.config.market = 'on-demand';
    assert.match(viewOf({ kind: 'stack', entry: entry(onDemand) }).description ?? '', / \$0\.177\/h est\.$/);
  });

  it('a stack whose instance is gone behind our back, or whose bootstrap failed, says so', () => {
    const gone: StackHealthView = { checkedAt: '', services: {}, instanceState: 'terminated' };
    assert.match(viewOf({ kind: 'stack', entry: entry(stack('alpha')), health: gone }).description ?? '', /instance terminated/);
    const failed: StackHealthView = { checkedAt: '', services: {}, instanceState: 'running', bootstrap: { state: 'failed', step: 'mount-efs' } };
    assert.match(viewOf({ kind: 'stack', entry: entry(stack('alpha')), health: failed }).description ?? '', /bootstrap failed at mount-efs/);
  });

  it('under a stack: Services, Resources, Endpoints; only created resources, each with its id', () => {
    const node: TreeNode = { kind: 'stack', entry: entry(stack('alpha')) };
    const sections = childrenOf(node);
    assert.deepEqual(labels(sections), ['Services', 'Resources', 'Endpoints']);
    const resources = childrenOf(sections[1]!);
    assert.deepEqual(resources.map((r) => viewOf(r).description), ['i-0123', 'vpc-0abc'], 'instance first, the intent without an id left out');
    assert.ok(resources.every((r) => viewOf(r).contextValue === 'resource'));
  });

  it('services show port and health; the database has no Open action', () => {
    const health: StackHealthView = { checkedAt: '', services: { n8n: { status: 'healthy', latencyMs: 12, severity: 'ok' }, qdrant: { status: 'unhealthy', lastError: 'HTTP 503', severity: 'critical' } } };
    const services = childrenOf({ kind: 'section', section: 'services', entry: entry(stack('alpha')), health });
    assert.deepEqual(labels(services), ['n8n', 'ollama', 'qdrant', 'crawl4ai', 'postgres']);
    const [n8n, ollama, qdrant, , postgres] = services.map(viewOf);
    assert.equal(n8n?.description, 'healthy · 12 ms · :5678');
    assert.equal(n8n?.icon?.id, 'pass-filled');
    assert.equal(ollama?.description, 'not checked · :11434');
    assert.equal(qdrant?.icon?.id, 'error');
    assert.match(qdrant?.tooltip ?? '', /HTTP 503/);
    assert.equal(n8n?.contextValue, 'service');
    assert.equal(postgres?.contextValue, 'service.internal');
  });

  it('endpoints are the public proxy URLs in "my IP" access, and SSM tunnels otherwise', () => {
    const ssm = childrenOf({ kind: 'section', section: 'endpoints', entry: entry(stack('alpha')) }).map(viewOf);
    assert.ok(ssm.every((view) => /SSM tunnel/.test(view.description ?? '')));
    const cidr = childrenOf({ kind: 'section', section: 'endpoints', entry: entry(stack('alpha', 'deployed', {}, { mode: 'cidr', cidr: '203.0.113.7/32' })) }).map(viewOf);
    assert.deepEqual(cidr.map((view) => view.description), ['http://198.51.100.4/', 'http://198.51.100.4/ollama/', 'http://198.51.100.4/qdrant/', 'http://198.51.100.4/crawl4ai/']);
  });

  it('an AWS failure while refreshing a stack becomes a retry node with the classified message', () => {
    const health: StackHealthView = { checkedAt: '', services: {}, error: { code: 'AWS_TRANSIENT', message: 'An AWS call failed with a temporary AWS or network error (ECONNREFUSED).', nextStep: 'Run again.' } };
    const children = childrenOf({ kind: 'stack', entry: entry(stack('alpha')), health });
    const error = viewOf(children[0]!);
    assert.equal(error.label, 'Could not reach AWS — click to retry');
    assert.match(error.description ?? '', /ECONNREFUSED/);
    assert.equal(error.command?.command, 'geusemaker.refresh');
  });

  it('an unreadable state file shows the stack with the reason, not nothing', () => {
    const broken: StackEntry = { ref: { name: 'gamma', stateDir: '/ws' }, origin: 'workspace', error: new GeuseError({ code: 'STATE_CORRUPT', kind: 'invalid-input', message: 'gamma.json is corrupt.', nextStep: 'Run geusemaker state restore gamma.' }) };
    const view = viewOf({ kind: 'stack', entry: broken });
    assert.equal(view.description, 'unreadable state');
    assert.match(view.tooltip ?? '', /state restore gamma/);
  });

  it('every status has a look, and only changing ones poll fast', () => {
    assert.equal(statusLook('deploying').transitional, true);
    assert.equal(statusLook('deployed').transitional, false);
    assert.equal(statusLook('paused').billing, false);
    assert.equal(statusLook('deploy_failed').billing, true, 'a failed deploy may have left an instance running');
  });
});

describe('refresh cadence', () => {
  it('uses the setting, polls every 5 s while a stack changes, and backs off on errors up to 10 minutes', () => {
    assert.equal(nextDelayMs(30, false, 0), 30_000);
    assert.equal(nextDelayMs(30, true, 0), 5_000);
    assert.equal(nextDelayMs(30, true, 1), 60_000);
    assert.equal(nextDelayMs(30, false, 3), 240_000);
    assert.equal(nextDelayMs(30, false, 20), 600_000);
  });
});

describe('AWS console links', () => {
  it('point at the resource in its region', () => {
    assert.equal(consoleUrl('instance', 'i-0123', 'eu-west-1'), 'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0123');
    assert.equal(consoleUrl('ssm-parameter', '/geusemaker/demo/qdrant-api-key', 'us-east-1'), 'https://us-east-1.console.aws.amazon.com/systems-manager/parameters/geusemaker%2Fdemo%2Fqdrant-api-key/description?region=us-east-1');
    assert.match(consoleUrl('iam-role', 'gm-demo-instance', 'us-east-1'), /^https:\/\/console\.aws\.amazon\.com\/iam\/.*gm-demo-instance$/);
  });
});

describe('extension settings', () => {
  it('a bad value is reported by its setting name and falls back to the default; good values pass', () => {
    const { settings, problems } = parseSettings({ endpoint: 'not a url', region: 'eu-west-1', refreshIntervalSeconds: 1 });
    assert.equal(settings.endpoint, '');
    assert.equal(settings.region, 'eu-west-1');
    assert.equal(settings.refreshIntervalSeconds, 30);
    assert.deepEqual(problems.map((p) => p.setting), ['geusemaker.endpoint', 'geusemaker.refreshIntervalSeconds']);
    assert.match(problems[0]!.message, /geusemaker\.endpoint must be an http\(s\) URL.*"not a url"/);
    assert.deepEqual(parseSettings({ endpoint: 'http://127.0.0.1:5000' }).problems, []);
    assert.match(parseSettings({ region: 'moon-1' }).problems[0]?.message ?? '', /not an AWS region/);
  });
});
