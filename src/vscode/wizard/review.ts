import { type DeployPlan, diffLines, type EstimateLine, type MonthlyEstimate, type StackConfig, usesCloudFront } from '../../engine';
import type { WizardReview } from '../../protocol/wizard';
import { believable } from './estimates';

const cut = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);
const cents = (usd: number) => Math.round(usd * 100) / 100;

const ITEM_WORDS: Record<EstimateLine['item'], string> = {
  compute: 'Instance', ebs: 'Root disk (gp3)', efs: 'EFS storage', 'public-ipv4': 'Public IPv4 address', alb: 'Load balancer', cloudfront: 'CloudFront', 'data-transfer': 'Data out',
  backup: 'Backups (AWS Backup)',
  'n8n-workers': 'n8n workers', 'ollama-workers': 'Ollama workers', database: 'PostgreSQL (RDS)', 'queue-cache': 'Queue (ElastiCache)', 'internal-alb': 'Internal load balancer',
};

/** A worker pool's line is priced at its size (its min before deploy); its month at max is said beside it. */
function itemWords(line: EstimateLine): string {
  const words = ITEM_WORDS[line.item];
  return line.pool ? `${words} × ${line.pool.workers} (at ${line.pool.max}: $${cents(line.pool.atMaxUsd).toFixed(2)}/month)` : words;
}

/** The cost engine's estimate in the protocol's shape: each line's basis (price, assumption) becomes an assumption line. */
export function fromEngineEstimate(estimate: MonthlyEstimate): NonNullable<WizardReview['monthly']> {
  const compute = estimate.lines.find((line) => line.item === 'compute');
  return {
    totalUsd: cents(estimate.totalUsd),
    lines: estimate.lines.slice(0, 16).map((line) => ({ item: cut(itemWords(line), 120), usd: cents(line.usd) })),
    source: compute?.source ?? 'estimated',
    assumptions: [
      ...estimate.lines.slice(0, 15).map((line) => cut(`${ITEM_WORDS[line.item]}: ${line.basis} (${line.source})`, 300)),
      ...(estimate.spotSavings ? [cut(`Spot saves ${estimate.spotSavings.percent}% on compute against on-demand.`, 300)] : []),
    ].slice(0, 16),
    ...(estimate.scale ? { pools: { atMinUsd: cents(estimate.scale.totalAtMinUsd), atMaxUsd: cents(estimate.scale.totalAtMaxUsd) } } : {}),
  };
}

/**
 * What the review step shows: the engine's plan, bounded for the protocol, and the cost engine's estimate. The
 * engine already falls back to cached and bundled prices; without an estimate (a type no price is known for),
 * the review has none rather than a second, different guess.
 */
export function reviewOf(plan: DeployPlan, estimate?: MonthlyEstimate): WizardReview {
  const { config, facts } = plan;
  const services = Object.entries(config.services).filter(([, on]) => on).map(([name]) => name);
  // The same rule as every step's figure: a month with free compute is unknown, not $0.
  const monthly = estimate && believable(estimate) ? fromEngineEstimate(estimate) : undefined;
  return {
    summary: [
      `Stack ${config.name}: ${config.tier} tier in ${config.region}, account ${facts.accountId}`,
      `${config.instanceType} (${facts.architecture}), ${config.market}${config.market === 'spot' && config.onDemandFallback ? ' with on-demand fallback' : ''}, ${config.rootVolumeGb} GiB root disk, AZs ${facts.zones.join(', ')}`,
      `Network: ${config.network.mode === 'new' ? 'a new VPC' : `${config.network.vpcId} (${config.network.subnetIds.join(', ')})`}. Access: ${accessWords(config)}.`,
      `Services: ${services.join(', ')}${config.services.ollama && config.ollamaModels.length > 0 ? `; models ${config.ollamaModels.join(', ')}` : ''}.`,
    ].map((line) => cut(line, 500)),
    ...(config.scale ? { scale: scaleLines(config.scale).map((line) => cut(line, 500)) } : {}),
    items: plan.items.slice(0, 100).map((item) => ({
      title: cut(item.title, 200), action: item.action, ids: item.ids.slice(0, 20).map((id) => cut(id, 128)),
      ...(item.note ? { note: cut(item.note, 500) } : {}),
    })),
    // The wizard lists notes (backups, the budget) with the warnings: one list of things to read before deploying.
    warnings: [...plan.warnings, ...(plan.notes ?? [])].slice(0, 20).map((w) => cut(w, 1000)),
    ...(plan.diff ? { changes: diffLines(plan.diff).slice(0, 40).map((line) => cut(line, 500)), effects: plan.diff.effects.slice(0, 20).map((line) => cut(line, 1000)) } : {}),
    ...(monthly ? { monthly } : {}),
  };
}

type Scale = NonNullable<StackConfig['scale']>;

const poolWords = (pool: Scale['n8nWorkers'] | NonNullable<Scale['ollamaWorkers']>) =>
  `${pool.min === pool.max ? `${pool.min}` : `${pool.min} to ${pool.max}`} on ${pool.instanceTypes.join(', ')} (${pool.market})`;

/** The scale section in words: what deploy builds for it (docs/scaling.md). */
export function scaleLines(scale: Scale): string[] {
  const n8n = scale.n8nWorkers;
  const ollama = scale.ollamaWorkers;
  return [
    `n8n in queue mode: workers ${poolWords(n8n)}, scaling on ${n8n.scaleOn === 'cpu' ? `their average CPU at ${n8n.targetCpuPercent}%` : `${n8n.targetWaitingPerWorker} waiting executions per worker`}.`,
    ...(ollama ? [`Ollama workers ${poolWords(ollama)} behind an internal load balancer, scaling on ${ollama.targetRequestsPerWorker} requests per worker per minute.`] : []),
    scale.database === 'rds'
      ? `PostgreSQL on RDS: ${scale.databaseClass}, ${scale.databaseStorageGb} GiB gp3, encrypted, in private subnets, automated backups.`
      : "PostgreSQL stays on the stack's instance; workers reach it at the instance's current address.",
    scale.queue === 'elasticache'
      ? `Queue on ElastiCache (Valkey): ${scale.cacheNodeType}, encrypted in transit and at rest, with an auth token.`
      : "Queue in Redis on the stack's instance; workers reach it at the instance's current address.",
  ];
}

function accessWords(config: StackConfig): string {
  switch (config.access.mode) {
    case 'ssm': return 'SSM tunnels only';
    case 'cidr': return `port 80 from ${config.access.cidr}`;
    case 'load-balancer': {
      const front = usesCloudFront(config) ? 'CloudFront (HTTPS) in front of a load balancer that answers only CloudFront' : `a load balancer open to ${config.access.cidr ?? 'the internet'}${config.certificateArn ? ' over HTTPS' : ''}`;
      return front;
    }
  }
}
