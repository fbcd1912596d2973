/**
 * The dashboard's wiring: who is signed in to which site, what the address asks for, loading and
 * drawing it, and refreshing it when the site's change stream says something was stored.
 */
import { signIn, signOut, signedInSites, tokenFor } from './auth.js';
import { downloadCsv, getJson, openStream, Unauthorized } from './api.js';
import { DIMENSIONS, readState, withFilter, writeState } from './query.js';
import { timeChart } from './chart.js';
import { breakdownView, leadView, leadsView, tilesView } from './views.js';

const PAGE = 100;
const $ = (id) => document.getElementById(id);

let st = readState(location.search);
if (!st.site) st.site = signedInSites()[0] || '';
/** Sort column per breakdown. */
const sorts = Object.fromEntries(DIMENSIONS.map(([d]) => [d, { key: 'sessions', desc: true }]));
/** The `before` cursors of the leads pages seen, the current page last. */
let cursors = [''];
let nextCursor = null;
let lastStats = null;
const lastRows = {};
let stream = null;
let streamSite = '';
let refreshTimer = 0;
let lastRefresh = 0;
/** The shortest time between two refreshes caused by the change stream. */
const LIVE_EVERY_MS = 3000;
let loading = 0;

function setStatus(kind, text) {
  const el = $('status');
  el.dataset.state = kind;
  el.textContent = text;
}

function showSignIn(message) {
  closeStream();
  $('board').hidden = true;
  const form = $('signin');
  form.hidden = false;
  form.elements.site.value = st.site;
  form.querySelector('.form-message').textContent = message || '';
  (st.site ? form.elements.token : form.elements.site).focus();
  renderSites();
}

function renderSites() {
  const select = $('site-select');
  const sites = signedInSites();
  select.replaceChildren(
    ...sites.map((s) => new Option(s, s, false, s === st.site)),
    new Option('Add a site…', '', false, !sites.includes(st.site)),
  );
  $('sign-out').hidden = !tokenFor(st.site);
}

/** Puts the period controls in step with the state. */
function syncControls() {
  $('period').value = st.period;
  $('custom').hidden = st.period !== 'custom';
  const today = new Date().toISOString().slice(0, 10);
  $('from').value = st.from || new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  $('to').value = st.to || today;
  $('filters').replaceChildren(
    ...Object.entries(st.filters).map(([dim, value]) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'chip';
      b.dataset.clearFilter = dim;
      b.title = 'Remove this filter';
      b.textContent = `${dim}: ${value} ✕`;
      return b;
    }),
  );
}

/** A new view: into the address bar (a shareable link) and onto the page. */
function go(next, push = true) {
  const siteChanged = next.site !== st.site;
  st = next;
  cursors = [''];
  if (push) history.pushState(null, '', writeState(st));
  if (siteChanged) void start();
  else void refresh();
}

function closeStream() {
  stream?.close();
  stream = null;
  streamSite = '';
}

/**
 * The site's change stream: a stored session, event or call refreshes the view. A busy site stores
 * several events a second and a refresh is 8 queries, so at most one refresh every few seconds.
 */
function connect(token) {
  if (stream && streamSite === st.site) return;
  closeStream();
  streamSite = st.site;
  stream = openStream(st.site, token);
  stream.addEventListener('ready', () => setStatus('live', 'live'));
  stream.addEventListener('change', () => {
    if (refreshTimer) return;
    const wait = Math.max(300, lastRefresh + LIVE_EVERY_MS - Date.now());
    refreshTimer = setTimeout(() => {
      refreshTimer = 0;
      void refresh();
    }, wait);
  });
  stream.addEventListener('error', () => {
    if (stream?.readyState === EventSource.CLOSED) {
      setStatus('off', 'disconnected');
      // A refused token (rotated) closes the stream for good: the next load says so.
      void refresh();
    } else setStatus('warn', 'reconnecting…');
  });
}

async function loadLeads(token) {
  const page = await getJson('/api/leads', st, token, { before: cursors[cursors.length - 1] });
  nextCursor = page.next;
  const from = (cursors.length - 1) * PAGE;
  $('leads').replaceChildren(leadsView(st, page, lastStats?.tiles.leads ?? page.leads.length, from));
  $('leads-page').textContent = page.leads.length ? `${from + 1}–${from + page.leads.length} of ${lastStats?.tiles.leads ?? '?'}` : '';
  $('newer').disabled = cursors.length === 1;
  $('older').disabled = !nextCursor;
}

