import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DescribeListenersCommand, DescribeLoadBalancersCommand,
  DescribeTagsCommand, DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isNotFound } from '../aws/classify';
import type { StepContext } from '../context';
import type { StepResult } from '../graph/run-graph';
import { OLLAMA_PORT, scaleNames, SCALE_KEYS } from '../scale/names';
import { stackTags, tagValue, TAG_STACK_ID } from '../stack/naming';
import { ensureResource, retryNotFound, type Found } from './ensure';
import type { LoadBalancerValue } from './load-balancer';
import type { Subnet } from './network';

async function ours(ctx: StepContext, arn: string): Promise<boolean> {
  const tags = (await ctx.clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions?.[0]?.Tags;
  return tagValue(tags, TAG_STACK_ID) === ctx.stackId;
}

async function quiet<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The internal Application Load Balancer in front of the Ollama workers: private addresses only, in two AZs. */
export async function ensureInternalLoadBalancer(ctx: StepContext, groupId: string, subnets: readonly Subnet[]): Promise<StepResult & { loadBalancer: LoadBalancerValue }> {
  const name = scaleNames.internalLoadBalancer(ctx.stack);
  const byName = async (): Promise<Found | undefined> => {
    const lb = (await quiet(() => ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] }))))?.LoadBalancers?.[0];
    return lb?.LoadBalancerArn && (await ours(ctx, lb.LoadBalancerArn)) ? { id: lb.LoadBalancerArn, attrs: { dnsName: lb.DNSName ?? '' } } : undefined;
  };
  const { found, outcome } = await ensureResource(ctx, {
    key: SCALE_KEYS.internalLoadBalancer, kind: 'load-balancer',
    describe: async (arn) => {
      const lb = (await quiet(() => ctx.clients.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))))?.LoadBalancers?.[0];
      return lb ? { id: arn, attrs: { dnsName: lb.DNSName ?? '' } } : undefined;
    },
    // No client token: the name and our tags find what a lost answer created.
    findOrphan: byName,
    create: async () => {
      const out = await retryNotFound(ctx, () => ctx.clients.elbv2.send(new CreateLoadBalancerCommand({
        Name: name, Type: 'application', Scheme: 'internal', IpAddressType: 'ipv4',
        Subnets: subnets.map((s) => s.id), SecurityGroups: [groupId], Tags: stackTags(ctx, SCALE_KEYS.internalLoadBalancer, name),
      })));
      const lb = out.LoadBalancers![0]!;
      return { id: lb.LoadBalancerArn!, attrs: { dnsName: lb.DNSName ?? '' } };
    },
  });
  const dnsName = found.attrs?.dnsName ?? '';
  return { outcome, detail: `${dnsName} (internal, Ollama on ${OLLAMA_PORT})`, loadBalancer: { arn: found.id, dnsName } };
}

/** The Ollama workers' target group: port 11434, healthy when /api/version answers. */
export async function ensureOllamaTargetGroup(ctx: StepContext, vpcId: string): Promise<StepResult & { arn: string }> {
  const name = scaleNames.ollamaTargetGroup(ctx.stack);
  const { found, outcome } = await ensureResource(ctx, {
    key: SCALE_KEYS.ollamaTargetGroup, kind: 'target-group',
    describe: async (arn) => ((await quiet(() => ctx.clients.elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] }))))?.TargetGroups?.[0] ? { id: arn } : undefined),
    findOrphan: async () => {
      const group = (await quiet(() => ctx.clients.elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] }))))?.TargetGroups?.[0];
      return group?.TargetGroupArn && (await ours(ctx, group.TargetGroupArn)) ? { id: group.TargetGroupArn } : undefined;
    },
    create: async () => {
      const out = await retryNotFound(ctx, () => ctx.clients.elbv2.send(new CreateTargetGroupCommand({
        Name: name, Protocol: 'HTTP', Port: OLLAMA_PORT, VpcId: vpcId, TargetType: 'instance',
        HealthCheckProtocol: 'HTTP', HealthCheckPath: '/api/version', HealthCheckPort: 'traffic-port',
        HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 10, HealthyThresholdCount: 2, UnhealthyThresholdCount: 5, Matcher: { HttpCode: '200' },
        Tags: stackTags(ctx, SCALE_KEYS.ollamaTargetGroup, name),
      })));
      return { id: out.TargetGroups![0]!.TargetGroupArn! };
    },
  });
  return { outcome, detail: `${name} (HTTP:${OLLAMA_PORT}, health check /api/version)`, arn: found.id };
}

/** HTTP:11434 on the internal load balancer, forwarding to the Ollama workers. */
export async function ensureOllamaListener(ctx: StepContext, loadBalancerArn: string, targetGroupArn: string): Promise<StepResult & { arn: string }> {
  const onPort = async () => (await ctx.clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }))).Listeners?.find((l) => l.Port === OLLAMA_PORT);
  const { found, outcome } = await ensureResource(ctx, {
    key: SCALE_KEYS.ollamaListener, kind: 'listener',
    describe: async (arn) => ((await quiet(() => ctx.clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [arn] }))))?.Listeners?.[0] ? { id: arn } : undefined),
    findOrphan: async () => {
      const listener = await onPort();
      return listener?.ListenerArn ? { id: listener.ListenerArn } : undefined;
    },
    create: async () => {
      const existing = await onPort();
      if (existing?.ListenerArn) return { id: existing.ListenerArn };
      const out = await ctx.clients.elbv2.send(new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn, Protocol: 'HTTP', Port: OLLAMA_PORT, DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
        Tags: stackTags(ctx, SCALE_KEYS.ollamaListener),
      }));
      return { id: out.Listeners![0]!.ListenerArn! };
    },
  });
  return { outcome, detail: `HTTP:${OLLAMA_PORT} → ${targetGroupArn.split('/').slice(-2, -1)[0] ?? targetGroupArn}`, arn: found.id };
}
