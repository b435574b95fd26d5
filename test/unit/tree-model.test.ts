import assert from 'node:assert/strict';
import { GeuseError } from '../../src/engine/errors';
import { newStackState } from '../../src/engine/deploy';
import { stackConfigSchema } from '../../src/engine/stack/config';
import type { StackState, StackStatus } from '../../src/engine/state/schema';
import { badgeOf, childrenOf, rootNodes, viewOf, viewWith, type StackHealthView, type TreeNode } from '../../src/vscode/tree/nodes';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { statusLook } from '../../src/vscode/tree/status';
import { consoleUrl, stackConsoleUrl } from '../../src/vscode/console-links';
import { summarize } from '../../src/vscode/tree/status-summary';
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

  it('a stack whose group is replacing its instance spins and says so; the tooltip has the group\'s words and the replacement history', () => {
    const replacing: StackHealthView = {
      checkedAt: '', services: {}, instanceState: 'pending',
      compute: { condition: 'replacing', summary: 'replacing the instance i-0old interrupted at 14:02 UTC in us-east-1a (spot interruption); new one i-0new pending since 14:03 UTC' },
    };
    const history = stack('alpha', 'deployed', {
      replacements: [{ at: '2026-12-01T14:02:00.000Z', oldInstanceId: 'i-0first', newInstanceId: 'i-0old', zone: 'us-east-1b', instanceType: 't3a.xlarge', market: 'spot', reason: 'a spot instance interruption notice' }],
    });
    const view = viewOf({ kind: 'stack', entry: entry(history), health: replacing });
    assert.match(view.description ?? '', /^dev · replacing the instance/);
    assert.equal(view.icon?.id, 'sync~spin');
    assert.match(view.tooltip ?? '', /Compute \(its Auto Scaling group\): replacing the instance i-0old interrupted at 14:02 UTC in us-east-1a/);
    assert.match(view.tooltip ?? '', /Replaced instances:.*\n.*i-0first → i-0old \(t3a\.xlarge, spot, us-east-1b\) — a spot instance interruption notice/);
    const waiting: StackHealthView = { checkedAt: '', services: {}, instanceState: 'pending', compute: { condition: 'waiting-for-capacity', summary: 'waiting for capacity since 14:05 UTC: no Spot capacity' } };
    assert.match(viewOf({ kind: 'stack', entry: entry(stack('alpha')), health: waiting }).description ?? '', /waiting for capacity/);
  });

  it('under a stack: Services, Resources, Endpoints (Models when it runs Ollama, Backups once deployed); created resources grouped by kind with human labels, each with its id', () => {
    const node: TreeNode = { kind: 'stack', entry: entry(stack('alpha')) };
    const sections = childrenOf(node);
    assert.deepEqual(labels(sections), ['Services', 'Resources', 'Endpoints', 'Models', 'Backups']);
    assert.deepEqual(labels(childrenOf({ kind: 'stack', entry: entry(stack('alpha', 'new')) })), ['Services', 'Resources', 'Endpoints', 'Models'], 'never deployed: nothing to back up');
    const groups = childrenOf(sections[1]!);
    assert.deepEqual(labels(groups), ['Compute', 'Network'], 'compute first, the intent without an id left out');
    assert.deepEqual(groups.map((g) => viewOf(g).description), ['1', '1']);
    const [instance] = childrenOf(groups[0]!).map(viewOf);
    const [vpc] = childrenOf(groups[1]!).map(viewOf);
    assert.deepEqual([instance?.label, instance?.description, vpc?.label, vpc?.description], ['Instance', 'i-0123', 'VPC', 'vpc-0abc']);
    assert.equal(instance?.contextValue, 'resource');
    assert.match(instance?.tooltip ?? '', /EC2 instance \(in us-east-1\)/);
  });

  it('resources read as people name them: no journal keys like sg-efs, mount-target-a or secret-n8n-owner-password', () => {
    const state = stack('alpha');
    const rec = (key: string, kind: StackState['resources'][string]['kind'], id: string, attrs: Record<string, string> = {}) => ({ key, kind, status: 'created' as const, id, attrs, external: false, updatedAt: '2026-12-03T13:05:00.000Z' });
    state.resources = {
      'sg-efs': rec('sg-efs', 'security-group', 'sg-0e'),
      'mount-target-a': rec('mount-target-a', 'mount-target', 'fsmt-0a', { zone: 'us-east-1a' }),
      'secret-n8n-owner-password': rec('secret-n8n-owner-password', 'ssm-parameter', '/geusemaker/alpha/n8n-owner-password'),
      efs: rec('efs', 'efs', 'fs-0123'),
      'subnet-subnet-0ff': { ...rec('subnet-subnet-0ff', 'subnet', 'subnet-0ff', { zone: 'us-east-1c' }), external: true },
    };
    const groups = childrenOf({ kind: 'section', section: 'resources', entry: entry(state) });
    assert.deepEqual(labels(groups), ['Data', 'Secrets', 'Network']);
    const all = groups.flatMap((g) => childrenOf(g)).map(viewOf);
    assert.deepEqual(all.map((v) => v.label), ['File system', 'Mount target, first zone (us-east-1a)', 'n8n owner password', 'Public subnet in us-east-1c', 'File system security group']);
    assert.ok(all.every((v) => !/sg-efs|mount-target-a|secret-/.test(`${v.label} ${v.tooltip ?? ''}`)), 'no internal key in labels or tooltips');
    assert.ok(all.every((v) => (v.tooltip ?? '').length > 0), 'every resource has a tooltip');
    assert.match(all[3]?.tooltip ?? '', /never deleted/);
    assert.ok(groups.every((g) => (viewOf(g).tooltip ?? '').length > 0), 'every group has a tooltip');
  });

  it('services show port and health; the database has no Open action', () => {
    const health: StackHealthView = { checkedAt: '', services: { n8n: { status: 'healthy', latencyMs: 12, severity: 'ok' }, qdrant: { status: 'unhealthy', lastError: 'HTTP 503', severity: 'critical' } } };
    const services = childrenOf({ kind: 'section', section: 'services', entry: entry(stack('alpha')), health });
    assert.deepEqual(labels(services), ['n8n', 'Ollama', 'Qdrant', 'Crawl4AI', 'PostgreSQL'], 'as the panels write them');
    const [n8n, ollama, qdrant, , postgres] = services.map(viewOf);
    assert.equal(n8n?.description, 'healthy · 12 ms · :5678');
    assert.equal(n8n?.icon?.id, 'pass-filled');
    assert.equal(ollama?.description, 'not checked · :11434');
    assert.equal(qdrant?.icon?.id, 'error');
    assert.match(qdrant?.tooltip ?? '', /HTTP 503/);
    assert.equal(n8n?.contextValue, 'service.web.live');
    assert.equal(postgres?.contextValue, 'service.internal.live');
  });

  it('a paused stack\'s services and endpoints say they are not running, and offer nothing that needs a running instance', () => {
    const paused = entry(stack('alpha', 'paused', {}, { mode: 'cidr', cidr: '203.0.113.7/32' }));
    const services = childrenOf({ kind: 'section', section: 'services', entry: paused }).map(viewOf);
    assert.ok(services.every((s) => s.description?.startsWith('not running') && s.contextValue.endsWith('.idle')), services.map((s) => s.description).join(', '));
    const endpoints = childrenOf({ kind: 'section', section: 'endpoints', entry: paused }).map(viewOf);
    assert.ok(endpoints.every((e) => e.contextValue === 'endpoint.url.idle' && e.command === undefined), 'no click-to-open on a paused stack');
    assert.match(endpoints[0]?.tooltip ?? '', /paused: nothing answers/);
  });

  it('endpoints are the public proxy URLs in "my IP" access, and SSM tunnels otherwise', () => {
    const ssm = childrenOf({ kind: 'section', section: 'endpoints', entry: entry(stack('alpha')) }).map(viewOf);
    assert.ok(ssm.every((view) => /SSM tunnel/.test(view.description ?? '')));
    const cidr = childrenOf({ kind: 'section', section: 'endpoints', entry: entry(stack('alpha', 'deployed', {}, { mode: 'cidr', cidr: '203.0.113.7/32' })) }).map(viewOf);
    assert.deepEqual(cidr.map((view) => view.description), ['http://198.51.100.4/', 'http://198.51.100.4/ollama/', 'http://198.51.100.4/qdrant/', 'http://198.51.100.4/crawl4ai/']);
  });

  it('AWS not answering: the stack says what was last seen and how long ago, and a retry node replaces its old children', () => {
    const error = new GeuseError({ code: 'AWS_UNREACHABLE', kind: 'transient', message: 'EC2 DescribeInstances got no answer from the endpoint http://127.0.0.1:9: the connection was refused (ECONNREFUSED).', nextStep: 'Check that the emulator is running (the geusemaker.endpoint setting). Then run the command again.' });
    const now = Date.parse('2026-12-03T14:09:00Z');
    const health: StackHealthView = { checkedAt: '2026-12-03T14:09:00Z', services: {}, error, lastSeenAt: '2026-12-03T14:05:00Z' };
    const node: TreeNode = { kind: 'stack', entry: entry(stack('alpha')), health };
    const view = viewWith(node, { now, locale: 'en-US' });
    assert.equal(view.description, 'dev · last seen running 4 min ago');
    assert.notEqual(view.icon?.color, 'charts.green', 'not the green of a stack known to run');
    assert.equal(view.icon?.id, 'debug-disconnect');
    assert.match(view.tooltip ?? '', /AWS did not answer/);
    const children = childrenOf(node);
    assert.equal(children.length, 1, 'no stale Services, Resources or Endpoints under the error');
    const retry = viewOf(children[0]!);
    assert.equal(retry.label, 'AWS could not be reached.', 'the plain-words title');
    assert.doesNotMatch(`${retry.label} ${retry.tooltip ?? ''}`, /ECONNREFUSED|AWS_UNREACHABLE|`/, 'no codes in editor text');
    assert.match(retry.tooltip ?? '', /Check your network connection/);
    assert.equal(retry.command?.command, 'geusemaker.refresh');
    assert.equal(retry.id, viewOf({ ...children[0]!, error: new GeuseError({ code: 'AWS_NO_CREDENTIALS', kind: 'permission', message: 'No creds.', nextStep: 'Sign in.' }) } as TreeNode).id, 'the row keeps its id when the error changes');
  });

  it('changing stacks spin and name what the user asked for: resuming a paused stack, updating a running one', () => {
    const deploying = entry(stack('alpha', 'deploying'));
    const look = (before?: StackState['status']) => viewOf({ kind: 'stack', entry: deploying, before });
    assert.equal(look().icon?.id, 'sync~spin');
    assert.match(look().description ?? '', /· deploying/);
    assert.match(look('paused').description ?? '', /· resuming/);
    assert.match(look('deployed').description ?? '', /· updating/);
    for (const status of ['pausing', 'destroying'] as const) assert.equal(viewOf({ kind: 'stack', entry: entry(stack('alpha', status)) }).icon?.id, 'sync~spin');
  });

  it('dates are in the user\'s locale, and every section has a tooltip', () => {
    const state = stack('alpha', 'deployed', { createdAt: '2026-12-03T13:05:00.000Z' });
    const german = viewWith({ kind: 'stack', entry: entry(state) }, { now: Date.now(), locale: 'de-DE' });
    assert.match(german.tooltip ?? '', /Created: 03\.12\.2026/);
    assert.doesNotMatch(german.tooltip ?? '', /2026-12-03T/);
    const sections = childrenOf({ kind: 'stack', entry: entry(state) }).map(viewOf);
    assert.ok(sections.every((s) => (s.tooltip ?? '').length > 0));
  });

  it('the view badge counts stacks that bill by the hour or need a look', () => {
    const running = entry(stack('alpha'));
    const paused = entry(stack('beta', 'paused'));
    const failed = entry(stack('gamma', 'deploy_failed'));
    assert.equal(badgeOf([paused], new Map()), undefined, 'nothing bills: no badge');
    assert.deepEqual(badgeOf([running, paused, failed], new Map()), { value: 2, tooltip: '1 stack billing by the hour, 1 stack needs a look' });
    const sick = new Map([[`/ws/stacks::alpha`, { checkedAt: '', services: { n8n: { status: 'unhealthy' as const, severity: 'critical' as const } } }]]);
    assert.deepEqual(badgeOf([running], sick), { value: 1, tooltip: '1 stack needs a look' });
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
  it('a stack opens at its instance, else at the data it keeps', () => {
    const running = stack('alpha');
    assert.equal(stackConsoleUrl(running), consoleUrl('instance', 'i-0123', 'us-east-1'));
    const paused = stack('alpha', 'paused');
    paused.resources = { efs: { key: 'efs', kind: 'efs', status: 'created', id: 'fs-0123', attrs: {}, external: false, updatedAt: '' } };
    assert.equal(stackConsoleUrl(paused), consoleUrl('efs', 'fs-0123', 'us-east-1'));
  });

  it('point at the resource in its region', () => {
    assert.equal(consoleUrl('instance', 'i-0123', 'eu-west-1'), 'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0123');
    assert.equal(consoleUrl('ssm-parameter', '/geusemaker/demo/qdrant-api-key', 'us-east-1'), 'https://us-east-1.console.aws.amazon.com/systems-manager/parameters/geusemaker%2Fdemo%2Fqdrant-api-key/description?region=us-east-1');
    assert.match(consoleUrl('iam-role', 'gm-demo-instance', 'us-east-1'), /^https:\/\/console\.aws\.amazon\.com\/iam\/.*gm-demo-instance$/);
  });
});

describe('the status bar item', () => {
  const base = { profile: '', region: 'us-east-1', settingsProblems: [] as string[] };

  it('shows the account and identity in its tooltip, running stacks with their price, and reads as words to a screen reader', () => {
    const summary = summarize({ ...base, identity: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/ada' }, billing: [{ name: 'alpha', usd: 0.177, upperBound: true }] });
    assert.equal(summary.text, '$(cloud) default credentials · us-east-1 · $(vm-running) 1 running ≤ $0.18/h');
    assert.match(summary.tooltip, /Account: 123456789012 as arn:aws:iam::123456789012:user\/ada/);
    assert.equal(summary.warning, false);
    assert.equal(summary.accessibleLabel, 'GeuseMaker, profile default credentials, region us-east-1, 1 stack running, at most 0.18 dollars an hour');
    assert.doesNotMatch(summary.accessibleLabel, /\$\(|\*\*/, 'no codicon names or markdown');
  });

  it('no credentials: the warning state, with the fix as its click and a link in the tooltip', () => {
    const error = new GeuseError({ code: 'AWS_NO_CREDENTIALS', kind: 'permission', message: 'No usable AWS credentials were found (CredentialsProviderError).', nextStep: 'Configure credentials (`aws configure`), or pass --profile, then run again.' });
    const summary = summarize({ ...base, identity: { error }, billing: [] });
    assert.equal(summary.warning, true);
    assert.equal(summary.text, '$(warning) default credentials · us-east-1 · no AWS credentials');
    assert.deepEqual(summary.fix, { title: 'Choose AWS Profile', command: 'geusemaker.chooseProfile' });
    assert.match(summary.tooltip, /\[Choose AWS Profile\]\(command:geusemaker\.chooseProfile\)/);
    assert.doesNotMatch(summary.tooltip, /CredentialsProviderError|--profile|`/);
    assert.match(summary.accessibleLabel, /warning: no AWS credentials/);
  });

  it('AWS unreachable: running stacks are "last seen", not a live count with a price', () => {
    const error = new GeuseError({ code: 'AWS_UNREACHABLE', kind: 'transient', message: 'EC2 DescribeInstances got no answer from the endpoint http://127.0.0.1:9: the connection was refused (ECONNREFUSED).', nextStep: 'Check that it is running.' });
    const summary = summarize({ ...base, identity: { account: '123456789012', arn: 'arn' }, awsProblem: error, billing: [{ name: 'alpha', usd: 0.177, upperBound: false }] });
    assert.equal(summary.text, '$(warning) default credentials · us-east-1 · AWS unreachable · 1 last seen running');
    assert.doesNotMatch(summary.text, /\$0/);
    assert.equal(summary.fix?.command, 'workbench.action.openSettings');
    assert.match(summary.tooltip, /may be out of date/);
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