async function refresh() {
  const token = tokenFor(st.site);
  if (!token) return showSignIn();
  const ticket = ++loading;
  lastRefresh = Date.now();
  document.body.dataset.loading = 'true';
  syncControls();
  try {
    if (st.lead) {
      const detail = await getJson('/api/lead', st, token, { id: st.lead, month: st.month });
      if (ticket !== loading) return;
      $('overview').hidden = true;
      $('lead').hidden = false;
      const wasOpen = $('lead').dataset.session === st.lead;
      $('lead').dataset.session = st.lead;
      $('lead').replaceChildren(leadView(st, detail));
      if (!wasOpen) $('lead').querySelector('h2')?.focus();
    } else {
      const [stats, ...tables] = await Promise.all([
        getJson('/api/stats', st, token),
        ...DIMENSIONS.map(([dim]) => getJson('/api/breakdown', st, token, { dim })),
      ]);
      if (ticket !== loading) return;
      lastStats = stats;
      $('lead').hidden = true;
      delete $('lead').dataset.session;
      $('overview').hidden = false;
      $('period-label').textContent = `${stats.period.from} – ${stats.period.to} (UTC), compared with ${stats.previous_period.from} – ${stats.previous_period.to}`;
      $('tiles').replaceChildren(tilesView(stats));
      $('chart').replaceChildren(timeChart(stats.series, stats.period.bucket));
      $('breakdowns').replaceChildren(
        ...DIMENSIONS.map(([dim, title], i) => {
          lastRows[dim] = tables[i].rows;
          return breakdownView(dim, title, tables[i].rows, sorts[dim], st.filters[dim]);
        }),
      );
      await loadLeads(token);
      if (ticket !== loading) return;
    }
    document.body.dataset.loading = 'false';
    document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
  } catch (err) {
    if (ticket !== loading) return;
    document.body.dataset.loading = 'false';
    if (err instanceof Unauthorized) {
      signOut(st.site);
      showSignIn(`The token for ${st.site} was refused (${err.message}) It may have been rotated: sign in again.`);
    } else setStatus('warn', `load failed: ${err.message}`);
  }
}

async function start() {
  syncControls();
  renderSites();
  const token = tokenFor(st.site);
  if (!st.site || !token) return showSignIn(st.site ? `Sign in to ${st.site} with its dashboard (live) token.` : '');
  $('signin').hidden = true;
  $('board').hidden = false;
  $('site-name').textContent = st.site;
  connect(token);
  await refresh();
}

// One listener for every button and link the views draw.
document.addEventListener('click', (e) => {
  const el = e.target instanceof Element ? e.target.closest('[data-filter-dim],[data-clear-filter],[data-sort-dim],[data-csv],[data-open-lead],[data-close-lead]') : null;
  if (!el) return;
  const d = el.dataset;
  if (d.filterDim) go(withFilter(st, d.filterDim, st.filters[d.filterDim] === d.filterValue ? null : d.filterValue));
  else if (d.clearFilter) go(withFilter(st, d.clearFilter, null));
  else if (d.sortDim) {
    const cur = sorts[d.sortDim];
    sorts[d.sortDim] = { key: d.sortKey, desc: cur.key === d.sortKey ? !cur.desc : d.sortKey !== 'value' };
    const section = el.closest('.breakdown');
    const title = DIMENSIONS.find(([x]) => x === d.sortDim)[1];
    const fresh = breakdownView(d.sortDim, title, lastRows[d.sortDim] ?? [], sorts[d.sortDim], st.filters[d.sortDim]);
    section.replaceWith(fresh);
    fresh.querySelector(`[data-sort-key="${d.sortKey}"]`)?.focus();
  } else if (d.csv) {
    downloadCsv(d.csv, st, tokenFor(st.site)).catch((err) => setStatus('warn', `export failed: ${err.message}`));
  } else if (d.openLead || d.closeLead) {
    if (e.ctrlKey || e.metaKey || e.shiftKey) return; // a new tab gets the link as it is
    e.preventDefault();
    const u = readState(new URL(el.getAttribute('href'), location.href).search);
    st = u;
    history.pushState(null, '', writeState(st));
    void refresh();
  }
});

$('newer').addEventListener('click', () => {
  if (cursors.length > 1) cursors.pop();
  void loadLeads(tokenFor(st.site));
});
$('older').addEventListener('click', () => {
  if (!nextCursor) return;
  cursors.push(nextCursor);
  void loadLeads(tokenFor(st.site));
});

$('period').addEventListener('change', () => {
  const period = $('period').value;
  $('custom').hidden = period !== 'custom';
  if (period !== 'custom') go({ ...st, period, from: '', to: '' });
});
$('custom').addEventListener('submit', (e) => {
  e.preventDefault();
  go({ ...st, period: 'custom', from: $('from').value, to: $('to').value });
});

$('site-select').addEventListener('change', () => {
  const site = $('site-select').value;
  if (!site) {
    st = { ...st, site: '' };
    return showSignIn('');
  }
  go({ ...readState(''), site });
});
$('sign-out').addEventListener('click', () => {
  signOut(st.site);
  st = { ...readState(''), site: signedInSites()[0] || '' };
  history.pushState(null, '', writeState(st));
  void start();
});

$('signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  const site = String(form.elements.site.value).trim();
  const token = String(form.elements.token.value).trim();
  try {
    await getJson('/api/stats', { ...readState(''), site, period: 'today' }, token);
  } catch (err) {
    form.querySelector('.form-message').textContent = err instanceof Unauthorized ? `Refused: ${err.message}` : `Could not check the token: ${err.message}`;
    return;
  }
  signIn(site, token);
  form.elements.token.value = '';
  // A shared link keeps its period and filters through the sign-in.
  if (site !== st.site) st = { ...readState(''), site };
  history.replaceState(null, '', writeState(st));
  void start();
});

window.addEventListener('popstate', () => {
  const next = readState(location.search);
  go(next.site ? next : { ...next, site: st.site }, false);
});

void start();
