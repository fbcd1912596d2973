/**
 * The dashboard's address is its state: site, period, filters and the open lead live in the query
 * string, so a view can be shared and reloaded. Plain functions, no DOM (tested in
 * server/test/unit/dashboard-query.test.ts).
 */

/** The breakdowns, in the order the page shows them, with their headings. */
export const DIMENSIONS = [
  ['attribution', 'Attribution'],
  ['campaign', 'Campaign'],
  ['keyword', 'Keyword'],
  ['source', 'Source / referrer'],
  ['landing', 'Landing page'],
  ['device', 'Device'],
];
const DIM_NAMES = DIMENSIONS.map(([d]) => d);
export const PERIODS = ['today', '7d', '30d', 'custom'];

/** @typedef {{ site: string, period: string, from: string, to: string, filters: Record<string,string>, lead: string, month: string }} ViewState */

/** @returns {ViewState} */
export function readState(search) {
  const p = new URLSearchParams(search);
  const filters = {};
  for (const d of DIM_NAMES) if (p.get(d)) filters[d] = p.get(d);
  const period = PERIODS.includes(p.get('period')) ? p.get('period') : '7d';
  return { site: p.get('site') || '', period, from: p.get('from') || '', to: p.get('to') || '', filters, lead: p.get('lead') || '', month: p.get('month') || '' };
}

/** The query string of a state (what the address bar shows). */
export function writeState(st) {
  const p = new URLSearchParams();
  if (st.site) p.set('site', st.site);
  p.set('period', st.period);
  if (st.period === 'custom') {
    p.set('from', st.from);
    p.set('to', st.to);
  }
  for (const d of DIM_NAMES) if (st.filters[d]) p.set(d, st.filters[d]);
  if (st.lead) {
    p.set('lead', st.lead);
    p.set('month', st.month);
  }
  return `?${p}`;
}

/** The API's query for a state: the site, the period and the filters (not the open lead). */
export function apiQuery(st, extra = {}) {
  const p = new URLSearchParams(writeState({ ...st, lead: '' }).slice(1));
  for (const [k, v] of Object.entries(extra)) if (v != null && v !== '') p.set(k, String(v));
  return p.toString();
}

/** A state with one filter set (or cleared with value null), back on the overview. */
export function withFilter(st, dim, value) {
  const filters = { ...st.filters };
  if (value == null) delete filters[dim];
  else filters[dim] = value;
  return { ...st, filters, lead: '', month: '' };
}

/** "+12%", "−40%", "new" or "" against the previous period. */
export function delta(now, before) {
  if (!before) return now ? 'new' : '';
  const pct = Math.round(((now - before) / before) * 100);
  return pct === 0 ? '±0%' : `${pct > 0 ? '+' : '−'}${Math.abs(pct)}%`;
}

/** Rows sorted by a column, numbers high to low by default, text A to Z. */
export function sortRows(rows, key, descending) {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c * sign || String(a.value).localeCompare(String(b.value));
  });
}

/** Percent with one decimal: 0.1675 -> "16.8%". */
export const percent = (ratio) => `${(Math.round(ratio * 1000) / 10).toFixed(1)}%`;
