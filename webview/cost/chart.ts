import type { CostPointView } from '../../src/protocol/cost';
import { el, svg } from '../shared/dom';
import { axisUsd, day, niceCeiling, seriesWords, usd } from './format';

/** Coordinates of the trace's own box, stretched to the plot (its strokes do not scale). */
const TRACE = 1000;

const pct = (share: number) => `${(Math.min(Math.max(share, 0), 1) * 100).toFixed(2)}%`;

function text(className: string, words: string, attrs: Record<string, string | number>): SVGTextElement {
  const node = svg('text', { class: className, ...attrs });
  node.textContent = words;
  return node;
}

/**
 * Cumulative cost over the month, as wide as the panel: the plot is in percentages (the line and area in a
 * stretched box with non-scaling strokes), so text and dots keep their size at any width. The axis is a round
 * amount above the highest value or budget; a month that has cost nothing yet says so instead of drawing a
 * flat line under a made-up scale. Colours come from the stylesheet (theme variables).
 */
export function costChart(series: readonly CostPointView[], budgetUsd?: number): HTMLElement {
  const figure = el('figure', { className: 'cost-chart', attrs: { role: 'img', 'aria-label': seriesWords(series) } });
  const first = series[0];
  const last = series[series.length - 1];
  const highest = Math.max(0, ...series.map((p) => p.usd), budgetUsd ?? 0);
  // Under a cent is not worth a scale: its axis would read $0.011 over a line that looks flat.
  if (!first || !last || highest < 0.01) {
    figure.classList.add('empty');
    figure.append(el('p', { className: 'empty-label', text: first ? 'Under a cent so far this month: nothing to chart yet.' : 'No cost recorded this month yet.' }));
    return figure;
  }
  const top = niceCeiling(highest);
  const start = new Date(first.at);
  const monthStart = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1);
  const monthEnd = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
  const xShare = (at: string) => (Date.parse(at) - monthStart) / (monthEnd - monthStart);
  const yShare = (value: number) => 1 - value / top;

  const plot = svg('svg', { class: 'plot', width: '100%', height: '100%', 'aria-hidden': 'true' });
  plot.append(
    svg('line', { class: 'grid', x1: '0', x2: '100%', y1: '0.5', y2: '0.5' }),
    svg('line', { class: 'grid', x1: '0', x2: '100%', y1: '50%', y2: '50%' }),
  );
  const trace = svg('svg', { class: 'trace', width: '100%', height: '100%', viewBox: `0 0 ${TRACE} ${TRACE}`, preserveAspectRatio: 'none' });
  const points = series.map((p) => `${(Math.min(Math.max(xShare(p.at), 0), 1) * TRACE).toFixed(1)},${(yShare(p.usd) * TRACE).toFixed(1)}`);
  const x0 = (Math.max(xShare(first.at), 0) * TRACE).toFixed(1);
  const x1 = (Math.min(xShare(last.at), 1) * TRACE).toFixed(1);
  trace.append(
    svg('path', { class: 'area', d: `M${x0},${TRACE} L${points.join(' L')} L${x1},${TRACE} Z` }),
    svg('polyline', { class: 'line', points: points.join(' '), 'vector-effect': 'non-scaling-stroke' }),
  );
  plot.append(trace, svg('line', { class: 'axis', x1: '0', x2: '100%', y1: '100%', y2: '100%' }));
  if (budgetUsd !== undefined && budgetUsd > 0) {
    const y = pct(yShare(budgetUsd));
    plot.append(svg('line', { class: 'budget-line', x1: '0', x2: '100%', y1: y, y2: y }), text('budget-label', `budget ${usd(budgetUsd)}`, { x: '100%', y, dy: '-4', 'text-anchor': 'end' }));
  }
  for (const point of series) {
    const title = svg('title');
    title.textContent = `${day(point.at)}: ${usd(point.usd)} so far`;
    plot.append(svg('circle', { class: 'point', cx: pct(xShare(point.at)), cy: pct(yShare(point.usd)), r: 2.5 }, title));
  }
  const nearEnd = xShare(last.at) > 0.8;
  plot.append(text('value-label', usd(last.usd), { x: pct(xShare(last.at)), y: pct(yShare(last.usd)), dx: nearEnd ? '-6' : '6', dy: '-6', 'text-anchor': nearEnd ? 'end' : 'start' }));

  figure.append(
    el('div', { className: 'y-axis', attrs: { 'aria-hidden': 'true' } },
      el('span', { className: 'axis-label', text: axisUsd(top) }), el('span', { className: 'axis-label', text: axisUsd(top / 2) }), el('span', { className: 'axis-label', text: '$0' })),
    el('div', { className: 'plot-area' }, plot),
    el('div', { className: 'x-axis', attrs: { 'aria-hidden': 'true' } },
      el('span', { className: 'axis-label', text: day(new Date(monthStart).toISOString()) }), el('span', { className: 'axis-label', text: day(new Date(monthEnd - 1).toISOString()) })),
  );
  return figure;
}
