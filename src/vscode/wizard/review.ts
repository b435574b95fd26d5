import { type DeployPlan, diffLines, type EstimateLine, type MonthlyEstimate, type StackConfig, usesCloudFront } from '../../engine';
import type { WizardReview } from '../../protocol/wizard';
import { believable } from './estimates';

const cut = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);
const cents = (usd: number) => Math.round(usd * 100) / 100;

const ITEM_WORDS: Record<EstimateLine['item'], string> = {
  compute: 'Instance', ebs: 'Root disk (gp3)', efs: 'EFS storage', 'public-ipv4': 'Public IPv4 address', alb: 'Load balancer', cloudfront: 'CloudFront', 'data-transfer': 'Data out',
  backup: 'Backups (AWS Backup)',
};

/** The cost engine's estimate in the protocol's shape: each line's basis (price, assumption) becomes an assumption line. */
export function fromEngineEstimate(estimate: MonthlyEstimate): NonNullable<WizardReview['monthly']> {
  const compute = estimate.lines.find((line) => line.item === 'compute');
  return {
    totalUsd: cents(estimate.totalUsd),
    lines: estimate.lines.slice(0, 12).map((line) => ({ item: cut(ITEM_WORDS[line.item], 120), usd: cents(line.usd) })),
    source: compute?.source ?? 'estimated',
    assumptions: [
      ...estimate.lines.slice(0, 6).map((line) => cut(`${ITEM_WORDS[line.item]}: ${line.basis} (${line.source})`, 300)),
      ...(estimate.spotSavings ? [cut(`Spot saves ${estimate.spotSavings.percent}% on compute against on-demand.`, 300)] : []),
    ].slice(0, 8),
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
