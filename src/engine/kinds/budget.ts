import { defineKind, step } from './types';

/**
 * With monthlyBudgetUsd: an AWS Budgets budget of the stack's tagged costs, with alerts at 80% actual and 100%
 * forecast mailed to notifyEmail. Budgets is global (one API in us-east-1), so its name carries the region.
 */
export const budget = defineKind({
  kind: 'budget',
  part: 'instance',
  dependsOn: [],
  journalKeys: (scope) => (scope.config.monthlyBudgetUsd !== undefined ? ['budget'] : []),
  findByTag: async (clients, stack) => (await import('../resources/budget')).sweepBudgets(clients, stack),
  steps: (scope) => {
    const limit = scope.config.monthlyBudgetUsd;
    if (limit === undefined) return [];
    const email = scope.config.notifyEmail;
    return [step({
      id: 'budget', title: 'Budget and alerts (AWS Budgets)', keys: ['budget'], uses: {},
      run: async (ctx) => (await import('../resources/budget')).ensureBudget(ctx, limit, email),
    })];
  },
  teardown: {
    step: { id: 'budget', title: 'Budget' },
    delete: async (ctx, ids) => (await import('../resources/budget')).deleteBudgets(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
