import type { AwsClients } from '../aws/clients';
import type { EngineTiming } from '../context';
import type { ResourceRecord, StackState } from '../state/schema';

/** One difference between what AWS has now and what the stack should have (its journal and its applied config). */
export interface DriftItem {
  /** The journal key of the resource it is about, e.g. 'sg-instance'. */
  key: string;
  kind: string;
  id: string;
  what: 'missing' | 'rule-added' | 'rule-removed' | 'setting-changed';
  /** Plain words, never a secret: "ingress tcp 22 from 0.0.0.0/0 added outside GeuseMaker on sg-… (instance security group)". */
  text: string;
  /** What the deploy does about it: "deploy removes it", "deploy recreates it", "deploy restores 1/1/1". */
  repair: string;
  /**
   * What the repair needs (the rule, the expected sizes). Always has `check` (which comparison found it) and
   * `repairBy`: 'drift' when repairDrift changes it, 'deploy' when the deploy's own ensure steps put it back.
   */
  detail?: Record<string, string>;
}

/**
 * What detectDrift found. `warnings` are resources it could not read (permissions, throttling, an answer of an
 * unknown shape): not differences, so never repaired, but said, since drift there is unknown.
 */
export interface DriftReport {
  items: DriftItem[];
  warnings: string[];
}

/** What the checks read: the clients, the stack, and which journal records are ours and still exist in AWS. */
export interface DriftScope {
  clients: AwsClients;
  state: StackState;
  signal?: AbortSignal;
  /** The record under `key` when it is ours (created by us, not a reused VPC), has an id and was found in AWS. */
  live(key: string): (ResourceRecord & { id: string }) | undefined;
  /** Something that could not be compared (not ours after all, not readable): said, never repaired. */
  warn(message: string): void;
}

/** What repairDrift needs; a deploy step's context gives it as { clients, state: journal.state, signal: report.signal, timing }. */
export interface RepairContext {
  clients: AwsClients;
  state: StackState;
  signal?: AbortSignal;
  /** How often a change is read back (AWS lists some a moment late). */
  timing?: Pick<EngineTiming, 'pollIntervalMs'>;
}

/** People's names for journal keys (never the key alone in a sentence). */
const LABELS: Readonly<Record<string, string>> = {
  'sg-instance': 'instance security group', 'sg-alb': 'load balancer security group', 'sg-efs': 'file system security group',
  'sg-workers': 'worker pools security group', 'sg-database': 'database security group', 'sg-queue': 'queue security group', 'sg-internal-alb': 'internal load balancer security group',
  alb: 'load balancer', 'target-group': 'target group', 'listener-http': 'HTTP listener', 'listener-https': 'HTTPS listener',
  'listener-rule-origin': 'origin-header listener rule', cloudfront: 'CloudFront distribution', 'auto-scaling-group': 'Auto Scaling group',
  'launch-template': 'launch template', vpc: 'VPC', igw: 'internet gateway', 'route-table': 'route table', efs: 'EFS file system',
  'iam-role': 'IAM role', 'instance-profile': 'IAM instance profile', 'notify-topic': 'notification topic', instance: 'instance',
};

export function labelOf(key: string): string {
  if (LABELS[key]) return LABELS[key];
  if (key.startsWith('subnet-')) return 'subnet';
  if (key.startsWith('mount-target-')) return 'EFS mount target';
  if (key.startsWith('secret-')) return `secret ${key.slice('secret-'.length)}`;
  return key;
}

/** "sg-0abc (instance security group)". */
export function named(key: string, id: string): string {
  return `${id} (${labelOf(key)})`;
}
