import { type ResourceKind, type ResourceRecord } from '../../engine';

/** The Resources section's groups, in the order they show: what costs and what holds data first. */
export const RESOURCE_GROUPS = ['compute', 'load-balancing', 'storage', 'safeguards', 'secrets', 'network', 'access'] as const;
export type ResourceGroup = (typeof RESOURCE_GROUPS)[number];

export const GROUP_LOOKS: Record<ResourceGroup, { label: string; icon: string; tooltip: string }> = {
  compute: { label: 'Compute', icon: 'vm', tooltip: 'The instance that runs the services. A pause removes it; a resume launches a new one.' },
  'load-balancing': { label: 'Load balancer and CDN', icon: 'server-environment', tooltip: 'What serves the stack\'s public address. These keep billing while the stack is paused.' },
  storage: { label: 'Data', icon: 'database', tooltip: 'The file system with workflows, databases and models. Kept when the stack is destroyed, unless you delete the data.' },
  safeguards: { label: 'Backups and budget', icon: 'archive', tooltip: 'What keeps the stack safe over months: AWS Backup\'s vault and plan for the file system, and the AWS Budgets budget that mails cost alerts.' },
  secrets: { label: 'Secrets', icon: 'key', tooltip: 'Generated passwords and keys, stored encrypted in Parameter Store. Kept with the data.' },
  network: { label: 'Network', icon: 'type-hierarchy', tooltip: 'The network the instance and file system live in.' },
  access: { label: 'Permissions', icon: 'shield', tooltip: 'The role the instance acts as: it can read only this stack\'s secrets.' },
};

interface KindLook {
  group: ResourceGroup;
  /** What it is, in words, for the tooltip. */
  noun: string;
  icon: string;
}

const KIND_LOOKS: Record<ResourceKind, KindLook> = {
  instance: { group: 'compute', noun: 'EC2 instance', icon: 'vm' },
  'auto-scaling-group': { group: 'compute', noun: 'EC2 Auto Scaling group (replaces the instance when it is taken back)', icon: 'sync' },
  'launch-template': { group: 'compute', noun: 'Launch template (what each instance boots with)', icon: 'file-code' },
  'sns-topic': { group: 'compute', noun: 'SNS topic: the group\'s launch and termination notices by email', icon: 'mail' },
  'worker-pool': { group: 'compute', noun: 'Worker pool (n8n queue mode)', icon: 'server-process' },
  cache: { group: 'compute', noun: 'ElastiCache queue (Valkey) for n8n\'s queue mode', icon: 'list-ordered' },
  'internal-load-balancer': { group: 'load-balancing', noun: 'Internal load balancer in front of the Ollama workers', icon: 'server-environment' },
  'load-balancer': { group: 'load-balancing', noun: 'Application load balancer', icon: 'server-environment' },
  'target-group': { group: 'load-balancing', noun: 'Target group', icon: 'target' },
  listener: { group: 'load-balancing', noun: 'Load balancer listener', icon: 'radio-tower' },
  'listener-rule': { group: 'load-balancing', noun: 'Listener rule', icon: 'filter' },
  'cloudfront-distribution': { group: 'load-balancing', noun: 'CloudFront distribution', icon: 'cloud' },
  efs: { group: 'storage', noun: 'EFS file system', icon: 'database' },
  'mount-target': { group: 'storage', noun: 'EFS mount target', icon: 'plug' },
  database: { group: 'storage', noun: 'RDS PostgreSQL: n8n\'s data when the stack scales out (destroy keeps a final snapshot unless you delete the data)', icon: 'database' },
  'ssm-parameter': { group: 'secrets', noun: 'Parameter Store secret', icon: 'key' },
  'backup-vault': { group: 'safeguards', noun: 'AWS Backup vault: holds the file system\'s recovery points (kept when the stack is destroyed)', icon: 'archive' },
  'backup-plan': { group: 'safeguards', noun: 'AWS Backup plan: when the file system is backed up, and how long each recovery point is kept', icon: 'calendar' },
  budget: { group: 'safeguards', noun: 'AWS Budgets budget: alerts by email at 80% actual and 100% forecast', icon: 'graph' },
  vpc: { group: 'network', noun: 'VPC', icon: 'type-hierarchy' },
  subnet: { group: 'network', noun: 'Subnet', icon: 'symbol-namespace' },
  'db-subnet-group': { group: 'network', noun: 'RDS subnet group (private subnets)', icon: 'symbol-namespace' },
  'cache-subnet-group': { group: 'network', noun: 'ElastiCache subnet group (private subnets)', icon: 'symbol-namespace' },
  'internet-gateway': { group: 'network', noun: 'Internet gateway', icon: 'globe' },
  'route-table': { group: 'network', noun: 'Route table', icon: 'list-tree' },
  'security-group': { group: 'network', noun: 'Security group', icon: 'shield' },
  'iam-role': { group: 'access', noun: 'IAM role', icon: 'person' },
  'instance-profile': { group: 'access', noun: 'IAM instance profile', icon: 'person' },
};

export function kindLook(kind: ResourceKind): KindLook {
  return KIND_LOOKS[kind];
}

/** Labels for the fixed journal keys; keys made from ids or zones (existing subnets, their mount targets) are worded below. */
const KEY_LABELS: Partial<Record<string, string>> = {
  instance: 'Instance',
  'auto-scaling-group': 'Auto Scaling group',
  'launch-template': 'Launch template',
  'notify-topic': 'Notification topic',
  alb: 'Load balancer',
  'target-group': 'Target group',
  'listener-http': 'HTTP listener',
  'listener-https': 'HTTPS listener',
  'listener-rule-origin': 'CloudFront-only rule',
  cloudfront: 'CloudFront distribution',
  efs: 'File system',
  'mount-target-a': 'Mount target, first zone',
  'mount-target-b': 'Mount target, second zone',
  'secret-postgres-password': 'PostgreSQL password',
  'secret-n8n-encryption-key': 'n8n encryption key',
  'secret-n8n-owner-password': 'n8n owner password',
  'secret-qdrant-api-key': 'Qdrant API key',
  'secret-crawl4ai-api-token': 'Crawl4AI API token',
  'secret-proxy-password': 'Proxy password',
  'secret-origin-header': 'CloudFront origin secret',
  vpc: 'VPC',
  'subnet-a': 'Public subnet, first zone',
  'subnet-b': 'Public subnet, second zone',
  igw: 'Internet gateway',
  'route-table': 'Route table',
  'sg-instance': 'Instance security group',
  'sg-efs': 'File system security group',
  'sg-alb': 'Load balancer security group',
  'iam-role': 'Instance role',
  'instance-profile': 'Instance profile',
  budget: 'Monthly budget',
  'backup-vault': 'Backup vault',
  'backup-plan': 'Backup plan',
  'backup-role': 'Backup role (AWS Backup acts as it)',
};

/** A person's name for one resource: "File system security group", never the journal key "sg-efs". */
export function resourceLabel(record: Pick<ResourceRecord, 'key' | 'kind' | 'attrs'>): string {
  const fixed = KEY_LABELS[record.key];
  const zone = record.attrs.zone;
  if (fixed) return zone && /zone$/.test(fixed) ? `${fixed} (${zone})` : fixed;
  if (record.kind === 'subnet') return `Public subnet${zone ? ` in ${zone}` : ''}`;
  if (record.kind === 'mount-target') return `Mount target${zone ? ` in ${zone}` : ''}`;
  return KIND_LOOKS[record.kind].noun;
}
