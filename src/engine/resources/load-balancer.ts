import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateRuleCommand, CreateTargetGroupCommand, DeleteRuleCommand, DeregisterTargetsCommand,
  DescribeListenersCommand, DescribeLoadBalancerAttributesCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, DescribeTagsCommand, DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand, ModifyListenerCommand, ModifyLoadBalancerAttributesCommand, ModifyRuleCommand, type Action, type LoadBalancer, type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { StepContext } from '../context';
import type { StepResult } from '../graph/run-graph';
import { awsErrorCode, isNotFound } from '../aws/classify';
import { GeuseError, invalidInput } from '../errors';
import { usesCloudFront } from '../stack/config';
import { stackTags, tagValue, TAG_RESOURCE, TAG_STACK_ID } from '../stack/naming';
import { pollUntil } from '../wait';
import { ensureResource, retryNotFound, type Found } from './ensure';
import { sameAction } from './compare-actions';
import type { WithId } from './network';
import { LB_KEYS } from './public-url';
import { ORIGIN_SECRET, secretValue } from './secrets';
import { HTTPS_PORT, PROXY_PORT } from './security-groups';

/** Header CloudFront adds to every origin request; the listener forwards only requests that carry its secret value. */
export const ORIGIN_HEADER = 'X-GeuseMaker-Origin';
/**
 * Long LLM generations and video renders keep a connection quiet for minutes; the default 60 s would cut them.
 * (Through CloudFront a response must still start within its 60 s origin read timeout.)
 */
export const IDLE_TIMEOUT_SECONDS = 600;
const ORIGIN_RULE_PRIORITY = 10;

export const loadBalancerName = (stack: string): string => `gm-${stack}`;
export const targetGroupName = (stack: string): string => `gm-${stack}-tg`;

/** Is this ELBv2 resource ours (our stack id and logical key)? Names alone could belong to a same-named stack elsewhere. */
async function ownedArn(ctx: StepContext, arn: string, key: string): Promise<boolean> {
  const tags = (await ctx.clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions?.[0]?.Tags;
  return tagValue(tags, TAG_STACK_ID) === ctx.stackId && tagValue(tags, TAG_RESOURCE) === key;
}

async function describeLoadBalancer(ctx: StepContext, query: { arn?: string; name?: string }): Promise<LoadBalancer | undefined> {
  try {
    const out = await ctx.clients.elbv2.send(new DescribeLoadBalancersCommand(query.arn ? { LoadBalancerArns: [query.arn] } : { Names: [query.name!] }));
    return out.LoadBalancers?.[0];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function lbFound(lb: LoadBalancer): Found {
  return { id: lb.LoadBalancerArn!, attrs: { dnsName: lb.DNSName ?? '', zones: (lb.AvailabilityZones ?? []).map((z) => z.ZoneName).join(',') } };
}

/**
 * One public subnet per AZ, in at least two AZs: the new network's subnets, or (`newSubnets` absent) the reused
 * network's that plan.ts found (it refuses one that has fewer).
 */
function loadBalancerSubnets(ctx: StepContext, newSubnets: readonly string[] | undefined): string[] {
  if (newSubnets) return [...newSubnets];
  const subnets = ctx.facts.loadBalancerSubnets ?? [];
  if (subnets.length < 2) throw new Error('Plan bug: a reused network without load balancer subnets in two AZs');
  return subnets;
}

/** The load balancer as the steps after it need it. */
export interface LoadBalancerValue {
  arn: string;
  dnsName: string;
}

export async function ensureLoadBalancer(ctx: StepContext, groupId: string, newSubnets: readonly string[] | undefined): Promise<StepResult & { loadBalancer: LoadBalancerValue }> {
  const name = loadBalancerName(ctx.stack);
  const { found, outcome } = await ensureResource(ctx, {
    key: LB_KEYS.loadBalancer, kind: 'load-balancer',
    describe: async (arn) => {
      const lb = await describeLoadBalancer(ctx, { arn });
      return lb ? lbFound(lb) : undefined;
    },
    // CreateLoadBalancer has no client token: the name and our tags find what a lost response created.
    findOrphan: async () => {
      const lb = await describeLoadBalancer(ctx, { name });
      return lb && (await ownedArn(ctx, lb.LoadBalancerArn!, LB_KEYS.loadBalancer)) ? lbFound(lb) : undefined;
    },
    create: async () => {
      const out = await retryNotFound(ctx, () => ctx.clients.elbv2.send(new CreateLoadBalancerCommand({
        Name: name, Type: 'application', Scheme: 'internet-facing', IpAddressType: 'ipv4',
        Subnets: loadBalancerSubnets(ctx, newSubnets), SecurityGroups: [groupId],
        Tags: stackTags(ctx, LB_KEYS.loadBalancer, name),
      })));
      return lbFound(out.LoadBalancers![0]!);
    },
  });
  // A new load balancer has AWS's 60 s; a reused one is asked first.
  if (outcome === 'created' || (await idleTimeout(ctx, found.id)) !== String(IDLE_TIMEOUT_SECONDS)) {
    await ctx.clients.elbv2.send(new ModifyLoadBalancerAttributesCommand({
      LoadBalancerArn: found.id, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: String(IDLE_TIMEOUT_SECONDS) }],
    }));
  }
  if (outcome === 'created') {
    await ctx.report.note(`Load balancer idle timeout is ${IDLE_TIMEOUT_SECONDS} s (AWS default 60 s) so long LLM and video requests are not cut${usesCloudFront(ctx.config) ? '; through CloudFront a response must start within 60 s (its origin read timeout, the maximum without a quota raise)' : ''}.`);
  }
  return {
    outcome, detail: `${found.attrs?.dnsName ?? found.id} (internet-facing, ${found.attrs?.zones ?? ''}; idle timeout ${IDLE_TIMEOUT_SECONDS} s)`,
    loadBalancer: { arn: found.id, dnsName: found.attrs?.dnsName ?? '' },
  };
}

async function idleTimeout(ctx: StepContext, arn: string): Promise<string | undefined> {
  const attributes = (await ctx.clients.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }))).Attributes ?? [];
  return attributes.find((attribute) => attribute.Key === 'idle_timeout.timeout_seconds')?.Value;
}

