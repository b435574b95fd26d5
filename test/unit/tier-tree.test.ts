import assert from 'node:assert/strict';
import { newStackState } from '../../src/engine/deploy';
import { stackConfigSchema, type StackConfigInput } from '../../src/engine/stack/config';
import type { ResourceKind, StackState } from '../../src/engine/state/schema';
import { consoleUrl } from '../../src/vscode/console-links';
import { childrenOf, viewOf } from '../../src/vscode/tree/nodes';
import type { StackEntry } from '../../src/vscode/stacks-source';

const ALB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/gm-demo/50dc6c495c0c9188';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gm-demo-tg/73e2d6bc24d8a067';

function record(key: string, kind: ResourceKind, id: string, attrs: Record<string, string> = {}) {
  return { key, kind, status: 'created' as const, id, attrs, external: false, updatedAt: '' };
}

function loadBalanced(input: Partial<StackConfigInput>): StackEntry {
  const state: StackState = newStackState(stackConfigSchema.parse({ name: 'demo', ...input }));
  state.status = 'deployed';
  state.resources = {
    instance: record('instance', 'instance', 'i-0123', { publicIp: '198.51.100.4' }),
    alb: record('alb', 'load-balancer', ALB, { dnsName: 'gm-demo-1.us-east-1.elb.amazonaws.com' }),
    'target-group': record('target-group', 'target-group', TG),
    cloudfront: record('cloudfront', 'cloudfront-distribution', 'E2ABCDEF123456', { domainName: 'd111111abcdef8.cloudfront.net' }),
  };
  return { ref: { name: 'demo', stateDir: '/ws/stacks' }, origin: 'workspace', state };
}

describe('the tree for automation and gpu stacks', () => {
  it('Resources lists the load balancer, target group and distribution; Endpoints are the CloudFront https URLs', () => {
    const entry = loadBalanced({ tier: 'gpu', instanceType: 'g5.xlarge' });
    const groups = childrenOf({ kind: 'section', section: 'resources', entry });
    assert.deepEqual(groups.map((g) => viewOf(g).label), ['Compute', 'Load balancer and CDN']);
    const resources = groups.flatMap((g) => childrenOf(g)).map((node) => viewOf(node));
    assert.deepEqual(resources.map((r) => r.description), ['i-0123', 'E2ABCDEF123456', ALB, TG]);
    assert.deepEqual(resources.map((r) => r.label), ['Instance', 'CloudFront distribution', 'Load balancer', 'Target group']);
    const endpoints = childrenOf({ kind: 'section', section: 'endpoints', entry }).map(viewOf);
    assert.ok(endpoints.length > 0);
    assert.ok(endpoints.every((e) => e.description?.startsWith('https://d111111abcdef8.cloudfront.net/')), endpoints.map((e) => e.description).join(', '));
  });

  it('without CloudFront, Endpoints are the load balancer\'s http URLs (never the instance\'s address)', () => {
    const entry = loadBalanced({ tier: 'automation' });
    const endpoints = childrenOf({ kind: 'section', section: 'endpoints', entry }).map(viewOf);
    assert.equal(endpoints[0]?.description, 'http://gm-demo-1.us-east-1.elb.amazonaws.com/');
    assert.ok(!endpoints.some((e) => e.description?.includes('198.51.100.4')));
  });

  it('console links open the load balancer, target group and distribution', () => {
    assert.equal(consoleUrl('load-balancer', ALB, 'us-east-1'), `https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#LoadBalancers:search=${encodeURIComponent(ALB)}`);
    assert.equal(consoleUrl('target-group', TG, 'us-east-1'), `https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#TargetGroup:targetGroupArn=${encodeURIComponent(TG)}`);
    assert.equal(consoleUrl('cloudfront-distribution', 'E2ABCDEF123456', 'us-east-1'), 'https://console.aws.amazon.com/cloudfront/v4/home#/distributions/E2ABCDEF123456');
  });
});
