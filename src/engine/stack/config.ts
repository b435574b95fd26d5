import { z } from 'zod';
import {
  cloudFrontIsAlways, cloudFrontIsChoice, DEFAULT_INSTANCE_TYPE, DEFAULT_TIER, hasCloudFront, isGpuTier, isLoadBalanced, LOAD_BALANCED_TIERS,
  TIER_TABLE, TIERS, tierNames, tiersWhere, type Tier,
} from '../tiers';
import { AWS_REGIONS } from './regions';
import { scaleSchema } from './scale-config';

// The tier table lives in ../tiers; these names stay importable from here for the config's users.
export { TIERS, type Tier };

/** AMI operating systems (seed story 4.10; Amazon Linux 2 is left out: it reached end of life in June 2026). */
export const OS_CHOICES = ['al2023', 'ubuntu-22.04', 'ubuntu-24.04'] as const;
export type OsChoice = (typeof OS_CHOICES)[number];
/** Deep Learning AMI variants for the gpu tier. */
export const AMI_TYPES = ['base', 'pytorch'] as const;
export type AmiType = (typeof AMI_TYPES)[number];

/** A model name Ollama accepts (`name[:tag]`, an optional `namespace/`): the config and `models pull`/`rm` check it. */
export const OLLAMA_MODEL_NAME = /^[a-z0-9][a-z0-9._\-/]*(:[a-zA-Z0-9._-]+)?$/;

export const SERVICE_NAMES = ['n8n', 'ollama', 'qdrant', 'crawl4ai', 'postgres'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const stackNameSchema = z
  .string({ error: 'is required: a stack name like "demo"' })
  .min(3, { error: 'must be at least 3 characters' })
  .max(24, { error: 'must be at most 24 characters, so names derived from it fit AWS limits' })
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, {
    error: 'may contain only lowercase letters, digits and single dashes, and must start and end with a letter or digit',
  });

const cidrSchema = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, { error: 'must be an IPv4 CIDR such as 203.0.113.7/32' })
  .refine((cidr) => {
    const [address = '', bits = ''] = cidr.split('/');
    return address.split('.').every((octet) => Number(octet) <= 255) && Number(bits) <= 32;
  }, { error: 'has an octet above 255 or a prefix above /32' })
  .refine((cidr) => Number(cidr.split('/')[1]) >= 8, {
    error: 'is too wide: open service ports to your own address (e.g. x.x.x.x/32), never to the whole internet',
  });

export const networkSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('new') }),
  z.strictObject({
    mode: z.literal('existing'),
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, { error: 'must look like vpc-0123abcd' }),
    subnetIds: z
      .array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: 'must look like subnet-0123abcd' }))
      .min(1, { error: 'needs at least one subnet' }),
  }),
], { error: 'must be { mode: new } or { mode: existing, vpcId, subnetIds }' });

export const accessSchema = z.discriminatedUnion('mode', [
  // Default: no inbound ports; services are reached over SSM port forwarding.
  z.strictObject({ mode: z.literal('ssm') }),
  z.strictObject({ mode: z.literal('cidr'), cidr: cidrSchema }),
  // automation/gpu: the load balancer is the one door, open to the internet or only to `cidr`; the instance takes port 80 from it alone.
  z.strictObject({ mode: z.literal('load-balancer'), cidr: cidrSchema.optional() }),
], { error: `must be { mode: ssm }, { mode: cidr, cidr: x.x.x.x/32 } or (${LOAD_BALANCED_TIERS.join('/')}) { mode: load-balancer } with an optional cidr` });

const certificateArnSchema = z
  .string()
  .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, { error: 'must be an ACM certificate ARN such as arn:aws:acm:us-east-1:123456789012:certificate/<uuid>' });

/** How long deploy waits on slow AWS steps; real AWS needs minutes for both (AWS-REALITY.md). */
export const timeoutsSchema = z.strictObject({
  targetHealthyMinutes: z.number().positive().max(120).default(20),
  cloudFrontDeployedMinutes: z.number().positive().max(180).default(35),
});

/** AWS Backup's cron form; 'daily' and 'weekly' are the usual choices (05:00 UTC, AWS Backup's own default hour). */
export const BACKUP_SCHEDULES = { daily: 'cron(0 5 ? * * *)', weekly: 'cron(0 5 ? * SUN *)' } as const;

/** Backups of the stack's file system through AWS Backup: on by default; kept backups expire after retentionDays. */
export const backupSchema = z.strictObject({
  enabled: z.boolean().default(true),
  schedule: z
    .string()
    .refine((text) => text in BACKUP_SCHEDULES || /^cron\([^()]+\)$/.test(text), { error: 'must be daily, weekly or an AWS Backup cron expression such as cron(0 5 ? * * *)' })
    .default('daily'),
  retentionDays: z.number().int().min(1, { error: 'must be at least 1 day' }).max(36_500, { error: 'must be at most 36500 days (100 years)' }).default(14),
});
export type BackupSettings = z.output<typeof backupSchema>;

