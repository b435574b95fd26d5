import { HISTORY_LENGTH, type ServiceRow } from '../../src/protocol/health';
import { svg } from '../shared/dom';
import { historyWords, latency, timeOfDay } from './format';

const WIDTH = 240;
const HEIGHT = 36;
const SLOT = WIDTH / HISTORY_LENGTH;
const FLOOR = 3;

/**
 * A bar per recent check, newest on the right: height is latency relative to the slowest shown; failures
 * fill the height, unknown checks are a stub. Colours come from the stylesheet (theme variables).
 */
export function historyChart(row: ServiceRow): SVGSVGElement {
  const chart = svg('svg', { class: 'history', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': historyWords(row), preserveAspectRatio: 'none' });
  chart.append(svg('line', { class: 'baseline', x1: 0, x2: WIDTH, y1: HEIGHT - 0.5, y2: HEIGHT - 0.5 }));
  const slowest = Math.max(1, ...row.history.map((p) => p.latencyMs ?? 0));
  const offset = HISTORY_LENGTH - row.history.length;
  row.history.forEach((point, index) => {
    const failed = point.status === 'unhealthy' || point.status === 'stopped';
    const measured = point.latencyMs === undefined ? FLOOR : FLOOR + ((HEIGHT - FLOOR) * point.latencyMs) / slowest;
    const height = failed ? HEIGHT : point.status === 'unknown' ? FLOOR : measured;
    const title = svg('title');
    title.textContent = `${timeOfDay(point.at)}: ${point.status}${point.latencyMs === undefined ? '' : `, ${latency(point.latencyMs)}`}`;
    chart.append(svg('rect', {
      class: `bar status-${point.status}`,
      x: ((offset + index) * SLOT + 0.5).toFixed(2), y: (HEIGHT - height).toFixed(2),
      width: (SLOT - 1).toFixed(2), height: height.toFixed(2),
    }, title));
  });
  return chart;
}
