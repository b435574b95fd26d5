import type { StackConfig } from '../stack/config';

/**
 * How a setting reaches a running stack:
 * - replace: a new launch template version and an instance refresh (the instance is replaced);
 * - services: the bootstrap pushed to the running instance over SSM (only changed services restart), and a new
 *   launch template version so a replacement boots the same;
 * - front: the load balancer, listeners, rules, distribution and security group rules, and the proxy with them;
 * - group: the Auto Scaling group's settings, in place;
 * - notices: the SNS topic and the group's notifications;
 * - backups: the AWS Backup plan and selection (schedule, retention), in place;
 * - budget: the AWS Budgets budget and its alerts, in place;
 * - scale: the worker pools, RDS and ElastiCache (pool sizes in place; turning it on migrates PostgreSQL into RDS);
 * - recorded: GeuseMaker's own setting, nothing in AWS changes;
 * - refused: cannot change on an existing stack.
 */
export type SettingEffect = 'replace' | 'services' | 'front' | 'group' | 'notices' | 'backups' | 'budget' | 'scale' | 'recorded' | 'refused';

/** Every config field, with how a change to it is applied (the compiler asks for each new field). */
export const SETTING_EFFECTS: { readonly [K in keyof Required<StackConfig>]: SettingEffect } = {
  name: 'refused',
  region: 'refused',
  network: 'refused',
  tier: 'front',
  access: 'front',
  cloudFront: 'front',
  certificateArn: 'front',
  instanceType: 'replace',
  os: 'replace',
  amiType: 'replace',
  amiId: 'replace',
  rootVolumeGb: 'replace',
  market: 'replace',
  instanceTypes: 'group',
  onDemandFallback: 'group',
  services: 'services',
  ollamaModels: 'services',
  notifyEmail: 'notices',
  backup: 'backups',
  timeouts: 'recorded',
  allowExpensiveInstanceTypes: 'recorded',
  keepDataOnDestroy: 'recorded',
  monthlyBudgetUsd: 'budget',
  scale: 'scale',
  rotateAfterDays: 'recorded',
  profile: 'recorded',
};

export interface SettingChange {
  /** Dotted path, e.g. "services.crawl4ai" or "access.mode". */
  path: string;
  field: keyof StackConfig;
  from: string;
  to: string;
  effect: SettingEffect;
}

function words(value: unknown): string {
  if (value === undefined) return '(not set)';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Objects compared field by field (so "services.crawl4ai true → false"); everything else as one value. */
function flatten(prefix: string, value: unknown, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(`${prefix}.${key}`, inner, out);
    return;
  }
  out.set(prefix, value);
}

/** The settings that differ between the applied config and the wanted one, in config field order. */
export function settingChanges(applied: StackConfig, wanted: StackConfig): SettingChange[] {
  const changes: SettingChange[] = [];
  for (const field of Object.keys(SETTING_EFFECTS) as (keyof StackConfig)[]) {
    const before = new Map<string, unknown>();
    const after = new Map<string, unknown>();
    flatten(field, applied[field], before);
    flatten(field, wanted[field], after);
    const paths = [...new Set([...before.keys(), ...after.keys()])];
    for (const path of paths) {
      const from = before.get(path);
      const to = after.get(path);
      if (JSON.stringify(from) === JSON.stringify(to)) continue;
      changes.push({ path, field, from: words(from), to: words(to), effect: SETTING_EFFECTS[field] });
    }
  }
  return changes;
}

/** "instanceType t3.xlarge → t3.2xlarge" */
export function describeSetting(change: Pick<SettingChange, 'path' | 'from' | 'to'>): string {
  return `${change.path} ${change.from} → ${change.to}`;
}
