import type { DestroyPlan, DestroyResult } from '../destroy';
import { describeForeign, describeOwner } from '../resources/ownership';
import type { DeployResult } from '../deploy';
import type { GeuseError } from '../errors';
import { ACTION_SYMBOLS, type DeployPlan, type PlanAction } from '../plan/plan';
import type { StackDiff } from '../update/diff';
import type { DriftItem, DriftReport } from '../plan/drift';
import { describeSetting, type SettingEffect } from '../update/settings';
import type { StepOutcome } from '../progress';
import type { SweptResource } from '../resources/sweep';
import { PUBLISHABLE_SERVICES, SERVICE_PORTS } from '../stack/services';
import { loadBalancerCidr, usesCloudFront, type StackConfig } from '../stack/config';
import { isLoadBalanced } from '../tiers';
import { publicUrlOf } from '../operate';
import { IDLE_TIMEOUT_SECONDS } from '../resources/load-balancer';
import type { StackState } from '../state/schema';
import type { StackListing } from '../state/store';
import type { LiveView } from '../live';

/** Plain-text presentation both front ends show (plan, destroy plan, summaries, list, show). Everything here returns lines; the caller decides where they go. */

export function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `${indent}${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd());
}

function describeMarket(config: StackConfig): string {
  if (config.market === 'on-demand') return 'on-demand';
  return config.onDemandFallback ? 'spot (on-demand fallback)' : 'spot (no fallback)';
}

function describeAccess(config: StackConfig): string {
  if (isLoadBalanced(config.tier)) {
    const front = usesCloudFront(config) ? 'CloudFront → ' : '';
    return `${front}load balancer open to ${loadBalancerCidr(config) ?? 'the internet'}; the instance takes port 80 only from the load balancer`;
  }
  return config.access.mode === 'ssm' ? 'SSM port forwarding (no inbound ports)' : `ports open to ${config.access.cidr} only`;
}

function enabledServices(config: StackConfig): string[] {
  return Object.entries(config.services).filter(([, on]) => on).map(([service]) => service);
}

const HOW_WORDS: Record<SettingEffect, string> = {
  replace: 'replaces the instance', services: 'in place over SSM', front: 'load balancer, CloudFront and proxy', group: 'the Auto Scaling group, in place',
  notices: 'the notification topic', backups: 'the AWS Backup plan, in place', budget: 'the AWS Budgets budget, in place', scale: 'worker pools, RDS and ElastiCache', recorded: 'recorded only', refused: 'refused',
};

/** One line per changed setting, with how it is applied: "~ instanceType t3.xlarge → t3.2xlarge (replaces the instance)". */
export function diffLines(diff: StackDiff): string[] {
  return [
    ...diff.settings.map((change) => `~ ${describeSetting(change)} (${HOW_WORDS[change.effect]})`),
    // What EC2 runs that no setting change explains (a hand change, an instance from an older version).
    ...(diff.settings.length === 0 ? diff.instance.map((d) => `~ running instance: ${d.text}`) : []),
  ];
}

export function renderPlan(plan: DeployPlan): string[] {
  const { config, facts, diff } = plan;
  const ami: { id: string; name?: string; architecture: string } = plan.ami ?? { id: facts.amiId, architecture: facts.architecture };
  const lines = [
    `Plan for stack ${config.name}: ${config.tier} tier in ${config.region} (account ${facts.accountId})`,
    `  ${config.instanceType} (${facts.architecture}), ${describeMarket(config)}, ${facts.rootVolumeGb ?? config.rootVolumeGb} GiB root disk, AZs ${facts.zones.join(', ')}`,
    `  AMI ${ami.id} (${[ami.name, ami.architecture].filter(Boolean).join(', ')})`,
    `  Access: ${describeAccess(config)}. Services: ${enabledServices(config).join(', ')}.`,
  ];
  if (plan.adoptedStackId) lines.push(`  Adopting resources of stack id ${plan.adoptedStackId}.`);
  if (diff) {
    lines.push('', diff.unchanged
      ? `No changes: the stack runs this configuration${diff.fromVersion ? ` (applied version ${diff.fromVersion})` : ''}; deploy would change nothing.`
      : `Changes from the applied configuration${diff.fromVersion ? ` (version ${diff.fromVersion})` : ''}:`);
    lines.push(...diffLines(diff).map((line) => `  ${line}`));
  }
  lines.push('');
  const rows = plan.items.map((item) => [ACTION_SYMBOLS[item.action], item.action, item.title, [item.ids.join(', '), item.note].filter((part) => part).join(' — ')]);
  lines.push(...table([['', 'ACTION', 'STEP', 'IDS / NOTES'], ...rows]));
  const count = (action: PlanAction): number => plan.items.filter((item) => item.action === action).length;
  const used = count('use') > 0 ? `, ${count('use')} of yours to use` : '';
  lines.push('', diff
    ? `${count('create')} to create, ${count('update')} to update in place, ${count('replace')} to replace, ${count('delete')} to delete, ${count('unchanged')} unchanged${used}.`
    : `${count('create')} to create, ${count('reuse')} to reuse, ${count('keep')} to keep${used}.`);
  if (plan.drift && plan.drift.items.length > 0) lines.push('', 'Changed outside GeuseMaker since it was applied (deploy repairs exactly these):', ...driftLines(plan.drift.items));
  if (diff && diff.effects.length > 0) lines.push('', 'What you will notice:', ...diff.effects.map((effect) => `  • ${effect}`));
  if (plan.notes && plan.notes.length > 0) lines.push('', 'Also:', ...plan.notes.map((note) => `  • ${note}`));
  for (const warning of plan.warnings) lines.push(`! ${warning}`);
  return lines;
}

/** One line per difference found live: what, and what deploy does about it. */
export function driftLines(items: readonly DriftItem[]): string[] {
  return items.map((item) => `  ! ${item.text} — ${item.repair}`);
}

/** The stack's applied versions, newest last. */
export function renderHistory(state: Pick<StackState, 'name' | 'history' | 'pending'>): string[] {
  if (state.history.length === 0) return [`Stack ${state.name} has no recorded versions yet (history starts with its next deploy).`];
  const applied = state.history.at(-1)?.version;
  const rows = state.history.map((v) => [v.version === applied ? `${v.version} *` : String(v.version), v.at.replace('T', ' ').slice(0, 19), v.machine, v.summary.join('; ')]);
  const lines = [`Applied versions of stack ${state.name} (* = applied now):`, ...table([['VERSION', 'APPLIED (UTC)', 'MACHINE', 'CHANGES'], ...rows])];
  if (state.pending) lines.push('', `! A change started ${state.pending.startedAt} did not finish (${state.pending.summary.join('; ') || 'see show'}): run deploy again to finish it, or roll back.`);
  return lines;
}

function describeResources(resources: readonly SweptResource[]): string[] {
  return table(resources.map((r) => [r.kind, r.id]), '    ');
}

export function renderDestroyPlan(plan: DestroyPlan): string[] {
  const lines = [`Destroy stack ${plan.stack} in ${plan.regionFrom ?? plan.region}:`];
  if (plan.adoptedStackId) {
    lines.push(`  Adopting ${describeOwner([...plan.toDelete, ...plan.toKeep], plan.adoptedStackId)}: this machine has no state for it, and its resources below are taken over and deleted.`);
  }
  const foreign = plan.foreign.length > 0 ? ['  Not ours, left alone:', ...describeForeign(plan.foreign).map((line) => `    ${line}`)] : [];
  if (plan.toDelete.length === 0 && plan.toKeep.length === 0) {
    lines.push('  Nothing of this stack exists in AWS: there is nothing to delete.', ...foreign);
    return lines;
  }
  if (plan.toDelete.length > 0) lines.push(`  Will delete (${plan.toDelete.length}):`, ...describeResources(plan.toDelete));
  else lines.push('  Nothing left to delete.');
  const keptData = plan.toKeep.filter((r) => r.kind !== 'backup-vault');
  if (keptData.length > 0) {
    lines.push(
      `  Will keep (${keptData.length}): your data, the EFS file system and the stack's secrets, so a later deploy reattaches it.`,
      ...describeResources(keptData),
      '  Kept data costs EFS storage every month until deleted; pass --delete-data to delete it as well.',
    );
  } else if (!plan.keepData) {
    lines.push('  Data (EFS file system and secrets) will be deleted too: --delete-data or keepDataOnDestroy: false.');
  }
  // The vault outlives the stack while it holds recovery points: its own words say how many, their cost and expiry.
  const backups = plan.backups?.lines ?? [];
  if (backups.length > 0) lines.push('  Backups:', ...backups.map((line) => `    ${line}`));
  lines.push(...foreign);
  return lines;
}

