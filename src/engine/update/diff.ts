import { usesCloudFront, type StackConfig } from '../stack/config';
import type { StackState } from '../state/schema';
import { isGpuTier, isLoadBalanced } from '../tiers';
import { publicUrlFrom } from '../resources/public-url';
import type { InstanceDifference } from './instance-check';
import { describeSetting, settingChanges, type SettingChange } from './settings';
import type { Removal } from './removals';

/** What a plan does to one step's resources on an existing stack, in Terraform's words. */
export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'unchanged';

export const CHANGE_SYMBOLS: Record<ChangeAction, string> = { create: '+', update: '~', replace: '-/+', delete: '-', unchanged: '=' };

/** The plan of an existing stack, as a diff from what is applied. */
export interface StackDiff {
  /** The applied version this diff starts from (absent for stacks deployed before history was kept). */
  fromVersion?: number;
  settings: SettingChange[];
  /** How the running instance differs, read from EC2 (replace or in place). */
  instance: InstanceDifference[];
  /** Resources the applied config has and the wanted one does not: deleted after the rest works. */
  removals: Removal[];
  /** What the user will notice while and after it is applied. */
  effects: string[];
  /** Nothing differs: deploy makes no change. */
  unchanged: boolean;
}

/** Whether the stack was ever applied in full (its config is then the one to diff from). */
export function wasApplied(state: StackState | undefined): state is StackState {
  if (!state) return false;
  // A destroyed stack (data kept) is deployed anew; a change that stopped part-way is still a change of an applied stack.
  return ['deployed', 'paused', 'pausing'].includes(state.status) || (['deploy_failed', 'deploying'].includes(state.status) && Boolean(state.pending));
}

function servicesOn(config: StackConfig): string[] {
  return Object.entries(config.services).filter(([, on]) => on).map(([name]) => name);
}

/** The user-facing consequences of a diff, plainly: downtime, URLs, waits, what goes away. */
export function effectsOf(applied: StackState, wanted: StackConfig, settings: readonly SettingChange[], instance: readonly InstanceDifference[], removals: readonly Removal[]): string[] {
  const out: string[] = [];
  const replace = instance.filter((d) => d.how === 'replace');
  const inPlace = instance.some((d) => d.how === 'in-place') || (replace.length === 0 && settings.some((c) => c.effect === 'services' || c.effect === 'front'));
  const minutes = isGpuTier(wanted.tier) ? 'about 15 minutes' : 'about 5 minutes';
  const main = wanted.services.n8n ? 'n8n and the other services' : 'the services';
  if (replace.length > 0) {
    out.push(`${main[0]!.toUpperCase()}${main.slice(1)} are unavailable for ${minutes} while the instance is replaced (${replace.map((d) => d.text).join('; ')}): the old one stops first so the databases on EFS are never open twice; data on EFS is kept.`);
  } else if (inPlace) {
    const before = new Set(servicesOn(applied.config));
    const after = new Set(servicesOn(wanted));
    const started = [...after].filter((s) => !before.has(s));
    const stopped = [...before].filter((s) => !after.has(s));
    const parts = [
      ...(started.length > 0 ? [`starts ${started.join(', ')}`] : []),
      ...(stopped.length > 0 ? [`stops and removes the ${stopped.join(', ')} container${stopped.length > 1 ? 's' : ''} (${stopped.length > 1 ? 'their' : 'its'} data on EFS is kept)`] : []),
    ];
    out.push(`The running instance is updated in place over SSM${parts.length > 0 ? `: ${parts.join('; ')}` : ''}; only services whose settings changed restart (seconds each), the others keep running.`);
  }
  const added = wanted.ollamaModels.filter((m) => !applied.config.ollamaModels.includes(m));
  const dropped = applied.config.ollamaModels.filter((m) => !wanted.ollamaModels.includes(m));
  if (added.length > 0) out.push(`Ollama pulls ${added.join(', ')} in the background (minutes to hours, depending on size).`);
  if (dropped.length > 0) out.push(`${dropped.join(', ')} ${dropped.length > 1 ? 'are' : 'is'} no longer pulled on new instances; already downloaded models stay on EFS until removed with \`ollama rm\`.`);
  const oldUrl = publicUrlFrom(applied.config, applied.resources);
  const frontChanged = settings.some((c) => c.effect === 'front');
  if (frontChanged) {
    const newUrlKnown = !isLoadBalanced(wanted.tier) && wanted.access.mode === 'ssm' ? 'none: the services are reached over SSM port forwarding' : undefined;
    if (oldUrl && newUrlKnown) out.push(`The public URL ${oldUrl} stops working; ${newUrlKnown}.`);
    else if (usesCloudFront(wanted) !== usesCloudFront(applied.config) || isLoadBalanced(wanted.tier) !== isLoadBalanced(applied.config.tier) || applied.config.access.mode !== wanted.access.mode) {
      out.push(`The public URL changes${oldUrl ? ` from ${oldUrl}` : ''}: the new one is shown when the deploy finishes, and n8n's webhooks take it.`);
    }
  }
  if (usesCloudFront(wanted) && !usesCloudFront(applied.config)) out.push('CloudFront takes 10–20 minutes to deploy; until then its address may not answer.');
  if (!usesCloudFront(wanted) && usesCloudFront(applied.config)) out.push('The CloudFront distribution is disabled and deleted once the load balancer serves directly; that takes 10–20 minutes.');
  if (removals.some((r) => r.kind === 'load-balancer')) out.push('The load balancer is deleted after the instance serves in its new form.');
  if (settings.some((c) => c.path === 'market') && replace.length === 0) out.push(`The group launches ${wanted.market} instances from now on.`);
  if (settings.some((c) => c.effect === 'recorded')) out.push(`Recorded only (nothing in AWS changes): ${settings.filter((c) => c.effect === 'recorded').map((c) => c.path).join(', ')}.`);
  return out;
}

/** The diff between the stack as applied (and as EC2 runs it) and the wanted config; the plan adds its items' creates to `unchanged`. */
export function diffStack(applied: StackState, wanted: StackConfig, instance: readonly InstanceDifference[], removals: readonly Removal[]): StackDiff {
  const settings = settingChanges(applied.config, wanted);
  const effects = effectsOf(applied, wanted, settings, instance, removals);
  const unchanged = settings.length === 0 && instance.length === 0 && removals.length === 0;
  return { fromVersion: applied.history.at(-1)?.version, settings, instance: [...instance], removals: [...removals], effects, unchanged };
}

/** One line per setting, for history and summaries: "instanceType t3.xlarge → t3.2xlarge". */
export function diffSummary(diff: Pick<StackDiff, 'settings' | 'instance' | 'removals'>): string[] {
  const lines = diff.settings.map(describeSetting);
  if (lines.length === 0) lines.push(...diff.instance.map((d) => d.text), ...diff.removals.map((r) => `${r.kind} ${r.id} removed`));
  return lines;
}
