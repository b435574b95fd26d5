import type { DestroyPlan } from '../../engine';

/** The destroy confirmation's words: a short summary for the modal, and the whole plan as a Markdown document. No `vscode` import, so it is unit-tested directly. */

type Resource = DestroyPlan['toDelete'][number];
type Kind = Resource['kind'];
type Foreign = DestroyPlan['foreign'][number];

/** Singular and plural, in the order a summary lists them: what costs and what holds data first. */
const KIND_WORDS: Record<Kind, readonly [string, string]> = {
  instance: ['EC2 instance', 'EC2 instances'],
  'auto-scaling-group': ['Auto Scaling group', 'Auto Scaling groups'],
  'worker-pool': ['worker pool', 'worker pools'],
  database: ['RDS database', 'RDS databases'],
  cache: ['ElastiCache queue', 'ElastiCache queues'],
  'launch-template': ['launch template', 'launch templates'],
  'sns-topic': ['notification topic', 'notification topics'],
  volume: ['EBS volume', 'EBS volumes'],
  'cloudfront-distribution': ['CloudFront distribution', 'CloudFront distributions'],
  'load-balancer': ['load balancer', 'load balancers'],
  'target-group': ['target group', 'target groups'],
  listener: ['listener', 'listeners'],
  'listener-rule': ['listener rule', 'listener rules'],
  'internal-load-balancer': ['internal load balancer', 'internal load balancers'],
  efs: ['EFS file system', 'EFS file systems'],
  'mount-target': ['EFS mount target', 'EFS mount targets'],
  'ssm-parameter': ['stored parameter', 'stored parameters'],
  budget: ['budget', 'budgets'],
  'backup-vault': ['backup vault', 'backup vaults'],
  'backup-plan': ['backup plan', 'backup plans'],
  vpc: ['VPC', 'VPCs'],
  subnet: ['subnet', 'subnets'],
  'internet-gateway': ['internet gateway', 'internet gateways'],
  'db-subnet-group': ['database subnet group', 'database subnet groups'],
  'cache-subnet-group': ['queue subnet group', 'queue subnet groups'],
  'route-table': ['route table', 'route tables'],
  'security-group': ['security group', 'security groups'],
  'network-interface': ['network interface', 'network interfaces'],
  'iam-role': ['IAM role', 'IAM roles'],
  'instance-profile': ['instance profile', 'instance profiles'],
};
const KIND_ORDER = Object.keys(KIND_WORDS) as Kind[];

/** Kept parameters are the stack's secrets (the runtime status is never kept). */
const KEPT_WORDS: Partial<Record<Kind, readonly [string, string]>> = { 'ssm-parameter': ['secret', 'secrets'] };

export function kindName(kind: Kind, count = 1, words: Partial<Record<Kind, readonly [string, string]>> = {}): string {
  const [one, many] = words[kind] ?? KIND_WORDS[kind];
  return count === 1 ? one : many;
}

