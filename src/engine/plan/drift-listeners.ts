import {
  DeleteRuleCommand, DescribeListenersCommand, DescribeRulesCommand, ModifyListenerCommand, ModifyRuleCommand, type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { isNotFound } from '../aws/classify';
import type { AwsClients } from '../aws/clients';
import { ORIGIN_HEADER } from '../resources/load-balancer';
import { LB_KEYS } from '../resources/public-url';
import { ORIGIN_SECRET } from '../resources/secret-specs';
import { HTTPS_PORT } from '../resources/security-groups';
import { usesCloudFront, type StackConfig } from '../stack/config';
import { names } from '../stack/naming';
import { sleep } from '../wait';
import { labelOf, named, type DriftItem, type DriftScope, type RepairContext } from './drift-types';

/** The priority ensureOriginRule (resources/load-balancer.ts) gives the origin-header rule. */
const ORIGIN_RULE_PRIORITY = '10';
/** The body ensureListeners answers with behind CloudFront (resources/load-balancer.ts); only its status is compared. */
const FORBIDDEN_BODY = 'Forbidden: use the stack\'s CloudFront address.';

/** What a listener's default action should be, in the few fields that say what it does. */
type ExpectedAction =
  | { type: 'forward'; targetGroupArn: string }
  | { type: 'fixed-response'; statusCode: string }
  | { type: 'redirect'; protocol: string; port: string };

/**
 * The default actions resources/load-balancer.ts ensureListeners sets: HTTP answers 403 behind CloudFront, redirects
 * to HTTPS with a certificate, else forwards; HTTPS forwards. Undefined without a target group to forward to.
 */
export function expectedDefault(config: StackConfig, listenerKey: string, targetGroupArn: string | undefined): ExpectedAction | undefined {
  if (listenerKey === LB_KEYS.httpListener) {
    if (usesCloudFront(config)) return { type: 'fixed-response', statusCode: '403' };
    if (config.certificateArn) return { type: 'redirect', protocol: 'HTTPS', port: String(HTTPS_PORT) };
  }
  return targetGroupArn ? { type: 'forward', targetGroupArn } : undefined;
}

function actionFor(expected: ExpectedAction): Action {
  switch (expected.type) {
    case 'forward': return { Type: 'forward', TargetGroupArn: expected.targetGroupArn };
    case 'fixed-response': return { Type: 'fixed-response', FixedResponseConfig: { StatusCode: expected.statusCode, ContentType: 'text/plain', MessageBody: FORBIDDEN_BODY } };
    case 'redirect': return { Type: 'redirect', RedirectConfig: { Protocol: expected.protocol, Port: expected.port, StatusCode: 'HTTP_301' } };
  }
}

const actionSchema = z.object({
  Type: z.string(),
  TargetGroupArn: z.string().optional(),
  ForwardConfig: z.object({ TargetGroups: z.array(z.object({ TargetGroupArn: z.string().optional() })).optional() }).optional(),
  FixedResponseConfig: z.object({ StatusCode: z.string().optional() }).optional(),
  RedirectConfig: z.object({ Protocol: z.string().optional(), Port: z.string().optional() }).optional(),
});
type LiveAction = z.output<typeof actionSchema>;
// Header values are left out on purpose: the origin rule's is the stack's secret.
const conditionSchema = z.object({
  Field: z.string().optional(),
  Values: z.array(z.string()).optional(),
  HttpHeaderConfig: z.object({ HttpHeaderName: z.string().optional() }).optional(),
  PathPatternConfig: z.object({ Values: z.array(z.string()).optional() }).optional(),
  HostHeaderConfig: z.object({ Values: z.array(z.string()).optional() }).optional(),
});
const ruleSchema = z.object({
  RuleArn: z.string().min(1),
  Priority: z.string().optional(),
  IsDefault: z.boolean().optional(),
  Conditions: z.array(conditionSchema).optional(),
  Actions: z.array(actionSchema).optional(),
});
type LiveRule = z.output<typeof ruleSchema>;
const rulesSchema = z.object({ Rules: z.array(ruleSchema).optional() });
const listenersSchema = z.object({ Listeners: z.array(z.object({ ListenerArn: z.string(), DefaultActions: z.array(actionSchema).optional() })).optional() });

function forwardsTo(action: LiveAction): string | undefined {
  const groups = action.ForwardConfig?.TargetGroups ?? [];
  return action.TargetGroupArn ?? (groups.length === 1 ? groups[0]?.TargetGroupArn : undefined);
}

function matches(actions: readonly LiveAction[], expected: ExpectedAction): boolean {
  const action = actions[0];
  if (actions.length !== 1 || !action || action.Type !== expected.type) return false;
  switch (expected.type) {
    case 'forward': return forwardsTo(action) === expected.targetGroupArn;
    case 'fixed-response': return action.FixedResponseConfig?.StatusCode === expected.statusCode;
    case 'redirect': return action.RedirectConfig?.Protocol === expected.protocol && action.RedirectConfig.Port === expected.port;
  }
}

/** ".../targetgroup/gm-demo-tg/0123" → "gm-demo-tg". */
function targetGroupName(arn: string | undefined): string {
  return /targetgroup\/([^/]+)\//.exec(arn ?? '')?.[1] ?? arn ?? 'an unnamed target group';
}

/** The expected action in AWS's shape, so both are worded alike. */
function asLive(expected: ExpectedAction): LiveAction {
  switch (expected.type) {
    case 'forward': return { Type: 'forward', TargetGroupArn: expected.targetGroupArn };
    case 'fixed-response': return { Type: 'fixed-response', FixedResponseConfig: { StatusCode: expected.statusCode } };
    case 'redirect': return { Type: 'redirect', RedirectConfig: { Protocol: expected.protocol, Port: expected.port } };
  }
}

function actionWords(actions: readonly LiveAction[]): string {
  if (actions.length === 0) return 'does nothing';
  return actions.map((action) => {
    if (action.Type === 'forward') return `forwards to ${targetGroupName(forwardsTo(action))}`;
    if (action.Type === 'fixed-response') return `answers ${action.FixedResponseConfig?.StatusCode ?? '?'}`;
    if (action.Type === 'redirect') return `redirects to ${action.RedirectConfig?.Protocol ?? '?'}:${action.RedirectConfig?.Port ?? '?'}`;
    return `does ${action.Type}`;
  }).join(', then ');
}

/** "if path /api/*" — header conditions by name only (a value may be a secret). */
function conditionWords(rule: LiveRule): string {
  const parts = (rule.Conditions ?? []).map((c) => {
    if (c.Field === 'http-header') return `header ${c.HttpHeaderConfig?.HttpHeaderName ?? '?'}`;
    if (c.Field === 'path-pattern') return `path ${(c.PathPatternConfig?.Values ?? c.Values ?? []).join(', ')}`;
    if (c.Field === 'host-header') return `host ${(c.HostHeaderConfig?.Values ?? c.Values ?? []).join(', ')}`;
    return c.Field ?? 'a condition';
  });
  return parts.length > 0 ? `if ${parts.join(' and ')}` : 'always';
}

async function describeRules(clients: AwsClients, listenerArn: string, signal?: AbortSignal): Promise<LiveRule[]> {
  return rulesSchema.parse(await clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn }), { abortSignal: signal })).Rules ?? [];
}