export async function ensureTargetGroup(ctx: StepContext, vpcId: string): Promise<WithId> {
  const name = targetGroupName(ctx.stack);
  const lookup = async (query: { arn?: string; name?: string }) => {
    try {
      const out = await ctx.clients.elbv2.send(new DescribeTargetGroupsCommand(query.arn ? { TargetGroupArns: [query.arn] } : { Names: [query.name!] }));
      return out.TargetGroups?.[0];
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const { found, outcome } = await ensureResource(ctx, {
    key: LB_KEYS.targetGroup, kind: 'target-group',
    describe: async (arn) => ((await lookup({ arn })) ? { id: arn } : undefined),
    findOrphan: async () => {
      const group = await lookup({ name });
      return group && (await ownedArn(ctx, group.TargetGroupArn!, LB_KEYS.targetGroup)) ? { id: group.TargetGroupArn! } : undefined;
    },
    create: async () => {
      const out = await retryNotFound(ctx, () => ctx.clients.elbv2.send(new CreateTargetGroupCommand({
        Name: name, Protocol: 'HTTP', Port: PROXY_PORT, VpcId: vpcId, TargetType: 'instance',
        // The proxy's own /healthz answers as soon as nginx runs. 30 s × 2 to turn healthy; 5 misses in a row
        // (2.5 min) before unhealthy, so a busy instance pulling images does not flap.
        HealthCheckProtocol: 'HTTP', HealthCheckPath: '/healthz', HealthCheckPort: 'traffic-port',
        HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 10, HealthyThresholdCount: 2, UnhealthyThresholdCount: 5,
        Matcher: { HttpCode: '200' },
        Tags: stackTags(ctx, LB_KEYS.targetGroup, name),
      })));
      return { id: out.TargetGroups![0]!.TargetGroupArn! };
    },
  });
  return { outcome, detail: `${name} (HTTP:${PROXY_PORT}, health check /healthz)`, id: found.id };
}

function forward(targetGroupArn: string): Action {
  return { Type: 'forward', TargetGroupArn: targetGroupArn };
}

async function ensureListener(ctx: StepContext, lbArn: string, key: string, port: number, create: () => Promise<string>): Promise<{ arn: string; outcome: 'created' | 'reused' }> {
  const onPort = async () => (await ctx.clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners?.find((l) => l.Port === port);
  const { found, outcome } = await ensureResource(ctx, {
    key, kind: 'listener',
    describe: async (arn) => {
      try {
        return (await ctx.clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [arn] }))).Listeners?.[0] ? { id: arn } : undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    // One listener per port per load balancer: the port finds what a lost response (or an imported stack) has.
    findOrphan: async () => {
      const listener = await onPort();
      return listener?.ListenerArn ? { id: listener.ListenerArn } : undefined;
    },
    create: async () => {
      // Listeners are not swept, so an adopted or imported stack's journal lacks them: look before creating.
      const existing = await onPort();
      return { id: existing?.ListenerArn ?? await create() };
    },
  });
  return { arn: found.id, outcome };
}

/** What the listeners forward to, from the steps before them. */
export interface ListenerInputs {
  loadBalancerArn: string;
  targetGroupArn: string;
}

/**
 * HTTP:80 (and HTTPS:443 with the user's certificate, HTTP then redirects). With CloudFront, the default
 * action answers 403 and one rule forwards only requests carrying the secret origin header, so the
 * load balancer's own DNS name cannot be used to bypass CloudFront.
 */
export async function ensureListeners(ctx: StepContext, { loadBalancerArn: lbArn, targetGroupArn }: ListenerInputs): Promise<StepResult & { httpListenerArn: string }> {
  const cloudFront = usesCloudFront(ctx.config);
  const certificateArn = ctx.config.certificateArn;
  const tags = (key: string) => stackTags(ctx, key);
  const httpDefault: Action = cloudFront
    ? { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '403', ContentType: 'text/plain', MessageBody: 'Forbidden: use the stack\'s CloudFront address.' } }
    : certificateArn
      ? { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: String(HTTPS_PORT), StatusCode: 'HTTP_301' } }
      : forward(targetGroupArn);
  const http = await ensureListener(ctx, lbArn, LB_KEYS.httpListener, PROXY_PORT, async () => {
    const out = await ctx.clients.elbv2.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: PROXY_PORT, DefaultActions: [httpDefault], Tags: tags(LB_KEYS.httpListener) }));
    return out.Listeners![0]!.ListenerArn!;
  });
  const outcomes = [http.outcome];
  // A config change (CloudFront turned on, a certificate added) must not leave the old door open: reconcile.
  const httpArn = http.arn;
  const current = (await ctx.clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [httpArn] }))).Listeners?.[0]?.DefaultActions ?? [];
  if (current.length !== 1 || !sameAction(current[0]!, httpDefault)) {
    await ctx.clients.elbv2.send(new ModifyListenerCommand({ ListenerArn: httpArn, DefaultActions: [httpDefault] }));
    await ctx.report.note(`The load balancer's HTTP listener now ${httpDefault.Type === 'fixed-response' ? 'answers 403 without the CloudFront origin header' : httpDefault.Type === 'redirect' ? 'redirects to HTTPS' : 'forwards to the instance'} (the configuration changed).`);
  }
  if (certificateArn) {
    outcomes.push((await ensureListener(ctx, lbArn, LB_KEYS.httpsListener, HTTPS_PORT, async () => {
      try {
        const out = await ctx.clients.elbv2.send(new CreateListenerCommand({
          LoadBalancerArn: lbArn, Protocol: 'HTTPS', Port: HTTPS_PORT, Certificates: [{ CertificateArn: certificateArn }],
          SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', DefaultActions: [forward(targetGroupArn)], Tags: tags(LB_KEYS.httpsListener),
        }));
        return out.Listeners![0]!.ListenerArn!;
      } catch (error) {
        if (awsErrorCode(error) !== 'CertificateNotFound') throw error;
        throw invalidInput('CONFIG_INVALID', `certificateArn: ${certificateArn} is not an ACM certificate this account can use in ${ctx.config.region}.`,
          'Check the ARN in the ACM console (it must be issued, in the stack\'s region), fix certificateArn, and run deploy again.');
      }
    })).outcome);
  }
  if (cloudFront) outcomes.push(await ensureOriginRule(ctx, httpArn, targetGroupArn));
  else if (await removeOriginRule(ctx, httpArn)) outcomes.push('created');
  const shape = cloudFront
    ? `HTTP:${PROXY_PORT} answers 403 unless the ${ORIGIN_HEADER} header carries the stack's secret`
    : certificateArn ? `HTTPS:${HTTPS_PORT} with your certificate; HTTP:${PROXY_PORT} redirects to it` : `HTTP:${PROXY_PORT} forwards to the instance`;
  return { outcome: outcomes.every((o) => o === 'reused') ? 'reused' : 'created', detail: shape, httpListenerArn: httpArn };
}

