import type { CostSnapshot, EstimateLineView, PriceSourceView, StackCost } from '../../src/protocol/cost';
import { button, spinner } from '../components';
import { el } from '../shared/dom';
import { errorBanner, noticeLine, panelMain } from '../shared/panel-main';
import type { Notice } from '../shared/snapshot-panel';
import { budgetBar } from './budget';
import { costChart } from './chart';
import { perHour, savingsWords, stackFacts, timeOfDay, usd } from './format';

export interface View {
  snapshot?: CostSnapshot;
  /** Requests in flight, as `refresh` or `pause:<stack key>`: their buttons are disabled. */
  busy: ReadonlySet<string>;
  /** The outcome of the last action. */
  notice?: Notice;
  onRefresh(): void;
  onPause(stack: StackCost): void;
}

/** Stable per stack across refreshes (two folders may each have a "demo"). */
export const stackKey = (stack: StackCost) => `${stack.target.stateDir}::${stack.target.name}`;

function source(view: PriceSourceView): HTMLElement {
  return el('span', { className: `source source-${view.kind}`, text: view.label });
}

function fact(term: string, value: string, extra?: Node, title?: string): HTMLElement {
  const dd = el('dd', { attrs: title ? { title } : {} }, el('span', { className: 'amount', text: value }));
  if (extra) dd.append(' ', extra);
  return el('div', { className: 'fact' }, el('dt', { text: term }), dd);
}

function breakdown(stack: StackCost): HTMLElement {
  const estimate = stack.estimate;
  if (!estimate) return el('p', { className: 'banner note', text: 'No monthly estimate: no price is known for this stack.' });
  const row = (line: EstimateLineView) => el('tr', { className: `line line-${line.item}${line.included ? '' : ' not-used'}` },
    el('th', { text: line.label, attrs: { scope: 'row' } }),
    el('td', { className: 'money', text: line.included ? usd(line.usd) : '—' }),
    el('td', {}, line.included ? source(line.source) : el('span', { className: 'source source-none', text: 'not used' })),
    el('td', { className: 'basis', text: line.basis }),
  );
  const caption = stack.running ? 'Monthly estimate, broken down' : 'Monthly estimate while running, broken down';
  return el('table', { className: 'breakdown' },
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, ...['Item', 'Per month', 'Price', 'Basis and assumptions'].map((h) => el('th', { text: h, attrs: { scope: 'col' } })))),
    el('tbody', {}, ...estimate.lines.map(row)),
    el('tfoot', {}, el('tr', {}, el('th', { text: 'Total', attrs: { scope: 'row' } }), el('td', { className: 'money', text: usd(estimate.totalUsd) }), el('td'), el('td'))),
  );
}

function stackCard(stack: StackCost, view: View): HTMLElement {
  const key = stackKey(stack);
  const headingId = `stack-${encodeURIComponent(key).replace(/%/g, '_')}`;
  const focused = view.snapshot?.focus && view.snapshot.focus.name === stack.target.name && view.snapshot.focus.stateDir === stack.target.stateDir;
  const pause = button({
    label: 'Pause stack', key: `pause:${key}`, secondary: true,
    title: stack.canPause ? 'Terminate the instance; network and data stay (asks first)' : 'Only a running stack can be paused',
    disabled: !stack.canPause || view.busy.has(`pause:${key}`), onClick: () => view.onPause(stack),
  });
  const figures = el('dl', { className: 'figures' },
    fact('Now', perHour(stack.hourlyUsd), stack.hourlyUsd === undefined ? undefined : source(stack.hourlySource), stack.hourlyBasis),
    fact('Month to date', stack.monthToDateUsd === undefined ? '—' : usd(stack.monthToDateUsd), undefined, stack.monthToDateBasis),
    fact('Monthly estimate', stack.estimate ? usd(stack.estimate.totalUsd) : '—'),
  );
  const savings = savingsWords(stack);
  if (savings) figures.append(fact('Spot savings', savings));
  const card = el('section', { className: `stack${focused ? ' focused' : ''}`, attrs: { 'aria-labelledby': headingId, role: 'listitem', tabindex: '-1', 'data-stack': key, 'data-key': `stack:${key}` } },
    el('header', {},
      el('div', {}, el('h2', { text: stack.target.name, attrs: { id: headingId } }), el('p', { className: 'meta', text: stackFacts(stack) })),
      el('div', { className: 'actions' }, pause),
    ),
  );
  if (stack.error) card.append(errorBanner(stack.error));
  card.append(figures);
  if (stack.budget) card.append(budgetBar(stack.budget));
  card.append(el('h3', { text: 'Cost this month' }), costChart(stack.series, stack.budget?.budgetUsd), breakdown(stack));
  return card;
}

function totalCard(snapshot: CostSnapshot): HTMLElement {
  const total = snapshot.total;
  const count = snapshot.stacks.length;
  const figures = el('dl', { className: 'figures' },
    fact('Now', total.unknownHourly > 0 ? `${perHour(total.hourlyUsd)} + ${total.unknownHourly} unknown` : perHour(total.hourlyUsd),
      undefined, total.unknownHourly > 0 ? `No believable price is known for ${total.unknownHourly} of the stacks: the total counts the others.` : undefined),
    fact('Month to date', usd(total.monthToDateUsd)),
    fact('Monthly at today\'s rate', usd(total.monthlyAtRateUsd)),
  );
  if (snapshot.stacks.some((stack) => stack.running && stack.spotSavings)) figures.append(fact('Spot savings', `${usd(total.spotSavedUsd)}/month`));
  return el('section', { className: 'total', attrs: { 'aria-labelledby': 'total-heading' } },
    el('h2', { text: `All stacks (${count})`, attrs: { id: 'total-heading' } }),
    figures,
    costChart(total.series),
  );
}

/** Builds the whole panel; the caller swaps it in (and restores focus). */
export function renderCost(view: View): HTMLElement {
  const snapshot = view.snapshot;
  if (!snapshot) return panelMain(true, 'Working out what your stacks cost…');
  const main = panelMain(snapshot.refreshing);
  const meta = snapshot.checkedAt ? `Prices checked ${timeOfDay(snapshot.checkedAt)}` : 'Not checked yet';
  const refresh = button({ label: 'Refresh', key: 'refresh', disabled: snapshot.refreshing || view.busy.has('refresh'), onClick: view.onRefresh });
  main.append(el('header', { className: 'top' },
    el('div', {}, el('h1', { text: 'Cost' }), el('p', { className: 'meta', text: meta })),
    el('div', { className: 'top-actions' }, ...(snapshot.refreshing ? [spinner('Refreshing')] : []), refresh),
  ));
  if (snapshot.error) main.append(errorBanner(snapshot.error));
  main.append(noticeLine(view.notice));
  if (snapshot.stacks.length === 0) {
    main.append(el('p', { className: 'banner note', text: snapshot.refreshing ? 'Reading your stacks…' : 'No stacks yet. Deploy one with "GeuseMaker: Deploy Stack".' }));
    return main;
  }
  main.append(totalCard(snapshot), el('div', { className: 'stacks', attrs: { role: 'list' } }, ...snapshot.stacks.map((stack) => stackCard(stack, view))));
  return main;
}
