import { AMI_TYPES, OS_CHOICES, SERVICE_NAMES, TIERS, stackConfigSchema } from './config';
import { AWS_REGIONS } from './regions';

/** Wraps a list into comment lines of about 100 characters. */
function commentList(items: readonly string[], indent = '#   '): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line === '' ? item : `${line}, ${item}`;
    if (next.length > 96 && line !== '') {
      lines.push(`${indent}${line},`);
      line = item;
    } else {
      line = next;
    }
  }
  if (line !== '') lines.push(`${indent}${line}`);
  return lines.join('\n');
}

/**
 * A commented geusemaker.yaml covering every setting. Values are the schema's defaults (read from the schema so the
 * sample can't drift), so the file deploys exactly what no file would, and each line shows what to change.
 */
export function sampleConfigYaml(name = 'demo'): string {
  // Defaults come from a known-good name; `name` itself may be anything the caller was given.
  const d = stackConfigSchema.parse({ name: 'demo' });
  const services = SERVICE_NAMES.map((service) => `  ${service}: ${String(d.services[service])}`).join('\n');
  const models = d.ollamaModels.map((model) => `  - ${JSON.stringify(model)}`).join('\n');

  return `# GeuseMaker stack configuration.
#
# Precedence, per setting: command-line flags > GEUSEMAKER_* environment variables > this file > defaults.
# Mappings merge per field: a higher source that sets only services.ollama keeps the other service choices here;
# a network or access with a different mode (e.g. --access-cidr) replaces the one here.
# Every value below is the default; delete a line to keep the default, or change it.
# Reference: docs/configuration.md.

# Stack name (required): 3-24 characters, lowercase letters, digits and single dashes.
# Every AWS resource is named and tagged from it. Flag: the name argument. Env: GEUSEMAKER_NAME.
name: ${JSON.stringify(name)}

# Size of the stack: ${TIERS.join(' | ')} (dev: instance + EFS; automation: + a load balancer; gpu: + a GPU instance and CloudFront).
# Flag: --tier. Env: GEUSEMAKER_TIER.
tier: ${d.tier}

# AWS region to deploy to. Flag: --region. Env: GEUSEMAKER_REGION (AWS_REGION is not read). One of:
${commentList(AWS_REGIONS)}
region: ${d.region}

# EC2 instance type, e.g. t3.xlarge, m7i.2xlarge, or Graviton (arm64) types such as m7g.xlarge.
# Flag: --instance-type. Env: GEUSEMAKER_INSTANCE_TYPE.
instanceType: ${d.instanceType}

# The instance runs in an EC2 Auto Scaling group of one, which replaces it when AWS takes it back (spot) or it fails.
# The group may launch any of these interchangeable types (instanceType first). Left out, GeuseMaker picks up to
# three with the same vCPUs, memory, GPUs and architecture that the stack's AZs offer: more spot pools, fewer
# interruptions.
# instanceTypes: [t3.xlarge, t3a.xlarge, m5.xlarge]

# How the instance is bought: spot (cheaper, can be reclaimed; the group launches a replacement) | on-demand.
# Flag: --market. Env: GEUSEMAKER_MARKET.
market: ${d.market}

# With market: spot, fall back to on-demand when spot capacity is unavailable: true | false.
# Flag: --no-on-demand-fallback turns it off. Env: GEUSEMAKER_ON_DEMAND_FALLBACK (true/false/1/0/yes/no).
onDemandFallback: ${String(d.onDemandFallback)}

# Root disk size in GiB, a whole number from 30 to 2000 (the container images need at least 30).
# Flag: --root-volume-gb. Env: GEUSEMAKER_ROOT_VOLUME_GB.
rootVolumeGb: ${d.rootVolumeGb}

# Optional: operating system of the instance: ${OS_CHOICES.join(' | ')} (default al2023).
# On tier gpu it picks the Deep Learning AMI's OS; elsewhere the plain Amazon Linux or Ubuntu image.
# os: ubuntu-22.04

# Optional, tier gpu: which AWS Deep Learning AMI: ${AMI_TYPES.join(' | ')} (default base: the Base OSS NVIDIA
# driver GPU AMI; pytorch adds PyTorch). Resolved from AWS's public SSM parameter, else the newest image by name.
# amiType: base

# Optional: boot exactly this AMI instead (checked at plan time); set os to what it runs.
# amiId: ami-0123456789abcdef0

# Optional, tier gpu: allow GPU families beyond g4dn, g5, g6, g6e (p3, p4d, p5, ...), which cost far more per hour.
# allowExpensiveInstanceTypes: true

# Network to deploy into.
#   mode: new       - create a new VPC for this stack (default).
#   mode: existing  - use your VPC and subnets:
#     network:
#       mode: existing
#       vpcId: vpc-0123abcd
#       subnetIds: [subnet-0123abcd, subnet-4567ef01]
network:
  mode: ${d.network.mode}

# How you reach the services (n8n, Ollama, Qdrant, Crawl4AI).
#   mode: ssm   - no inbound ports at all; services are reached over SSM port forwarding (default).
#   mode: cidr  - service ports are open, but only to this IPv4 CIDR (use your own address, x.x.x.x/32;
#                 nothing wider than /8 is accepted):
#     access:
#       mode: cidr
#       cidr: 203.0.113.7/32
#   mode: load-balancer - required on tiers automation and gpu: an Application Load Balancer is the one door,
#                 the instance accepts port 80 only from it. Open to the internet, or add a cidr to admit only it
#                 (not with CloudFront, which reaches the load balancer from its own edge addresses):
#     access:
#       mode: load-balancer
#       cidr: 203.0.113.7/32
# Flag: --access-cidr <cidr>. Env: GEUSEMAKER_ACCESS_CIDR. Either one sets mode: cidr.
access:
  mode: ${d.access.mode}

# Optional, tier automation: put CloudFront in front of the load balancer (HTTPS on a *.cloudfront.net address,
# HTTP/2 and HTTP/3; takes 5-20 minutes to deploy). Tier gpu always has it.
# cloudFront: true

# Optional, tier automation without CloudFront: an ACM certificate in the stack's region for HTTPS:443 on the load
# balancer (HTTP then redirects). Point your domain (the certificate's name) at the load balancer's DNS name.
# certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b

# Tiers automation and gpu: how many minutes deploy waits for the instance to pass the load balancer's health
# check (the services start minutes after boot), and for CloudFront to finish deploying. Positive numbers.
timeouts:
  targetHealthyMinutes: ${d.timeouts.targetHealthyMinutes}
  cloudFrontDeployedMinutes: ${d.timeouts.cloudFrontDeployedMinutes}

# Which services run: true | false each. n8n keeps its data in PostgreSQL, so postgres must stay on while n8n is on.
services:
${services}

# Ollama models to pull onto the instance, such as llama3.2:3b.
# Env: GEUSEMAKER_OLLAMA_MODELS (comma-separated, e.g. "llama3.2:3b,nomic-embed-text").
ollamaModels:
${models}

# Keep the data (the EFS file system and the stack's secrets) when the stack is destroyed: true | false.
# Kept by default so a destroy can't lose your workflows. No flag sets it; \`geusemaker destroy --delete-data\`
# deletes the data on that one destroy whatever this says. Env: GEUSEMAKER_KEEP_DATA (true/false/1/0/yes/no).
keepDataOnDestroy: ${String(d.keepDataOnDestroy)}

# Optional: monthly budget in US dollars (a positive number). Unset by default. With it, an AWS Budgets budget on the
# stack's cost allocation tag (geusemaker:stack: activate it once per account in the Billing console) mails
# notifyEmail at 80% of actual and 100% of forecast spend.
# Env: GEUSEMAKER_MONTHLY_BUDGET_USD.
# monthlyBudgetUsd: 50

# Backups of the stack's data (the EFS file system) through AWS Backup: on by default, daily at 05:00 UTC, each kept
# retentionDays days (priced in the estimate). schedule: daily, weekly or an AWS Backup cron expression.
# Destroy keeps the backups until they expire; "geusemaker destroy --delete-backups" deletes them.
backup:
  enabled: true
  schedule: daily
  retentionDays: 14

# Optional: say a secret is due for rotation after this many days (plan, status, the Stacks view). Never rotated on
# its own: run "geusemaker secrets rotate". Unset by default.
# rotateAfterDays: 90

# Optional: scale out (docs/scaling.md). n8n runs in queue mode: its main process stays on the instance and a pool of
# workers on EC2 Auto Scaling runs the executions, with PostgreSQL on RDS and the queue on ElastiCache (Valkey).
# Off when absent. Turning it on for a running stack moves its PostgreSQL into RDS (a backup first, row counts
# verified). Costs from about $140 a month more at the defaults; the plan prices it.
# scale:
#   n8nWorkers: { min: 1, max: 4, instanceTypes: [c7i.large, c6i.large, m7i.large], market: spot, scaleOn: cpu }
#   # ollamaWorkers: { min: 1, max: 2, instanceTypes: [g4dn.xlarge] }   # behind an internal load balancer
#   database: rds        # rds | instance
#   queue: elasticache   # elasticache | instance

# Optional: an email address for the Auto Scaling group's own notices (an instance launched, terminated, e.g. by a
# spot interruption, or failed to launch), sent by SNS with no editor open. AWS mails a link to confirm first.
# Env: GEUSEMAKER_NOTIFY_EMAIL.
# notifyEmail: you@example.com

# Optional: AWS profile from ~/.aws/config to deploy with. Unset by default: the usual AWS credential chain is used.
# Flag: --profile. Env: GEUSEMAKER_PROFILE, else AWS_PROFILE (AWS_PROFILE ranks below this file).
# profile: my-profile
`;
}
