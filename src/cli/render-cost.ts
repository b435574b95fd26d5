import { type BudgetStatus, type CostToDate, describeSource, type MonthlyEstimate, type Placement, type StackStatus, table } from '../engine';

const usd = (value: number | undefined, digits = 4) => (value === undefined ? '-' : `$${value.toFixed(digits)}`);

export function renderPlacements(region: string, tier: string, placements: readonly Placement[]): string[] {
  if (placements.length === 0) return [`No ${tier}-tier instance types are offered in ${region}.`];
  const rows = placements.map((p) => [
    p.type.type,
    `${p.type.vcpus} vCPU, ${p.type.memoryGiB} GiB${p.type.gpus > 0 ? `, ${p.type.gpus}× ${p.type.gpuName ?? 'GPU'} ${p.type.gpuMemoryGiB ?? '?'} GiB` : ''}`,
    p.onDemand ? `${usd(p.onDemand.usd)} (${describeSource(p.onDemand.source)})` : '-',
    p.spot ? `${usd(p.spot.usd)} in ${p.spot.zone} (${describeSource(p.spot.source)})` : '-',
    p.savings === undefined ? '-' : `${Math.round(p.savings * 100)}%`,
    `${p.recommended.market}: ${p.recommended.why}`,
  ]);
  return [`Instance types for the ${tier} tier in ${region}, cheapest first (per hour, Linux):`, '', ...table([['TYPE', 'SIZE', 'ON-DEMAND', 'CHEAPEST SPOT', 'SAVES', 'RECOMMENDED'], ...rows])];
}

export function renderCost(stacks: readonly { name: string; status: StackStatus; estimate: MonthlyEstimate; toDate: CostToDate; budget?: BudgetStatus }[]): string[] {
  if (stacks.length === 0) return ['No stacks in this state folder.'];
  const lines: string[] = [];
  for (const { name, status, estimate, toDate, budget } of stacks) {
    lines.push(`Stack ${name} (${status}): about ${usd(estimate.totalUsd, 2)}/month if it runs all month; ${usd(toDate.totalUsd, 2)} so far (${toDate.basis})`);
    lines.push(...table(estimate.lines.map((line) => [line.item, usd(line.usd, 2), line.sourceText, line.basis]), '    '));
    if (estimate.spotSavings) {
      lines.push(`    spot saves ${estimate.spotSavings.percent}% on compute: ${usd(estimate.spotSavings.savedUsd, 2)}/month against ${usd(estimate.spotSavings.onDemandComputeUsd, 2)} on demand`);
    }
    if (estimate.recommendation) {
      const { market, why } = estimate.recommendation;
      lines.push(`    ${why.startsWith(`${market} recommended`) ? why : `${market} recommended: ${why}`}`);
    }
    if (budget) {
      const share = Math.round((budget.projectedUsd / budget.budgetUsd) * 100);
      const mark = budget.reached.length > 0 ? '! ' : '  ';
      lines.push(`  ${mark}Budget: ${usd(budget.monthToDateUsd, 2)} this month so far, projected ${usd(budget.projectedUsd, 2)} of ${usd(budget.budgetUsd, 2)} (${share}%)${budget.reached.includes(100) ? ': over budget' : budget.reached.includes(80) ? ': past 80%' : ''}`);
    }
    lines.push('');
  }
  const total = stacks.reduce((sum, s) => sum + s.estimate.totalUsd, 0);
  lines.push(`Total: about ${usd(total, 2)}/month. Assumptions (EFS size and traffic, data out, LCUs, CloudFront traffic) and each price's source are stated on each line.`);
  return lines;
}