/** "1 EC2 instance, 2 subnets and 1 VPC", in KIND_ORDER. */
export function countsByKind(resources: readonly Pick<Resource, 'kind'>[], words: Partial<Record<Kind, readonly [string, string]>> = {}): string {
  const parts = KIND_ORDER.map((kind) => [kind, resources.filter((r) => r.kind === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kindName(kind, count, words)}`);
  return parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** What a destroy keeps, counted: "1 EFS file system and 3 secrets". */
export function keptCounts(resources: readonly Pick<Resource, 'kind'>[]): string {
  return countsByKind(resources, KEPT_WORDS);
}

export interface KeptCost {
  usd: number;
  basis: string;
}

/** "about $1.20 a month"; a cent or less is not "$0.00", which reads as free. */
export function monthly(cost: KeptCost | undefined): string {
  if (!cost) return 'its monthly cost could not be worked out';
  return cost.usd < 0.01 ? 'under $0.01 a month' : `about $${cost.usd.toFixed(2)} a month`;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** Whether the destroy deletes data (the file system or the secrets): that asks for the stack's name typed in. */
export function deletesData(plan: Pick<DestroyPlan, 'toDelete'>): boolean {
  return plan.toDelete.some((r) => r.kind === 'efs');
}

/** The modal's detail: counts by kind, what is kept and what it costs, what is left alone. Short lines, no ids. */
export function destroySummary(plan: DestroyPlan, kept: KeptCost | undefined): string {
  const lines: string[] = [];
  if (plan.toDelete.length === 0 && plan.toKeep.length === 0) {
    lines.push('Nothing of this stack is left in AWS: only its record here is removed.');
  } else if (plan.toDelete.length > 0) {
    lines.push(`Deletes ${plural(plan.toDelete.length, 'resource', 'resources')} in ${plan.region}: ${countsByKind(plan.toDelete)}.`);
  } else {
    lines.push('Nothing is left to delete but the data.');
  }
  const keptData = plan.toKeep.filter((r) => r.kind !== 'backup-vault');
  if (keptData.length > 0) {
    lines.push('', `Keeps your data (${keptCounts(keptData)}), ${monthly(kept)}, so a later deploy of ${plan.stack} reattaches it. Destroy Everything deletes the data too.`);
  } else if (deletesData(plan)) {
    lines.push('', 'The data is deleted too: workflows, databases and models on the file system, and the stack\'s secrets. This cannot be undone.');
  }
  // The backups' own words: how many recovery points are kept, what they cost, when they expire; or the final backup.
  if (plan.backups && plan.backups.lines.length > 0) lines.push('', ...plan.backups.lines);
  if (plan.foreign.length > 0) {
    lines.push('', `Leaves alone ${plural(plan.foreign.length, 'resource that carries the name but is', 'resources that carry the name but are')} not this stack's.`);
  }
  if (plan.adoptedStackId) lines.push('', 'This machine has no record of the stack: its resources are taken over and deleted.');
  return lines.join('\n');
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

function table(resources: readonly Resource[], words: Partial<Record<Kind, readonly [string, string]>> = {}): string[] {
  const sorted = [...resources].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.id.localeCompare(b.id));
  return ['| What | ID |', '| --- | --- |', ...sorted.map((r) => `| ${cell(kindName(r.kind, 1, words))} | ${cell(r.id)} |`)];
}

function owner(resource: Foreign): string {
  return resource.reason === 'untagged' ? 'made outside GeuseMaker' : `another stack (id ${resource.stackId ?? 'unknown'})`;
}

/** The whole plan, for the read-only document "Show Details" opens. */
export function destroyDetails(plan: DestroyPlan, kept: KeptCost | undefined): string {
  const lines = [`# Destroy stack ${plan.stack}`, '', `Region: ${plan.regionFrom ?? plan.region}`, ''];
  if (plan.toDelete.length > 0) lines.push(`## Deleted (${plan.toDelete.length})`, '', ...table(plan.toDelete), '');
  else lines.push('## Deleted', '', 'Nothing of this stack is left to delete.', '');
  if (plan.toKeep.length > 0) {
    lines.push(
      `## Kept with Destroy, Keep Data (${plan.toKeep.length})`, '',
      `Your data: the EFS file system (workflows, databases, models) and the secrets that protect it. A later deploy of ${plan.stack} reattaches it. It costs ${monthly(kept)}${kept ? ` (${kept.basis})` : ''}.`, '',
      ...table(plan.toKeep, KEPT_WORDS), '',
      'Destroy Everything deletes these too, after you type the stack\'s name.', '',
    );
  }
  if (plan.foreign.length > 0) {
    lines.push(`## Left alone (${plan.foreign.length})`, '', 'They carry the stack\'s name but are not this stack\'s, so nothing is done to them.', '',
      '| What | ID | Belongs to |', '| --- | --- | --- |', ...plan.foreign.map((r) => `| ${cell(kindName(r.kind))} | ${cell(r.id)} | ${cell(owner(r))} |`), '');
  }
  return lines.join('\n');
}
