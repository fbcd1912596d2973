/**
 * Sessions, leads and calls over the period: one SVG line per series, hand-written (1.5 kB
 * gzipped) because the dashboard needs only lines, a grid and a value per point, where uPlot is
 * 22 kB gzipped (docs/server.md, Dashboard); the same numbers are in a table under it for screen
 * readers and keyboards.
 */
import { h, s } from './lib/dom.js';

export const SERIES = [
  ['sessions', 'Sessions'],
  ['leads', 'Leads'],
  ['calls', 'Calls'],
];
const W = 720;
const H = 220;
const PAD = { left: 36, right: 10, top: 10, bottom: 24 };

/** "Nov 3" for days, "14:00" for hours. */
export function bucketLabel(t, bucket) {
  const d = new Date(t);
  return bucket === 'hour'
    ? `${String(d.getUTCHours()).padStart(2, '0')}:00`
    : d.toLocaleDateString('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** A round top for the y axis: 1, 2, 5 times a power of ten. */
function niceMax(n) {
  if (n <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= n);
}

/** @param {{ t: string, sessions: number, leads: number, calls: number }[]} points */
export function timeChart(points, bucket) {
  const max = niceMax(Math.max(0, ...points.flatMap((p) => SERIES.map(([k]) => p[k]))));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (points.length > 1 ? (iw * i) / (points.length - 1) : iw / 2);
  const y = (v) => PAD.top + ih - (ih * v) / max;
  const grid = [0, 0.5, 1].map((f) =>
    s('g', { class: 'grid' }, s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(max * f), y2: y(max * f) }), s('text', { x: PAD.left - 6, y: y(max * f) + 4, 'text-anchor': 'end', text: Math.round(max * f) })),
  );
  const ticks = [0, Math.floor((points.length - 1) / 2), points.length - 1]
    .filter((i, n, all) => i >= 0 && all.indexOf(i) === n)
    .map((i) => s('text', { class: 'tick', x: x(i), y: H - 6, 'text-anchor': i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle', text: bucketLabel(points[i].t, bucket) }));
  const lines = SERIES.map(([k, name]) =>
    s(
      'g',
      { class: `series ${k}`, 'data-series': k },
      s('polyline', { points: points.map((p, i) => `${x(i).toFixed(1)},${y(p[k]).toFixed(1)}`).join(' ') }),
      points.length <= 96 ? points.map((p, i) => s('circle', { cx: x(i), cy: y(p[k]), r: 2.5 }, s('title', { text: `${bucketLabel(p.t, bucket)}: ${p[k]} ${name.toLowerCase()}` }))) : null,
    ),
  );
  const total = (k) => points.reduce((n, p) => n + p[k], 0);
  return h(
    'figure',
    { class: 'time-chart' },
    s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': SERIES.map(([k, name]) => `${name}: ${total(k)}`).join(', ') }, grid, ticks, lines),
    h('figcaption', { class: 'legend' }, SERIES.map(([k, name]) => h('span', { class: `key ${k}` }, name))),
    h(
      'details',
      { class: 'chart-table' },
      h('summary', { text: 'The chart as a table' }),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', { text: bucket === 'hour' ? 'Hour (UTC)' : 'Day (UTC)' }), SERIES.map(([, name]) => h('th', { text: name })))),
        h('tbody', {}, points.map((p) => h('tr', {}, h('td', { text: bucketLabel(p.t, bucket) }), SERIES.map(([k]) => h('td', { text: p[k] }))))),
      ),
    ),
  );
}
