/**
 * The dashboard's parts as DOM built from API answers: KPI tiles, a breakdown table, the leads
 * list and one lead's timeline. Buttons and links carry data-* attributes; app.js listens once
 * for all of them. Visitor data goes in as text only (see ../dom.js, served as ./lib/dom.js).
 */
import { h } from './lib/dom.js';
import { delta, percent, sortRows, writeState } from './query.js';

const TILES = [
  ['visitors', 'Visitors'],
  ['sessions', 'Sessions'],
  ['leads', 'Leads'],
  ['conversions', 'Conversions'],
  ['conversion_rate', 'Conversion rate'],
  ['calls_matched', 'Calls matched'],
  ['calls_unmatched', 'Calls unmatched'],
  ['visitors_now', 'Visitors now'],
];

const fmtNumber = (n) => Number(n).toLocaleString('en');
export const when = (iso) =>
  iso ? new Date(iso).toLocaleString('en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }) : '';

export function tilesView(stats) {
  return h(
    'ul',
    { class: 'tiles' },
    TILES.map(([k, name]) => {
      const v = stats.tiles[k];
      const before = stats.previous[k];
      const label = k === 'leads' ? `${name} (score ≥ ${stats.threshold})` : k === 'visitors_now' ? `${name} (5 min)` : name;
      return h(
        'li',
        { class: 'tile', 'data-tile': k, 'data-value': v },
        h('span', { class: 'label', text: label }),
        h('strong', { class: 'value', text: k === 'conversion_rate' ? percent(v) : fmtNumber(v) }),
        k === 'visitors_now'
          ? h('span', { class: 'delta', text: 'right now' })
          : h('span', { class: 'delta', title: `previous period: ${k === 'conversion_rate' ? percent(before) : before}`, text: `${delta(v, before) || '–'} vs previous` }),
      );
    }),
  );
}

const COLUMNS = [
  ['visitors', 'Visitors'],
  ['sessions', 'Sessions'],
  ['leads', 'Leads'],
  ['conversions', 'Conv.'],
  ['calls', 'Calls'],
];

/** One breakdown: a table sortable by each column, each value a filter button. */
export function breakdownView(dim, title, rows, sort, active) {
  const sorted = sortRows(rows, sort.key, sort.desc);
  const header = (key, name) =>
    h(
      'th',
      { scope: 'col', 'aria-sort': sort.key === key ? (sort.desc ? 'descending' : 'ascending') : null },
      h('button', { type: 'button', class: 'sort', 'data-sort-dim': dim, 'data-sort-key': key, text: `${name}${sort.key === key ? (sort.desc ? ' ▾' : ' ▴') : ''}` }),
    );
  return h(
    'section',
    { class: 'panel breakdown', 'data-dim': dim, 'aria-labelledby': `bd-${dim}` },
    h('div', { class: 'panel-head' }, h('h2', { id: `bd-${dim}`, text: title }), h('button', { type: 'button', class: 'csv', 'data-csv': dim, text: 'CSV' })),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, header('value', title), COLUMNS.map(([k, n]) => header(k, n)))),
        h(
          'tbody',
          {},
          sorted.length
            ? sorted.map((r) =>
                h(
                  'tr',
                  { 'data-value': r.value, class: active === r.value ? 'active' : null },
                  h('th', { scope: 'row' }, h('button', { type: 'button', class: 'filter', 'data-filter-dim': dim, 'data-filter-value': r.value, 'aria-pressed': active === r.value ? 'true' : 'false', title: `Show only ${r.value}`, text: r.value })),
                  COLUMNS.map(([k]) => h('td', { 'data-col': k, text: fmtNumber(r[k]) })),
                ),
              )
            : h('tr', {}, h('td', { colspan: COLUMNS.length + 1, class: 'empty', text: 'Nothing in this period.' })),
        ),
      ),
    ),
  );
}

export function leadsView(st, page, total, from) {
  const link = (r) => writeState({ ...st, lead: r.id, month: r.month });
  return h(
    'table',
    { class: 'leads' },
    h('caption', { class: 'visually-hidden', text: `Leads ${from + 1} to ${from + page.leads.length} of ${total}` }),
    h('thead', {}, h('tr', {}, ['Started', 'Score', 'Attribution', 'Campaign', 'Keyword', 'Landing page', 'Device', 'Call'].map((t) => h('th', { scope: 'col', text: t })))),
    h(
      'tbody',
      {},
      page.leads.length
        ? page.leads.map((r) =>
            h(
              'tr',
              { 'data-lead': r.id, 'data-score': r.lead_score },
              h('td', {}, h('a', { href: link(r), 'data-open-lead': r.id, text: when(r.created_at) })),
              h('td', {}, h('span', { class: `score ${r.lead_score >= 70 ? 'hot' : 'warm'}`, text: r.lead_score })),
              h('td', { text: r.attribution }),
              h('td', { text: r.campaign }),
              h('td', { text: r.keyword }),
              h('td', { class: 'url', text: r.landing }),
              h('td', { text: r.device }),
              h('td', { text: r.call_time ? `${when(r.call_time)}${r.calls > 1 ? ` (+${r.calls - 1})` : ''}` : '' }),
            ),
          )
        : h('tr', {}, h('td', { colspan: 8, class: 'empty', text: 'No leads in this period.' })),
    ),
  );
}

const FIELDS = [
  ['Score', (s) => s.lead_score],
  ['Attribution', (s) => s.attribution],
  ['Source', (s) => s.source],
  ['Campaign', (s) => s.utm?.utm_campaign],
  ['Keyword', (s) => s.utm?.utm_term],
  ['Landing page', (s) => s.landing_url],
  ['Referrer', (s) => s.referrer],
  ['Device', (s) => s.device],
  ['Click id', (s) => s.gclid || s.gbraid || s.wbraid],
  ['Started', (s) => when(s.created_at)],
];

/** A lead's page: its facts, then every event and call in time order. */
export function leadView(st, detail) {
  const s0 = detail.session;
  const items = [
    ...detail.events.map((e) => ({ at: e.created_at, kind: 'event', e })),
    ...detail.calls.map((c) => ({ at: c.call_time, kind: 'call', c })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.kind === 'call' ? 1 : -1));
  return h(
    'article',
    { class: 'lead-page', 'data-session': s0.id },
    h('p', {}, h('a', { href: writeState({ ...st, lead: '', month: '' }), 'data-close-lead': '1', text: '← All leads' })),
    h('h2', { tabindex: '-1', text: `Session ${String(s0.id).slice(0, 8)}` }),
    h('dl', { class: 'facts' }, FIELDS.flatMap(([k, f]) => [h('dt', { text: k }), h('dd', { text: f(s0) ?? '–' })])),
    h('h3', { text: `Timeline (${detail.events.length} events, ${detail.calls.length} calls)` }),
    h(
      'ol',
      { class: 'timeline' },
      items.map((it) =>
        it.kind === 'call'
          ? h('li', { class: 'call', 'data-call': it.c.id }, h('time', { text: when(it.at) }), h('strong', { text: `Phone call ${it.c.phone_number}` }), ` ${it.c.status} · ${it.c.source}`)
          : h(
              'li',
              { class: `ev ${it.e.category}`, 'data-event': it.e.id },
              h('time', { text: when(it.at) }),
              h('strong', { text: `${it.e.category} · ${it.e.action}` }),
              it.e.label ? ` ${it.e.label}` : '',
              it.e.value != null ? ` (${it.e.value})` : '',
              h('span', { class: 'url', text: it.e.url || '' }),
            ),
      ),
    ),
  );
}
