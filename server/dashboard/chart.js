/**
 * "Leads by attribution": one horizontal bar per attribution, the whole bar for its sessions and
 * the dark part for its hot leads (score >= HOT_LEAD), as inline SVG so it needs no library.
 */
import { s } from './dom.js';
import { HOT_LEAD } from './state.js';

const NAMES = { paid: 'Paid (click id)', ads_assisted: 'Ads assisted', organic: 'Organic' };
const W = 360;
const LABEL = 110;
const ROW = 30;
const BAR = 16;

/** @param {{ attribution: string, sessions: number, leads: number, meanScore: number }[]} rows */
export function leadsChart(rows) {
  const max = Math.max(1, ...rows.map((r) => r.sessions));
  const scale = (n) => ((W - LABEL - 70) * n) / max;
  const height = rows.length * ROW + 6;
  return s(
    'svg',
    {
      viewBox: `0 0 ${W} ${height}`,
      width: W,
      height,
      role: 'img',
      'aria-label': rows.map((r) => `${NAMES[r.attribution] ?? r.attribution}: ${r.leads} leads of ${r.sessions} sessions`).join('; '),
    },
    rows.map((r, i) => {
      const y = i * ROW + 4;
      return s(
        'g',
        { class: `bar ${r.attribution}`, 'data-attribution': r.attribution, 'data-sessions': r.sessions, 'data-leads': r.leads },
        s('text', { x: 0, y: y + BAR - 3, class: 'bar-label', text: NAMES[r.attribution] ?? r.attribution }),
        s('rect', { x: LABEL, y, width: Math.max(scale(r.sessions), r.sessions ? 2 : 0), height: BAR, rx: 3, class: 'bar-sessions' }),
        s('rect', { x: LABEL, y, width: Math.max(scale(r.leads), r.leads ? 2 : 0), height: BAR, rx: 3, class: 'bar-leads' }),
        s('text', {
          x: LABEL + scale(r.sessions) + 6,
          y: y + BAR - 3,
          class: 'bar-value',
          text: `${r.leads}/${r.sessions}${r.sessions ? ` · ⌀${r.meanScore}` : ''}`,
        }),
      );
    }),
  );
}

export const chartLegend = `dark: leads (score ≥ ${HOT_LEAD}); light: all sessions; ⌀ mean lead score`;
