/** AWS Budgets' own price: the first two budgets of an account are free, then each costs this much a day. */
export const BUDGET_USD_PER_DAY_BEYOND_FREE = 0.02;
export const FREE_BUDGETS_PER_ACCOUNT = 2;

/** Said, never priced: whether the stack's budget is charged depends on the account's other budgets, which we do not count. */
export function budgetPriceNote(): string {
  return `AWS Budgets: the first ${FREE_BUDGETS_PER_ACCOUNT} budgets of an account are free, then $${BUDGET_USD_PER_DAY_BEYOND_FREE} a day each (about $${(BUDGET_USD_PER_DAY_BEYOND_FREE * 30).toFixed(2)}/month); whether this stack's budget is charged depends on the account's other budgets, so it is not in the estimate.`;
}
