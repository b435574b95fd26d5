import type { InstanceChoice, WizardPriceSource, WizardVpc } from '../../src/protocol/wizard';

/** Words and numbers the wizard shows (pure, no DOM). */

export const money = (usd: number) => `$${usd.toFixed(usd < 10 ? 2 : 0)}`;
export const hourly = (usd: number) => `$${usd.toFixed(3)}/h`;

export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function gib(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)} GiB`;
}

export function instanceFacts(choice: InstanceChoice): string {
  const parts = [`${choice.vcpus} vCPU`, `${gib(choice.memoryGiB)} memory`];
  if (choice.gpus > 0) parts.push(`${choice.gpus} × ${choice.gpuName ?? 'GPU'}${choice.gpuMemoryGiB === undefined ? '' : `, ${gib(choice.gpuMemoryGiB)} GPU memory`}`);
  parts.push(...priceFacts(choice));
  return parts.join(' · ');
}

/** "live", "cached 12 min ago" or "estimated" (the reason for an estimate is shown once, under the list). */
export function sourceWord(source: WizardPriceSource): string {
  return source.kind === 'estimated' ? 'estimated' : source.label;
}

export function priceFacts(choice: InstanceChoice): string[] {
  const parts: string[] = [];
  parts.push(choice.onDemand ? `on-demand ${hourly(choice.onDemand.usd)} (${sourceWord(choice.onDemand.source)})` : 'on-demand price unknown');
  parts.push(choice.spot ? `spot ${hourly(choice.spot.usd)} in ${choice.spot.zone} (${sourceWord(choice.spot.source)})` : 'spot price unknown');
  if (choice.savingsPercent !== undefined) parts.push(choice.savingsPercent >= 0 ? `spot saves ${choice.savingsPercent}%` : `spot costs ${-choice.savingsPercent}% more`);
  return parts;
}

/** Why some prices are estimates, once for the whole list (the first reason; they are usually all the same). */
export function estimatedReason(choices: readonly InstanceChoice[]): string | undefined {
  for (const choice of choices) {
    for (const source of [choice.onDemand?.source, choice.spot?.source]) {
      if (source?.kind === 'estimated') return source.label;
    }
  }
  return undefined;
}

export function vpcLabel(vpc: WizardVpc): string {
  const marks = [vpc.isDefault ? 'default' : undefined, vpc.stack ? `GeuseMaker stack ${vpc.stack}` : undefined].filter(Boolean);
  return `${vpc.id}${vpc.name ? ` (${vpc.name})` : ''}`.concat(marks.length > 0 ? ` — ${marks.join(', ')}` : '');
}

export function vpcDescription(vpc: WizardVpc): string {
  return `${vpc.cidr} · ${vpc.subnets.length} subnet${vpc.subnets.length === 1 ? '' : 's'} · public in ${vpc.publicZones.length} AZ${vpc.publicZones.length === 1 ? '' : 's'}${vpc.publicZones.length > 0 ? ` (${vpc.publicZones.join(', ')})` : ''}`;
}
