import type { CostPointView } from '../../src/protocol/cost';
import { svg } from '../shared/dom';
import { day, seriesWords, usd } from './format';

const WIDTH = 480;
const HEIGHT = 140;
const LEFT = 56;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 22;

function label(x: number, y: number, words: string, anchor: 'start' | 'middle' | 'end', className = 'axis-label'): SVGTextElement {
  const text = svg('text', { class: className, x: x.toFixed(1), y: y.toFixed(1), 'text-anchor': anchor });
  text.textContent = words;
  return text;
}

/**
 * Cumulative cost over the month: a line and area over the whole month's width (the rest of the month stays
 * empty), a dot per day with its amount, and the budget as a dashed line when there is one. Colours come from
 * the stylesheet (theme variables).
 */
export function costChart(series: readonly CostPointView[], budgetUsd?: number): SVGSVGElement {
  const chart = svg('svg', { class: 'cost-chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': seriesWords(series) });
  const first = series[0];
  const last = series[series.length - 1];
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const floor = HEIGHT - BOTTOM;
  chart.append(svg('line', { class: 'axis', x1: LEFT, x2: WIDTH - RIGHT, y1: floor + 0.5, y2: floor + 0.5 }));
  if (!first || !last) {
    chart.append(label(LEFT + plotWidth / 2, TOP + plotHeight / 2, 'No cost recorded this month yet', 'middle', 'empty-label'));
    return chart;
  }
  const start = new Date(first.at);
  const monthStart = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1);
  const monthEnd = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
  const top = Math.max(0.01, ...series.map((p) => p.usd), budgetUsd ?? 0) * 1.05;
  const x = (at: string) => LEFT + (plotWidth * Math.min(Math.max(Date.parse(at) - monthStart, 0), monthEnd - monthStart)) / (monthEnd - monthStart);
  const y = (value: number) => floor - (plotHeight * value) / top;

  chart.append(label(LEFT - 6, TOP + 4, usd(top), 'end'), label(LEFT - 6, floor, '$0', 'end'));
  chart.append(label(LEFT, HEIGHT - 6, day(new Date(monthStart).toISOString()), 'start'), label(WIDTH - RIGHT, HEIGHT - 6, day(new Date(monthEnd - 1).toISOString()), 'end'));
  if (budgetUsd !== undefined) {
    chart.append(svg('line', { class: 'budget-line', x1: LEFT, x2: WIDTH - RIGHT, y1: y(budgetUsd).toFixed(1), y2: y(budgetUsd).toFixed(1) }));
    chart.append(label(WIDTH - RIGHT, y(budgetUsd) - 4, `budget ${usd(budgetUsd)}`, 'end'));
  }
  const points = series.map((p) => `${x(p.at).toFixed(1)},${y(p.usd).toFixed(1)}`);
  chart.append(svg('path', { class: 'area', d: `M${x(first.at).toFixed(1)},${floor} L${points.join(' L')} L${x(last.at).toFixed(1)},${floor} Z` }));
  chart.append(svg('polyline', { class: 'line', points: points.join(' ') }));
  for (const point of series) {
    const title = svg('title');
    title.textContent = `${day(point.at)}: ${usd(point.usd)} so far`;
    chart.append(svg('circle', { class: 'point', cx: x(point.at).toFixed(1), cy: y(point.usd).toFixed(1), r: 2.5 }, title));
  }
  chart.append(label(Math.min(x(last.at) + 4, WIDTH - RIGHT), Math.max(y(last.usd) - 6, TOP + 8), usd(last.usd), x(last.at) > WIDTH - 80 ? 'end' : 'start', 'value-label'));
  return chart;
}