/** The cron expression AWS Backup runs the plan on. */
export function backupCron(backup: Pick<BackupSettings, 'schedule'>): string {
  return backup.schedule in BACKUP_SCHEDULES ? BACKUP_SCHEDULES[backup.schedule as keyof typeof BACKUP_SCHEDULES] : backup.schedule;
}

export const servicesSchema = z.strictObject({
  n8n: z.boolean().default(true),
  ollama: z.boolean().default(true),
  qdrant: z.boolean().default(true),
  crawl4ai: z.boolean().default(true),
  postgres: z.boolean().default(true),
});

export const stackConfigSchema = z
  .strictObject({
    name: stackNameSchema,
    tier: z.enum(TIERS, { error: `must be one of ${TIERS.join(', ')}` }).default(DEFAULT_TIER),
    region: z.enum(AWS_REGIONS, { error: 'is not an AWS region GeuseMaker knows (e.g. us-east-1, eu-west-1)' }).default('us-east-1'),
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'must look like an EC2 instance type such as t3.xlarge' })
      .default(DEFAULT_INSTANCE_TYPE),
    /** The group's interchangeable types (the first is instanceType's place); found automatically when absent. */
    instanceTypes: z
      .array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'must look like an EC2 instance type such as t3.xlarge' }))
      .min(1, { error: 'needs at least one instance type' })
      .max(20, { error: 'may list at most 20 types (the group\'s limit)' })
      .optional(),
    market: z.enum(['spot', 'on-demand'], { error: 'must be spot or on-demand' }).default('spot'),
    onDemandFallback: z.boolean().default(true),
    rootVolumeGb: z.number().int().min(30, { error: 'must be at least 30 GiB to hold the container images' }).max(2000).default(50),
    /** gpu: families beyond g4dn, g5, g6, g6e (p3, p4d, p5, …) cost far more per hour; refused unless set (the seed's --allow-expensive). */
    allowExpensiveInstanceTypes: z.boolean().optional(),
    /** Operating system of the AMI (default al2023); it also picks the bootstrap's install variant. */
    os: z.enum(OS_CHOICES, { error: `must be one of ${OS_CHOICES.join(', ')}` }).optional(),
    /** gpu: which Deep Learning AMI — the Base OSS NVIDIA driver AMI (default) or the PyTorch one. */
    amiType: z.enum(AMI_TYPES, { error: `must be one of ${AMI_TYPES.join(', ')}` }).optional(),
    /** An exact AMI instead of the resolved one (checked with DescribeImages at plan time); os must say what it runs. */
    amiId: z.string().regex(/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/, { error: 'must be an AMI id such as ami-0123456789abcdef0' }).optional(),
    network: networkSchema.default({ mode: 'new' }),
    access: accessSchema.default({ mode: 'ssm' }),
    services: servicesSchema.default({ n8n: true, ollama: true, qdrant: true, crawl4ai: true, postgres: true }),
    ollamaModels: z
      .array(z.string().regex(OLLAMA_MODEL_NAME, { error: 'must be an Ollama model name such as llama3.2:3b' }))
      .default(['llama3.2:3b']),
    keepDataOnDestroy: z.boolean().default(true),
    /** automation: put CloudFront (HTTPS, HTTP/2+3) in front of the load balancer; gpu always has it. */
    cloudFront: z.boolean().optional(),
    /** ACM certificate for an HTTPS:443 listener on the load balancer (automation without CloudFront). */
    certificateArn: certificateArnSchema.optional(),
    timeouts: timeoutsSchema.default({ targetHealthyMinutes: 20, cloudFrontDeployedMinutes: 35 }),
    monthlyBudgetUsd: z.number().positive().optional(),
    backup: backupSchema.default({ enabled: true, schedule: 'daily', retentionDays: 14 }),
    /** Secrets older than this many days are said to be due for rotation (plan, status, the Stacks view); never rotated on their own. */
    rotateAfterDays: z.number().int().min(1, { error: 'must be at least 1 day' }).max(3650, { error: 'must be at most 3650 days' }).optional(),
    /** The group's launch, termination and launch-error notices go here by email (an SNS subscription to confirm). */
    /** n8n in queue mode with worker pools, PostgreSQL on RDS and the queue on ElastiCache (docs/scaling.md); off when absent. */
    scale: scaleSchema.optional(),
    notifyEmail: z.email({ error: 'must be an email address such as you@example.com' }).optional(),
    profile: z.string().min(1).optional(),
  })
  // On automation and gpu the load balancer is the way in: the default ssm access means its load-balancer mode
  // open to the internet (SSM tunnels keep working beside it), so `--tier automation` alone is a complete config.
  .overwrite((config) => (isLoadBalanced(config.tier) && config.access.mode === 'ssm' ? { ...config, access: { mode: 'load-balancer' as const } } : config))
  .superRefine((config, ctx) => {
    if (config.services.n8n && !config.services.postgres) {
      ctx.addIssue({ code: 'custom', path: ['services', 'postgres'], message: 'must be on while n8n is on: n8n keeps its data in PostgreSQL' });
    }
    if (config.amiType !== undefined && !isGpuTier(config.tier)) {
      ctx.addIssue({ code: 'custom', path: ['amiType'], message: `picks a Deep Learning AMI: it needs ${tiersWhere((spec) => spec.gpu)}` });
    }
    checkTierAccess(config, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
    checkScale(config, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
  });

/** Queue mode is n8n's: its workers need n8n and its PostgreSQL; Ollama workers need Ollama. */
function checkScale(
  config: { services: z.output<typeof servicesSchema>; scale?: z.output<typeof scaleSchema>; network: z.output<typeof networkSchema> },
  issue: (path: (string | number)[], message: string) => void,
): void {
  const scale = config.scale;
  if (!scale) return;
  if (!config.services.n8n) issue(['scale'], 'runs n8n in queue mode with worker pools: it needs services.n8n on (remove scale, or turn n8n on)');
  if (scale.ollamaWorkers && !config.services.ollama) issue(['scale', 'ollamaWorkers'], 'needs services.ollama on: the workers serve the models the stack uses');
  const managed = scale.database === 'rds' || scale.queue === 'elasticache';
  if (managed && config.network.mode === 'existing' && new Set(config.network.subnetIds).size < 2) {
    issue(['network', 'subnetIds'], 'needs at least two subnets in two Availability Zones for RDS and ElastiCache (their subnet groups span two zones), or set scale.database and scale.queue to instance');
  }
}

/** Whether the stack has CloudFront in front of its load balancer. */
export function usesCloudFront(config: Pick<StackConfig, 'tier' | 'cloudFront'>): boolean {
  return hasCloudFront(config.tier, config.cloudFront);
}

/** Who may reach a load-balanced stack's load balancer: one CIDR, or undefined for the internet. */
export function loadBalancerCidr(config: Pick<StackConfig, 'access'>): string | undefined {
  return config.access.mode === 'ssm' ? undefined : config.access.cidr;
}

function checkTierAccess(
  config: { tier: Tier; region: string; access: z.output<typeof accessSchema>; cloudFront?: boolean; certificateArn?: string },
  issue: (path: (string | number)[], message: string) => void,
): void {
  const balanced = isLoadBalanced(config.tier);
  const modes = TIER_TABLE[config.tier].accessModes;
  if (!modes.includes(config.access.mode)) {
    issue(['access', 'mode'], balanced
      ? `the ${config.tier} tier is reached through its load balancer: use access: { mode: load-balancer } (add cidr: x.x.x.x/32 to admit only your address)`
      : `${config.access.mode} needs ${tiersWhere((spec) => spec.accessModes.includes(config.access.mode))}; the ${config.tier} tier uses ${modes.join(' or ')}`);
  }
  if (config.cloudFront !== undefined && !cloudFrontIsChoice(config.tier)) {
    issue(['cloudFront'], cloudFrontIsAlways(config.tier) ? `is always on for the ${config.tier} tier; leave it out`
      : `needs ${tiersWhere((spec) => spec.cloudFront === 'optional')} (${tierNames((spec) => spec.cloudFront === 'always')} always has CloudFront)`);
  }
  const cloudFront = usesCloudFront({ tier: config.tier, cloudFront: config.cloudFront });
  if (cloudFront && config.access.mode === 'load-balancer' && config.access.cidr) {
    issue(['access', 'cidr'], 'cannot be combined with CloudFront: CloudFront reaches the load balancer from its edge addresses; a secret origin header keeps everyone else out');
  }
  if (config.certificateArn && (!balanced || cloudFront)) {
    issue(['certificateArn'], balanced ? 'is for a load balancer without CloudFront; with CloudFront, HTTPS comes from CloudFront'
      : `needs ${tiersWhere((spec) => spec.loadBalancer && spec.cloudFront !== 'always')} (a load balancer to put the certificate on)`);
  } else if (config.certificateArn && config.certificateArn.split(':')[3] !== config.region) {
    issue(['certificateArn'], `must be a certificate in the stack's region ${config.region}: a load balancer uses ACM certificates of its own region`);
  }
}

export type StackConfig = z.output<typeof stackConfigSchema>;
export type StackConfigInput = z.input<typeof stackConfigSchema>;

/** Architecture is derived from the instance family: Graviton types end their family in "g" (m7g, t4g, c7gn). */
export function architectureOf(instanceType: string): 'x86_64' | 'arm64' {
  const family = instanceType.split('.')[0] ?? '';
  return /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) && !/^(g\d|p\d|inf|trn)/.test(family) ? 'arm64' : 'x86_64';
}