async function originRuleAt(ctx: StepContext, listenerArn: string): Promise<Rule | undefined> {
  return (await ctx.clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules?.find((r) => r.Priority === String(ORIGIN_RULE_PRIORITY));
}

async function ensureOriginRule(ctx: StepContext, listenerArn: string, targetGroupArn: string): Promise<'created' | 'reused'> {
  const ruleAt = () => originRuleAt(ctx, listenerArn);
  const { found, outcome } = await ensureResource(ctx, {
    key: LB_KEYS.originRule, kind: 'listener-rule',
    describe: async (arn) => {
      try {
        return (await ctx.clients.elbv2.send(new DescribeRulesCommand({ RuleArns: [arn] }))).Rules?.[0] ? { id: arn } : undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    // Priorities are unique per listener: ours finds what a lost response created.
    findOrphan: async () => {
      const rule = await ruleAt();
      return rule?.RuleArn ? { id: rule.RuleArn } : undefined;
    },
    create: async () => {
      const existing = await ruleAt();
      if (existing?.RuleArn) return { id: existing.RuleArn };
      const secret = await secretValue(ctx, ORIGIN_SECRET);
      const out = await ctx.clients.elbv2.send(new CreateRuleCommand({
        ListenerArn: listenerArn, Priority: ORIGIN_RULE_PRIORITY,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: ORIGIN_HEADER, Values: [secret] } }],
        Actions: [forward(targetGroupArn)], Tags: stackTags(ctx, LB_KEYS.originRule),
      }));
      return { id: out.Rules![0]!.RuleArn! };
    },
  });
  // A rule found by its priority may still require an older secret (the parameter was made anew): CloudFront's requests would get 403.
  const secret = await secretValue(ctx, ORIGIN_SECRET);
  const rule = (await ctx.clients.elbv2.send(new DescribeRulesCommand({ RuleArns: [found.id] }))).Rules?.[0];
  const conditions = rule?.Conditions ?? [];
  const requiresSecret = conditions.length === 1 && conditions[0]!.Field === 'http-header' && conditions[0]!.HttpHeaderConfig?.HttpHeaderName?.toLowerCase() === ORIGIN_HEADER.toLowerCase()
    && conditions[0]!.HttpHeaderConfig.Values?.length === 1 && conditions[0]!.HttpHeaderConfig.Values[0] === secret;
  const actions = rule?.Actions ?? [];
  if (requiresSecret && actions.length === 1 && sameAction(actions[0]!, forward(targetGroupArn))) return outcome;
  await ctx.clients.elbv2.send(new ModifyRuleCommand({
    RuleArn: found.id, Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: ORIGIN_HEADER, Values: [secret] } }], Actions: [forward(targetGroupArn)],
  }));
  await ctx.report.note(requiresSecret
    ? 'The load balancer\'s origin-header rule forwards to the stack\'s target group again (it pointed elsewhere).'
    : `The load balancer's origin-header rule now requires the stack's current secret (it had an older one).`);
  return 'created';
}