/**
 * The stack's listeners against what ensureListeners sets: the default action (a forward to another target group,
 * a 403 turned into a forward), rules added by hand, and the origin-header rule's header name and target. The origin
 * rule deleted by hand is its own record's "missing" (drift.ts), which the deploy recreates.
 */
export async function checkListeners(scope: DriftScope): Promise<DriftItem[]> {
  const listeners = [LB_KEYS.httpListener, LB_KEYS.httpsListener].flatMap((key) => {
    const record = scope.live(key);
    return record ? [{ key, arn: record.id }] : [];
  });
  // The journaled target group, even when it is gone: the deploy recreates it, and only then can anything point at it.
  const journaledGroup = scope.state.resources[LB_KEYS.targetGroup];
  const targetGroupArn = journaledGroup?.status === 'created' ? journaledGroup.id : undefined;
  const groupGone = targetGroupArn !== undefined && !scope.live(LB_KEYS.targetGroup);
  const by = (needsTargetGroup: boolean) => (needsTargetGroup && groupGone
    ? { repairBy: 'deploy', repair: 'deploy restores it, on the recreated target group' } : { repairBy: 'drift', repair: 'deploy restores it' });
  const originRule = scope.state.resources[LB_KEYS.originRule];
  const cloudFront = usesCloudFront(scope.state.config);
  const perListener = await Promise.all(listeners.map(async ({ key, arn }) => {
    const [described, rules] = await Promise.all([
      scope.clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [arn] }), { abortSignal: scope.signal }).then((out) => listenersSchema.parse(out)),
      describeRules(scope.clients, arn, scope.signal),
    ]);
    const items: DriftItem[] = [];
    const where = named(key, arn.split('/').slice(-1)[0] ?? arn);
    const expected = expectedDefault(scope.state.config, key, targetGroupArn);
    const actual = described.Listeners?.[0]?.DefaultActions ?? [];
    if (expected && !matches(actual, expected)) {
      items.push({
        key, kind: 'listener', id: arn, what: 'setting-changed',
        text: `the ${labelOf(key)}'s default action ${actionWords(actual)} (changed outside GeuseMaker); the stack's ${actionWords([asLive(expected)])}`,
        repair: by(expected.type === 'forward').repair, detail: { check: 'listener-default', repairBy: by(expected.type === 'forward').repairBy, listenerArn: arn },
      });
    }
    for (const rule of rules.filter((r) => !r.IsDefault)) {
      const isOrigin = cloudFront && key === LB_KEYS.httpListener
        && (originRule?.status === 'created' ? originRule.id === rule.RuleArn : rule.Priority === ORIGIN_RULE_PRIORITY);
      if (!isOrigin) {
        items.push({
          key, kind: 'listener', id: arn, what: 'rule-added',
          text: `rule at priority ${rule.Priority ?? '?'} (${conditionWords(rule)}: ${actionWords(rule.Actions ?? [])}) added outside GeuseMaker on ${where}`,
          repair: 'deploy removes it', detail: { check: 'listener-rule', repairBy: 'drift', listenerArn: arn, ruleArn: rule.RuleArn, priority: rule.Priority ?? '' },
        });
        continue;
      }
      const header = rule.Conditions?.find((c) => c.Field === 'http-header')?.HttpHeaderConfig?.HttpHeaderName;
      const forwards = targetGroupArn ? matches(rule.Actions ?? [], { type: 'forward', targetGroupArn }) : true;
      if (header?.toLowerCase() !== ORIGIN_HEADER.toLowerCase() || !forwards || (rule.Conditions ?? []).length !== 1) {
        items.push({
          key: LB_KEYS.originRule, kind: 'listener-rule', id: rule.RuleArn, what: 'setting-changed',
          text: `the ${labelOf(LB_KEYS.originRule)} on ${where} ${conditionWords(rule)}: ${actionWords(rule.Actions ?? [])} (changed outside GeuseMaker); the stack's forwards to ${targetGroupName(targetGroupArn)} only if header ${ORIGIN_HEADER} carries the stack's secret`,
          repair: by(true).repair, detail: { check: 'origin-rule', repairBy: by(true).repairBy, listenerArn: arn, ruleArn: rule.RuleArn },
        });
      }
    }
    return items;
  }));
  return perListener.flat();
}