export const OUTCOME_WORDS: Record<StepOutcome, string> = {
  created: 'created', reused: 'reused', kept: 'kept', deleted: 'deleted', gone: 'nothing to delete', done: 'done',
};

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}


/** Quotes a word for a POSIX shell only when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function reachLines(state: StackState, config: StackConfig): string[] {
  const instance = state.resources.instance;
  if (!instance?.id) return [];
  const services = PUBLISHABLE_SERVICES.filter((service) => config.services[service]);
  if (services.length === 0) return [];
  const lines: string[] = [];
  if (config.access.mode === 'ssm' && !isLoadBalanced(config.tier)) {
    const extra = [`--region ${config.region}`, ...(config.profile ? [`--profile ${shellQuote(config.profile)}`] : [])].join(' ');
    lines.push('Reach the services over SSM port forwarding (needs the AWS CLI and its Session Manager plugin), one terminal each:');
    for (const service of services) {
      const port = SERVICE_PORTS[service];
      lines.push(`  ${service.padEnd(8)} aws ssm start-session --target ${instance.id} --document-name AWS-StartPortForwardingSession --parameters portNumber=${port},localPortNumber=${port} ${extra}`);
    }
    lines.push(`  then open http://localhost:<port> (n8n: http://localhost:${SERVICE_PORTS.n8n}).`);
  } else if (isLoadBalanced(config.tier)) {
    const base = (publicUrlOf(state) ?? '<public url>/').replace(/\/$/, '');
    lines.push(`Reach the services through ${usesCloudFront(config) ? 'CloudFront (HTTPS)' : 'the load balancer'}:`);
    for (const service of services) lines.push(`  ${service.padEnd(8)} ${base}/${service === 'n8n' ? '' : `${service}/`}`);
    lines.push(`  The load balancer's idle timeout is ${IDLE_TIMEOUT_SECONDS} s for long LLM and video requests${usesCloudFront(config) ? '; CloudFront waits up to 60 s for a response to start' : ''}.`);
    if (usesCloudFront(config)) lines.push('  CloudFront takes 5-20 minutes to deploy after a change; until then its address may not answer.');
  } else {
    const ip = instance.attrs.publicIp;
    // In cidr mode everything goes through the reverse proxy on port 80.
    const base = `http://${ip || '<public ip>'}`;
    lines.push(`Reach the services from ${loadBalancerCidr(config) ?? 'your address'} through the stack's proxy:`);
    for (const service of services) lines.push(`  ${service.padEnd(8)} ${base}/${service === 'n8n' ? '' : `${service}/`}`);
    lines.push(`  Ollama asks for the proxy login: user admin, password in the SecureString /geusemaker/${config.name}/proxy-password.`);
  }
  lines.push('The services start a few minutes after the instance boots (images and models are pulled first).');
  return lines;
}

export function renderDeploySummary(result: DeployResult, elapsedMs: number, destroyCommand: string): string[] {
  const { state } = result;
  const instance = state.resources.instance;
  const lines = ['', `Stack ${state.name} is deployed in ${state.region} (${seconds(elapsedMs)}).`];
  if (instance?.id) {
    const where = [instance.attrs.market, instance.attrs.zone].filter((part) => part).join(' in ');
    // As EC2 reported it when the deploy read it back.
    lines.push(`  Instance: ${instance.id} (${instance.attrs.instanceType || state.config.instanceType}${where ? `, ${where}` : ''})`);
  }
  const efs = state.resources.efs;
  if (efs?.id) lines.push(`  Data: EFS ${efs.id}`);
  const reach = reachLines(state, state.config);
  if (reach.length > 0) lines.push('', ...reach);
  if (result.notes.length > 0) lines.push('', 'Notes:', ...result.notes.map((note) => `  ! ${note}`));
  lines.push('', `To destroy it: ${destroyCommand}`, '  (keeps the data: EFS file system and secrets; add --delete-data to delete everything)');
  return lines;
}

export function renderDestroySummary(result: DestroyResult & { plan: DestroyPlan }, elapsedMs: number, deleteDataCommand: string): string[] {
  const { plan } = result;
  if (plan.toDelete.length === 0 && plan.toKeep.length === 0) {
    return ['', `Nothing of stack ${plan.stack} exists in AWS, so nothing was deleted${result.stateRemoved ? '; its state file (if any) is removed' : ''}.`];
  }
  const lines = ['', `Stack ${plan.stack} is destroyed (${seconds(elapsedMs)}).`];
  if (result.kept.length > 0) {
    lines.push('Kept (your data; a deploy with the same name reattaches it):', ...describeResources(result.kept));
    if (result.keptMonthlyCost) lines.push(`  Costs about $${result.keptMonthlyCost.usd.toFixed(2)}/month: ${result.keptMonthlyCost.basis}.`);
    lines.push(`To delete the data as well: ${deleteDataCommand}`);
  } else {
    lines.push('Nothing was kept; its state file is removed (a backup stays in the state folder).');
  }
  return lines;
}

/** A stack's status with what EC2 says now: the recorded status alone only when the two agree. */
function statusWords(status: string, live: LiveView | undefined): string {
  if (!live) return status;
  if (live.source === 'recorded') return live.reason === 'no instance is recorded' ? status : live.summary;
  if (live.compute) {
    const steady = live.compute.condition === 'healthy' && !live.compute.replacement;
    if (steady && status === 'deployed') return 'deployed, healthy';
    if (live.compute.condition === 'paused' && status === 'paused') return 'paused';
    return `${status} (recorded); ${live.compute.summary} (AWS now)`;
  }
  const agrees = live.instanceState === 'running' && status === 'deployed';
  return agrees ? status : `${status} (recorded); ${live.summary} (EC2 now)`;
}

