import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import type { StackConfig } from '../stack/config';
import { TAG_STACK } from '../stack/naming';
import { budgetPriceNote } from '../cost/budget-price';
import { alertWords, BUDGET_ALERTS, budgetName } from './budget-spec';

/** Whether Cost Explorer counts the tag for budgets: active, inactive, not yet seen on any bill, or not known. */
export type CostTagStatus = { kind: 'active' } | { kind: 'inactive' } | { kind: 'unseen' } | { kind: 'unknown'; why: string };

/** An account's tag, once active, stays so: asked again only after an answer that was not "active". */
const activeFor = new WeakSet<AwsClients>();

/** Cost Explorer's ListCostAllocationTags for geusemaker:stack, within `timeoutMs`; never throws. */
export async function costTagStatus(clients: AwsClients, timeoutMs = 5_000): Promise<CostTagStatus> {
  if (activeFor.has(clients)) return { kind: 'active' };
  try {
    const { ListCostAllocationTagsCommand } = await import('@aws-sdk/client-cost-explorer');
    const answer = await clients.ce.send(new ListCostAllocationTagsCommand({ TagKeys: [TAG_STACK], Type: 'UserDefined' }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    const tag = (answer.CostAllocationTags ?? []).find((t) => t.TagKey === TAG_STACK);
    if (!tag) return { kind: 'unseen' };
    if (tag.Status === 'Active') {
      activeFor.add(clients);
      return { kind: 'active' };
    }
    return tag.Status === 'Inactive' ? { kind: 'inactive' } : { kind: 'unknown', why: `Cost Explorer answered status ${String(tag.Status)}` };
  } catch (error) {
    const classified = classifyAwsError(error);
    if (classified.code === 'ENDPOINT_API_MISSING') return { kind: 'unknown', why: 'the endpoint does not implement ce:ListCostAllocationTags (an emulator)' };
    if (classified.kind === 'permission') return { kind: 'unknown', why: 'these credentials may not call ce:ListCostAllocationTags' };
    return { kind: 'unknown', why: classified.message.split('\n')[0]!.slice(0, 200) };
  }
}

function statusWords(status: CostTagStatus): string {
  switch (status.kind) {
    case 'active': return 'it is active in this account';
    case 'inactive': return 'it is INACTIVE in this account: activate it, or the budget counts nothing';
    case 'unseen': return 'AWS has not seen it on a bill yet (it appears up to 24 h after tagged resources first bill): activate it then';
    case 'unknown': return `could not check (${status.why})`;
  }
}

/**
 * The plan's words about the stack's budget (none without monthlyBudgetUsd): what it counts and who is alerted, that
 * the tag must be an active cost allocation tag (and whether it is, where AWS says), and what Budgets itself costs.
 * Bounded and never failing: a plan is never stopped by it.
 */
export async function budgetPlanNotes(clients: AwsClients, config: Pick<StackConfig, 'name' | 'region' | 'monthlyBudgetUsd' | 'notifyEmail'>): Promise<string[]> {
  if (config.monthlyBudgetUsd === undefined) return [];
  const name = budgetName(config.name, config.region);
  const alerts = config.notifyEmail
    ? `alerts at ${BUDGET_ALERTS.map(alertWords).join(' and ')} are mailed to ${config.notifyEmail}`
    : 'no alert is sent: set notifyEmail to be mailed at 80% of actual and 100% of forecast spend';
  const status = await costTagStatus(clients).catch((error: unknown): CostTagStatus => ({ kind: 'unknown', why: String(error) }));
  return [
    `Budget: AWS Budgets budget ${name} of $${config.monthlyBudgetUsd}/month counts costs tagged ${TAG_STACK}=${config.name}; ${alerts}.`,
    `The tag ${TAG_STACK} must be activated as a cost allocation tag once per account (Billing console → Cost allocation tags) for the budget to see this stack's costs: ${statusWords(status)}.`,
    budgetPriceNote(),
  ];
}