async function readBack<T>(ctx: RepairContext, read: () => Promise<T>, settled: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let attempt = 1; attempt < 5 && !settled(value); attempt++) {
    await sleep(ctx.timing?.pollIntervalMs ?? 1_000, ctx.signal);
    value = await read();
  }
  return value;
}

/** Deletes a rule added by hand, puts the default action back, or gives the origin rule its header and target again. */
export async function repairListener(ctx: RepairContext, item: DriftItem): Promise<string> {
  const detail = item.detail ?? {};
  const listenerArn = detail.listenerArn ?? item.id;
  const where = named(item.key === LB_KEYS.originRule ? LB_KEYS.httpListener : item.key, listenerArn.split('/').slice(-1)[0] ?? listenerArn);
  const targetGroupArn = ctx.state.resources[LB_KEYS.targetGroup]?.id;
  const rulesNow = () => describeRules(ctx.clients, listenerArn, ctx.signal);
  if (detail.check === 'listener-rule') {
    const ruleArn = detail.ruleArn ?? '';
    try {
      await ctx.clients.elbv2.send(new DeleteRuleCommand({ RuleArn: ruleArn }), { abortSignal: ctx.signal });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const left = (await readBack(ctx, rulesNow, (rules) => !rules.some((r) => r.RuleArn === ruleArn))).some((r) => r.RuleArn === ruleArn);
    return left ? `Deleted the rule at priority ${detail.priority ?? '?'} on ${where}, but AWS still lists it; deploy again to retry.`
      : `Deleted the rule at priority ${detail.priority ?? '?'} added on ${where}; read back: the listener no longer has it.`;
  }
  if (detail.check === 'listener-default') {
    const expected = expectedDefault(ctx.state.config, item.key, targetGroupArn);
    if (!expected) return `The ${labelOf(item.key)} was left as it is: the stack's target group is not known, so the deploy sets its default action.`;
    await ctx.clients.elbv2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: [actionFor(expected)] }), { abortSignal: ctx.signal });
    const read = async () => listenersSchema.parse(await ctx.clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }), { abortSignal: ctx.signal })).Listeners?.[0]?.DefaultActions ?? [];
    const now = await readBack(ctx, read, (actions) => matches(actions, expected));
    return matches(now, expected) ? `The ${labelOf(item.key)}'s default action is restored; read back: it ${actionWords(now)}.`
      : `Set the ${labelOf(item.key)}'s default action, but AWS reads back that it ${actionWords(now)}; deploy again to retry.`;
  }
  // The origin rule: its one header condition (with the secret, read here and sent only to AWS) and its forward.
  const ruleArn = detail.ruleArn ?? item.id;
  if (!targetGroupArn) return `The ${labelOf(LB_KEYS.originRule)} was left as it is: the stack's target group is not known, so the deploy sets it.`;
  const secret = (await ctx.clients.ssm.send(new GetParameterCommand({ Name: names.parameter(ctx.state.name, ORIGIN_SECRET.name), WithDecryption: true }), { abortSignal: ctx.signal })).Parameter?.Value;
  if (!secret) return `The ${labelOf(LB_KEYS.originRule)} was left as it is: the origin secret is missing, so the deploy makes it anew and sets the rule.`;
  await ctx.clients.elbv2.send(new ModifyRuleCommand({
    RuleArn: ruleArn, Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: ORIGIN_HEADER, Values: [secret] } }],
    Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
  }), { abortSignal: ctx.signal });
  const fixed = (rules: LiveRule[]) => {
    const rule = rules.find((r) => r.RuleArn === ruleArn);
    return rule?.Conditions?.[0]?.HttpHeaderConfig?.HttpHeaderName === ORIGIN_HEADER && matches(rule.Actions ?? [], { type: 'forward', targetGroupArn });
  };
  const ok = fixed(await readBack(ctx, rulesNow, fixed));
  return ok ? `The ${labelOf(LB_KEYS.originRule)} on ${where} again forwards to ${targetGroupName(targetGroupArn)} only with header ${ORIGIN_HEADER}; read back: it does.`
    : `Set the ${labelOf(LB_KEYS.originRule)} on ${where}, but AWS reads back something else; deploy again to retry.`;
}