export function renderList(listings: readonly StackListing[], stateDir: string): string[] {
  if (listings.length === 0) return [`No stacks in ${stateDir}. Start with \`geusemaker init\`, then \`geusemaker deploy\`.`];
  const rows = listings.map((entry) => {
    const state = entry.state;
    if (!state) return [entry.name, 'unreadable', '-', '-', '-'];
    const instanceId = entry.live?.compute ? entry.live.compute.instanceId : state.resources.instance?.status === 'created' ? state.resources.instance.id : undefined;
    return [entry.name, statusWords(state.status, entry.live), state.region, instanceId ?? '-', state.updatedAt];
  });
  const lines = table([['NAME', 'STATUS', 'REGION', 'INSTANCE', 'UPDATED'], ...rows], '');
  for (const entry of listings) {
    if (entry.error) lines.push('', `${entry.name}: [${entry.error.code}] ${entry.error.message}`, `  Next: ${entry.error.nextStep}`);
  }
  // One line for the whole table: the reads share a region and credentials, so they fail together.
  const unread = listings.find((entry) => entry.live?.nextStep);
  if (unread?.live) lines.push('', `! Statuses are as recorded (${unread.live.reason}). ${unread.live.nextStep}`);
  return lines;
}

export function listingJson(entry: StackListing): Record<string, unknown> {
  if (!entry.state) return { name: entry.name, error: entry.error?.toJSON() };
  const state = entry.state;
  const instance = state.resources.instance;
  return {
    name: entry.name, status: state.status, region: state.region,
    instanceId: instance?.status === 'created' ? instance.id : undefined, updatedAt: state.updatedAt,
    // status is as recorded; live says what EC2 answered now (source "aws") or why it could not be asked ("recorded").
    ...(entry.live ? { live: entry.live } : {}),
  };
}

