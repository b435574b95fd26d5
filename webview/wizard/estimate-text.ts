import type { WizardView } from './view';
import { money } from './format';

/** The cost engine's figures as the wizard words them (the tier step, every step's footer); unknown is said, never $0. */

export function tierCost(view: Pick<WizardView, 'estimates'>, tier: string): string {
  const value = view.estimates?.value;
  if (!value) return ' — estimating…';
  const monthly = value.tiers.find((t) => t.tier === tier)?.monthlyUsd;
  return monthly === undefined ? ' — monthly cost unknown' : ` — about ${money(monthly)}/month (estimated)`;
}

export function basisText(view: Pick<WizardView, 'estimates'>): string {
  return view.estimates?.value ? `Monthly figures: ${view.estimates.value.basis}.` : 'Monthly figures come from the cost engine, as in the review.';
}

/** The stack's month as the cost engine prices it now: the figure the tier step and the review show too. */
export function stackEstimateText(view: Pick<WizardView, 'estimates' | 'draft'>): string {
  const monthly = view.estimates?.value?.tiers.find((t) => t.tier === view.draft.tier)?.monthlyUsd;
  if (!view.estimates?.value) return 'Estimating the monthly cost…';
  return monthly === undefined ? 'Monthly cost unknown: no believable price is known for this instance type here.'
    : `This stack: about ${money(monthly)}/month (estimated); the review breaks it down.`;
}

/** New figures patched into the page in place: a re-render could swallow a click the user is making. */
export function fillEstimates(root: ParentNode, view: Pick<WizardView, 'estimates' | 'draft'>): void {
  for (const label of root.querySelectorAll<HTMLElement>('vscode-radio[data-key^="tier:"] .choice-label')) {
    const tier = label.closest<HTMLElement>('vscode-radio')?.dataset.key?.slice('tier:'.length) ?? '';
    label.textContent = `${tier}${tierCost(view, tier)}`;
  }
  const basis = root.querySelector('.estimate-basis');
  if (basis) basis.textContent = basisText(view);
  const footer = root.querySelector('.stack-estimate');
  if (footer) footer.textContent = stackEstimateText(view);
}