/** CloudFront turned off: the distribution stays until destroy, so the rule that forwards its requests must go. */
async function removeOriginRule(ctx: StepContext, listenerArn: string): Promise<boolean> {
  const record = ctx.journal.record(LB_KEYS.originRule);
  if (!record || record.status === 'deleted') return false;
  // Only an intent: a lost response may still have created it at our priority.
  const arn = record.id ?? (await originRuleAt(ctx, listenerArn))?.RuleArn;
  try {
    if (arn) await ctx.clients.elbv2.send(new DeleteRuleCommand({ RuleArn: arn }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await ctx.journal.deleted(LB_KEYS.originRule);
  await ctx.report.note('CloudFront is off: the load balancer\'s rule that forwarded requests carrying its origin header is deleted.');
  return true;
}

function describeTarget(state: string | undefined, reason: string | undefined): string {
  return `${state ?? 'unknown'}${reason ? `: ${reason}` : ''}`;
}

/**
 * Registers the instance (and drops targets of instances that are gone, e.g. after a resume) and waits for
 * it to be healthy. `initial` and `unhealthy` are progress, not failure: the stack's services take minutes
 * to pull and start; only the configurable timeout ends the wait.
 */
/** The group registers its instance in the target group itself; this waits for the load balancer to find it healthy. */
export async function waitTargetHealthy(ctx: StepContext, lbArn: string, groupArn: string, instanceId: string): Promise<StepResult> {
  const poll = { intervalMs: ctx.timing.pollIntervalMs, signal: ctx.report.signal };
  const activeWhat = 'the load balancer to become active';
  await pollUntil(async () => {
    const state = (await describeLoadBalancer(ctx, { arn: lbArn }))?.State;
    if (state?.Code === 'failed') {
      throw new GeuseError({
        code: 'LOAD_BALANCER_FAILED', kind: 'transient', message: `Load balancer ${lbArn} failed to provision: ${state.Reason ?? 'AWS gave no reason'}.`,
        nextStep: `Destroy the stack (\`geusemaker destroy ${ctx.stack}\`) and deploy again; if it repeats, check the subnets and the Elastic Load Balancing quotas.`,
      });
    }
    if (state?.Code === 'active' || state?.Code === 'active_impaired') return true;
    ctx.report.waiting(`${activeWhat} (${state?.Code ?? 'unknown'})`);
    return undefined;
  }, { ...poll, what: activeWhat, timeoutMs: ctx.timing.loadBalancerTimeoutMs });

  // The group deregisters what it terminates; a target left from before (an instance from before the group, or
  // one an interrupted operation left) would only fail health checks, so it goes.
  const registered = (await ctx.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: groupArn }))).TargetHealthDescriptions ?? [];
  const stale = registered.map((d) => d.Target!).filter((t) => t.Id !== instanceId);
  if (stale.length > 0) await ctx.clients.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: groupArn, Targets: stale }));
  const timeoutMs = ctx.timing.targetHealthyTimeoutMs ?? ctx.config.timeouts.targetHealthyMinutes * 60_000;
  const what = `instance ${instanceId} to pass the load balancer's health check (/healthz)`;
  let last = 'initial';
  const nextStep = `The services may still be starting (images and models download first). Check \`geusemaker health ${ctx.stack}\`, raise timeouts.targetHealthyMinutes if needed, and run deploy again to keep waiting.`;
  await pollUntil(async () => {
    const health = (await ctx.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: groupArn, Targets: [{ Id: instanceId, Port: PROXY_PORT }] })))
      .TargetHealthDescriptions?.[0]?.TargetHealth;
    if (health?.State === 'healthy') return true;
    last = describeTarget(health?.State, health?.Reason);
    ctx.report.waiting(`target ${instanceId} is ${last} — the stack's services are still starting`);
    return undefined;
  }, { ...poll, what, timeoutMs, timeoutNextStep: nextStep }).catch((error: unknown) => {
    if (error instanceof GeuseError && error.code === 'WAIT_TIMEOUT') {
      throw new GeuseError({ code: 'TARGET_NOT_HEALTHY', kind: 'transient', message: `${error.message} Its last state was ${last}.`, nextStep });
    }
    throw error;
  });
  return { outcome: 'done', detail: `${instanceId} healthy behind the load balancer` };
}