export function renderShow(state: StackState & { live?: LiveView; drift?: DriftReport }): string[] {
  const { config, live } = state;
  const instanceRecord = state.resources.instance;
  const runs = instanceRecord?.status === 'created' ? instanceRecord.attrs : undefined;
  const lines = [
    `Stack ${state.name} (${statusWords(state.status, live)}) in ${state.region}`,
    `  Stack id: ${state.stackId}; created ${state.createdAt}, updated ${state.updatedAt}`,
    `  Config${state.history.length > 0 ? ` (applied version ${state.history.at(-1)!.version} of ${state.history.at(-1)!.at})` : ''}: ${config.tier} tier, ${config.instanceType}, ${describeMarket(config)}, ${config.rootVolumeGb} GiB root disk, network ${config.network.mode === 'new' ? 'new VPC' : `existing ${config.network.vpcId}`}`,
    ...(state.pending ? [`  ! A change started ${state.pending.startedAt} did not finish (${state.pending.summary.join('; ') || 'no setting changes'}): the config above is the last one applied in full; the resources below say what already has the new form. Run deploy again to finish it, or roll back.`] : []),
    ...(runs?.instanceType ? [`  Instance as EC2 reported it at the last deploy: ${runs.instanceType}${runs.market ? `, ${runs.market}` : ''}${runs.imageId ? `, ${runs.imageId}` : ''}`] : []),
    ...(live?.source === 'aws' && live.instanceId ? [`  EC2 now (${live.checkedAt}): ${live.instanceId} ${live.instanceState ?? ''}`.trimEnd()] : []),
    ...computeLines(state),
    ...(live?.nextStep ? [`  ! The status is as recorded (${live.reason ?? 'AWS was not asked'}). ${live.nextStep}`] : []),
    `  Access: ${describeAccess(config)}. Services: ${enabledServices(config).join(', ')}. Models: ${config.ollamaModels.join(', ') || 'none'}.`,
    `  Data on destroy: ${config.keepDataOnDestroy ? 'kept' : 'deleted'}.${config.monthlyBudgetUsd !== undefined ? ` Budget: $${config.monthlyBudgetUsd}/month.` : ''}${config.profile ? ` Profile: ${config.profile}.` : ''}`,
  ];
  const records = Object.values(state.resources).sort((a, b) => a.key.localeCompare(b.key));
  lines.push('', 'Resources:');
  if (records.length === 0) lines.push('  none recorded');
  else {
    lines.push(...table(records.map((r) => {
      const facts = Object.entries(r.attrs).filter(([key, value]) => value !== '' && ['zone', 'market', 'publicIp', 'privateIp'].includes(key)).map(([key, value]) => `${key} ${value}`);
      return [r.key, r.id ?? '-', r.status + (r.external ? ' (yours, never deleted)' : ''), facts.join(', ')];
    })));
  }
  if (state.drift && state.drift.items.length > 0) lines.push('', 'Changed outside GeuseMaker since it was applied (`deploy` repairs these after showing them):', ...driftLines(state.drift.items));
  if (state.drift && state.drift.warnings.length > 0) lines.push(...state.drift.warnings.map((warning) => `  ! ${warning}`));
  if (state.notes.length > 0) lines.push('', 'Notes:', ...state.notes.map((note) => `  ! ${note}`));
  if (state.lastError) {
    lines.push('', `Last error (${state.lastError.at}): [${state.lastError.code}] ${state.lastError.message}`, `  Next: ${state.lastError.nextStep}`);
  }
  const instanceGone = live?.source === 'aws' && live.instanceState !== undefined && !['running', 'pending'].includes(live.instanceState);
  if (state.status === 'deployed' && !instanceGone) {
    const reach = reachLines(state, config);
    if (reach.length > 0) lines.push('', ...reach);
  }
  return lines;
}

