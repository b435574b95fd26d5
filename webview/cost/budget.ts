import { BUDGET_ALERT_PERCENT, type BudgetView } from '../../src/protocol/cost';
import { el, svg } from '../shared/dom';
import { budgetWords } from './format';

const WIDTH = 400;
const HEIGHT = 18;

/**
 * Month to date (solid) and the projection (lighter) against the budget, with the 80% alert and the budget
 * marked. The scale stretches past the budget when the projection does, so an overrun stays visible.
 */
export function budgetBar(budget: BudgetView): HTMLElement {
  const scale = Math.max(budget.budgetUsd, budget.projectedUsd, 0.01);
  const at = (usd: number) => Math.min(WIDTH - 1, (WIDTH * Math.min(usd, scale)) / scale).toFixed(1);
  const state = budget.reached.includes(100) ? 'over' : budget.reached.includes(BUDGET_ALERT_PERCENT) ? 'alert' : 'ok';
  const words = budgetWords(budget);
  const bar = svg('svg', { class: `budget-bar budget-${state}`, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': words },
    svg('rect', { class: 'track', x: 0, y: 3, width: at(budget.budgetUsd), height: HEIGHT - 6 }),
    svg('rect', { class: 'projected', x: 0, y: 3, width: at(budget.projectedUsd), height: HEIGHT - 6 }),
    svg('rect', { class: 'spent', x: 0, y: 3, width: at(budget.monthToDateUsd), height: HEIGHT - 6 }),
    svg('line', { class: 'threshold', 'data-percent': BUDGET_ALERT_PERCENT, x1: at((budget.budgetUsd * BUDGET_ALERT_PERCENT) / 100), x2: at((budget.budgetUsd * BUDGET_ALERT_PERCENT) / 100), y1: 0, y2: HEIGHT }),
    svg('line', { class: 'limit', x1: at(budget.budgetUsd), x2: at(budget.budgetUsd), y1: 0, y2: HEIGHT }),
  );
  return el('div', { className: 'budget' },
    el('h3', { text: 'Budget' }),
    bar,
    el('p', { className: `budget-words budget-${state}`, text: words }),
  );
}
