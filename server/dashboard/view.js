/**
 * Renders the model into the page: session cards (score, attribution, click id, events, matched
 * calls), the calls list and the chart. Rebuilt whole at most once per frame: a site owner's screen
 * holds a few hundred rows at most, which the browser redraws faster than a change arrives.
 */
import { h, clock, short } from './dom.js';
import { leadsChart, chartLegend } from './chart.js';
import { callsByTime, clickIdOf, leadsByAttribution, sessionsByActivity } from './state.js';

const SHOWN = 50;
const ATTRIBUTION_TEXT = { paid: 'paid', ads_assisted: 'ads assisted', organic: 'organic' };

// Campaign fields the session's own line already shows; a pageview chip is clearer without them.
const CAMPAIGN = /^(gclid|gbraid|wbraid|utm_\w+)$/;

/** Path and query of a URL, shortened for a chip or a line; `bare` leaves out the campaign fields. */
function pathOf(url, max, bare = false) {
  let text = url;
  try {
    const u = new URL(url);
    if (bare) for (const k of [...u.searchParams.keys()]) if (CAMPAIGN.test(k)) u.searchParams.delete(k);
    text = u.pathname + u.search;
  } catch {
    /* not a URL: show it as it is */
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function eventText(e) {
  if (e.category === 'scroll' && e.value != null) return `scroll ${e.value}%`;
  if (e.category === 'pageview') return e.url ? `view ${pathOf(e.url, 32, true)}` : 'pageview';
  const parts = [e.category, e.action];
  if (e.label) parts.push(e.label);
  return parts.join(' · ');
}

function scoreMeter(score) {
  const level = score >= 70 ? 'hot' : score >= 40 ? 'warm' : 'cold';
  return h(
    'div',
    { class: `score ${level}`, title: `Lead score ${score} of 100` },
    h('span', { class: 'score-value', 'data-score': score, text: score }),
    h('span', { class: 'score-bar' }, h('span', { class: 'score-fill', style: `width:${Math.max(0, Math.min(100, score))}%` })),
  );
}

function sessionCard(s, calls, fresh) {
  const click = clickIdOf(s);
  const path = s.landing_url ? pathOf(s.landing_url, 70) : '';
  return h(
    'li',
    {
      class: `session${fresh ? ' fresh' : ''}`,
      'data-session': s.id,
      'data-attribution': s.attribution,
      'data-score': s.lead_score,
      id: `s-${s.id}`,
    },
    h(
      'div',
      { class: 'session-head' },
      scoreMeter(s.lead_score),
      h('span', { class: `badge ${s.attribution}`, 'data-role': 'attribution', text: ATTRIBUTION_TEXT[s.attribution] ?? s.attribution }),
      h(
        'span',
        { class: 'clickid', 'data-role': 'click-id', title: click ? `${click.kind} ${click.value}` : 'no click id' },
        click ? [h('b', { text: click.kind }), ' ', click.value.length > 24 ? click.value.slice(0, 24) + '…' : click.value] : '—',
      ),
      h('span', { class: 'sid', title: s.id, text: `session ${short(s.id)}` }),
      h('span', { class: 'time', text: clock(s.last_at ?? s.created_at) }),
    ),
    h('div', { class: 'session-sub' }, h('span', { class: 'landing', text: path }), s.referrer ? h('span', { class: 'ref', text: `from ${s.referrer}` }) : null),
    h(
      'ol',
      { class: 'events', 'aria-label': `${s.events.length} events` },
      s.events.map((e) =>
        h('li', { class: `ev ${e.category}`, 'data-category': e.category, 'data-action': e.action, title: clock(e.at) }, eventText(e)),
      ),
    ),
    calls.length
      ? h(
          'ul',
          { class: 'session-calls' },
          calls.map((c) => h('li', { 'data-call': c.id }, `☎ ${c.phone_number} at ${clock(c.at)} (score ${c.lead_score ?? '—'})`)),
        )
      : null,
  );
}

function callRow(c, sessions, fresh) {
  const matched = c.matched_session_id ? sessions.get(c.matched_session_id) : undefined;
  return h(
    'li',
    { class: `call ${c.status}${fresh ? ' fresh' : ''}`, 'data-call': c.id, 'data-status': c.status, 'data-matched-session': c.matched_session_id ?? '' },
    h('span', { class: 'phone', text: `☎ ${c.phone_number}` }),
    h('span', { class: 'time', text: clock(c.at) }),
    c.matched_session_id
      ? h(
          'a',
          { class: 'matched', href: `#s-${c.matched_session_id}` },
          `session ${short(c.matched_session_id)}`,
          matched ? ` · ${ATTRIBUTION_TEXT[matched.attribution] ?? matched.attribution}` : '',
          ` · score ${c.lead_score ?? '—'}`,
        )
      : h('span', { class: 'unmatched-text', text: 'no matching session' }),
  );
}

/**
 * Binds a renderer to the page's containers. `render(state, touched)` redraws on the next frame;
 * `touched` ids are highlighted for a moment.
 */
export function createView(root) {
  const list = root.querySelector('#sessions');
  const callList = root.querySelector('#calls');
  const chart = root.querySelector('#chart');
  const counts = root.querySelector('#counts');
  const fresh = new Set();
  let pending = false;
  let last;

  const draw = () => {
    pending = false;
    const state = last;
    const sessions = sessionsByActivity(state).slice(0, SHOWN);
    const calls = callsByTime(state);
    const bySession = new Map();
    for (const c of calls) if (c.matched_session_id) bySession.set(c.matched_session_id, [...(bySession.get(c.matched_session_id) ?? []), c]);
    list.replaceChildren(
      ...(sessions.length
        ? sessions.map((s) => sessionCard(s, bySession.get(s.id) ?? [], fresh.has(s.id)))
        : [h('li', { class: 'empty', text: 'No sessions yet. Open a demo page in another tab.' })]),
    );
    callList.replaceChildren(
      ...(calls.length ? calls.slice(0, SHOWN).map((c) => callRow(c, state.sessions, fresh.has(c.id))) : [h('li', { class: 'empty', text: 'No calls yet.' })]),
    );
    chart.replaceChildren(leadsChart(leadsByAttribution(state)), h('p', { class: 'legend', text: chartLegend }));
    const plural = (n, one) => `${n} ${one}${n === 1 ? '' : 's'}`;
    counts.textContent = `${plural(state.sessions.size, 'session')} · ${plural(calls.length, 'call')}`;
    fresh.clear();
  };

  return {
    render(state, touched = {}) {
      last = state;
      if (touched.session) fresh.add(touched.session);
      if (touched.call) fresh.add(touched.call);
      if (!pending) {
        pending = true;
        requestAnimationFrame(draw);
      }
    },
  };
}

const UPLOAD_TEXT = { uploaded: 'sent', failed: 'retrying', rejected: 'refused', sending: 'sending' };

/**
 * The Google Ads upload panel from GET /api/ads/uploads: the last run, counts, and the latest
 * conversions with Google's error where there was one.
 */
export function renderAds(root, snapshot) {
  const panel = root.querySelector('#ads');
  if (!snapshot) {
    panel.replaceChildren(h('p', { class: 'empty', text: 'Not available.' }));
    return;
  }
  const run = snapshot.last_run;
  const c = snapshot.counts;
  panel.replaceChildren(
    h('p', { class: 'ads-run', 'data-status': run?.status ?? 'never' },
      run ? `Last run ${clock(run.at)}: ${run.status}${run.message ? ` (${run.message})` : ''}` : 'No upload through the API yet.'),
    h('p', { class: 'ads-counts', text: `${c.uploaded} sent · ${c.failed} retrying · ${c.rejected} refused` }),
    h(
      'ul',
      { class: 'ads-rows' },
      snapshot.uploads.map((u) =>
        h(
          'li',
          { class: `ads-row ${u.status}`, 'data-order': u.order_id, 'data-status': u.status, title: u.error_message ?? '' },
          h('span', { class: 'ads-status', text: UPLOAD_TEXT[u.status] ?? u.status }),
          ` ${u.kind} → ${u.conversion_action} (${u.click_id_kind})`,
          u.error_code ? h('span', { class: 'ads-error', text: ` ${u.error_code}` }) : null,
        ),
      ),
    ),
  );
}