/** The group that keeps the stack running: its market and types, what happens on an interruption, and what it replaced. */
function computeLines(state: StackState & { live?: LiveView }): string[] {
  const group = state.resources['auto-scaling-group'];
  if (group?.status !== 'created') return [];
  const compute = state.live?.compute;
  const market = compute?.market ?? group.attrs.market ?? state.config.market;
  const types = compute?.instanceTypes.length ? compute.instanceTypes : (group.attrs.instanceTypes ?? '').split(',').filter(Boolean);
  const fallback = group.attrs.fallbackAt ? ` (switched to on-demand at ${group.attrs.fallbackAt}: no spot capacity; the next deploy sets it back to spot)` : '';
  const lines = [
    `  Compute: Auto Scaling group ${group.id}, ${market}${fallback}, types ${types.join(', ') || state.config.instanceType}${market === 'spot' ? ' (price-capacity-optimized, Capacity Rebalancing on)' : ''}.`,
    `  On interruption: AWS launches a replacement in the group on the same EFS data; n8n is back once it has booted.`,
    ...(compute ? [`  Compute now: ${compute.summary}.`] : []),
  ];
  const history = state.replacements.slice(-5);
  if (history.length > 0) {
    lines.push(`  Replacements (${state.replacements.length}, newest last):`);
    for (const r of history) lines.push(`    ${r.at}: ${r.oldInstanceId} → ${r.newInstanceId} (${r.instanceType}, ${r.market}, ${r.zone}): ${r.reason}`);
  }
  return lines;
}

export function renderError(error: GeuseError): string[] {
  return [`Error [${error.code}]: ${error.message}`, `Next: ${error.nextStep}`];
}
