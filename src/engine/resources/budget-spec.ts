import { z } from 'zod';
import { TAG_STACK } from '../stack/naming';

/**
 * What the stack's AWS Budgets budget should be, and how AWS's answers are read and compared. No SDK import:
 * the plan's notes and the cost engine read these words without loading the Budgets client.
 */

/** Budget names are unique per account (Budgets is global): the region keeps two same-named stacks in different regions apart. */
export function budgetName(stack: string, region: string): string {
  return `geusemaker-${stack}-${region}`;
}

export function budgetArn(accountId: string, name: string): string {
  return `arn:aws:budgets::${accountId}:budget/${name}`;
}

/**
 * The cost filter: costs carrying the cost allocation tag geusemaker:stack=<stack>. Written as CostFilters'
 * TagKeyValue (`user:<key>$<value>`, AWS's documented form for user-defined tags): the SDK we ship (3.11xx)
 * also has FilterExpression, but its tag key form is not documented for Budgets and DescribeBudget returns it
 * only when asked (ShowFilterExpression), while CostFilters is accepted and read back as written.
 */
export function tagKeyValue(stack: string): string {
  return `user:${TAG_STACK}$${stack}`;
}

export const BUDGET_COST_FILTER_KEY = 'TagKeyValue';

/** The alerts: 80% of the month's actual spend, and a forecast over 100%, each mailed to notifyEmail. */
export const BUDGET_ALERTS = [
  { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' },
  { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' },
] as const;

export type BudgetAlert = (typeof BUDGET_ALERTS)[number];

export function alertWords(alert: Pick<BudgetAlert, 'NotificationType' | 'Threshold'>): string {
  return alert.NotificationType === 'ACTUAL' ? `${alert.Threshold}% of actual spend` : `${alert.Threshold}% of forecast spend`;
}

// AWS's answers, parsed at the boundary (only what the comparisons read).
const tagValuesSchema = z.object({ Key: z.string().optional(), Values: z.array(z.string()).optional() }).passthrough();
export const liveBudgetSchema = z.object({
  BudgetName: z.string(),
  BudgetType: z.string().optional(),
  TimeUnit: z.string().optional(),
  BudgetLimit: z.object({ Amount: z.string(), Unit: z.string() }).optional(),
  CostFilters: z.record(z.string(), z.array(z.string())).optional(),
  FilterExpression: z.object({ Tags: tagValuesSchema.optional() }).passthrough().optional(),
});
export type LiveBudget = z.infer<typeof liveBudgetSchema>;

export const liveNotificationSchema = z.object({
  NotificationType: z.string(),
  ComparisonOperator: z.string(),
  Threshold: z.number(),
  ThresholdType: z.string().optional(),
});
export type LiveNotification = z.infer<typeof liveNotificationSchema>;

export const liveSubscriberSchema = z.object({ SubscriptionType: z.string(), Address: z.string() });

/** A threshold type AWS leaves out is a percentage (its documented default). */
export function sameAlert(live: LiveNotification, alert: BudgetAlert): boolean {
  return live.NotificationType === alert.NotificationType && live.ComparisonOperator === alert.ComparisonOperator
    && live.Threshold === alert.Threshold && (live.ThresholdType ?? 'PERCENTAGE') === alert.ThresholdType;
}

/** Does the live budget count exactly this stack's tagged costs (in either filter form AWS may answer with)? */
export function filtersStack(live: LiveBudget, stack: string): boolean {
  const costFilters = live.CostFilters ?? {};
  const keys = Object.keys(costFilters).filter((key) => (costFilters[key] ?? []).length > 0);
  if (keys.length === 1 && keys[0] === BUDGET_COST_FILTER_KEY) {
    const values = costFilters[BUDGET_COST_FILTER_KEY] ?? [];
    return values.length === 1 && values[0] === tagKeyValue(stack);
  }
  const tags = live.FilterExpression?.Tags;
  if (keys.length === 0 && tags) {
    const key = (tags.Key ?? '').replace(/^user:/, '');
    return key === TAG_STACK && (tags.Values ?? []).length === 1 && tags.Values![0] === stack;
  }
  return false;
}

/** What differs between the live budget and the wanted one, in words; empty when nothing does. */
export function budgetDifferences(live: LiveBudget, stack: string, limitUsd: number): string[] {
  const differences: string[] = [];
  const amount = Number(live.BudgetLimit?.Amount);
  if (live.BudgetLimit?.Unit !== 'USD' || !Number.isFinite(amount) || Math.abs(amount - limitUsd) > 0.005) {
    differences.push(`limit ${live.BudgetLimit ? `${live.BudgetLimit.Amount} ${live.BudgetLimit.Unit}` : '(none)'} → ${limitUsd} USD`);
  }
  if (live.TimeUnit !== 'MONTHLY') differences.push(`period ${live.TimeUnit ?? '(none)'} → MONTHLY`);
  if (live.BudgetType !== 'COST') differences.push(`type ${live.BudgetType ?? '(none)'} → COST`);
  if (!filtersStack(live, stack)) differences.push(`filter → costs tagged ${TAG_STACK}=${stack}`);
  return differences;
}
