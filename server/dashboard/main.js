/**
 * The live view's wiring: find the site and its live token, open the change stream, load the
 * snapshot, and keep the model and the page in step.
 *
 * Where the token comes from, in order: the address's fragment (`#site=demo&token=...`, as the demo
 * server prints it; a fragment never reaches a server log or a Referer), its query string, then
 * sessionStorage (a reload keeps working). Once read, it is removed from the address bar.
 */
import { applyChange, applySnapshot, emptyState } from './state.js';
import { createView, renderAds } from './view.js';

const STORE = 'opsmantik.live';

function credentials() {
  const fromHash = new URLSearchParams(location.hash.slice(1));
  const fromQuery = new URLSearchParams(location.search);
  let stored = {};
  try {
    stored = JSON.parse(sessionStorage.getItem(STORE) || '{}');
  } catch {
    /* storage blocked: the address must carry the token */
  }
  const site = fromHash.get('site') || fromQuery.get('site') || stored.site || 'demo';
  const token = fromHash.get('token') || fromQuery.get('token') || (stored.site === site ? stored.token : '');
  if (token) {
    try {
      sessionStorage.setItem(STORE, JSON.stringify({ site, token }));
    } catch {
      /* keep it in memory only */
    }
    if (fromHash.has('token') || fromQuery.has('token')) {
      fromQuery.delete('token');
      fromQuery.set('site', site);
      history.replaceState(null, '', `${location.pathname}?${fromQuery}`);
    }
  }
  return { site, token };
}

/** Where the API lives: this page's origin, or `?api=https://...` for a server elsewhere. */
const apiBase = () => new URLSearchParams(location.search).get('api') || location.origin;

function setStatus(kind, text) {
  const el = document.getElementById('status');
  el.dataset.state = kind;
  el.textContent = text;
}

function askForToken(site, message) {
  const form = document.getElementById('token-form');
  form.hidden = false;
  form.querySelector('[name=site]').value = site;
  if (message) form.querySelector('.form-message').textContent = message;
  if (form.dataset.bound) return;
  form.dataset.bound = '1';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    location.hash = new URLSearchParams({ site: String(data.get('site')), token: String(data.get('token')) }).toString();
    location.reload();
  });
}

async function start() {
  const { site, token } = credentials();
  document.getElementById('site').textContent = site;
  if (!token) {
    setStatus('off', 'no token');
    askForToken(site, 'Paste the live token the server printed on start.');
    return;
  }
  const state = emptyState();
  const view = createView(document);
  view.render(state);
  const query = new URLSearchParams({ site, token });
  const base = apiBase();

  const loadSnapshot = async () => {
    const res = await fetch(`${base}/api/sessions?${query}&limit=100`, { cache: 'no-store' });
    if (res.status === 401 || res.status === 404) {
      const body = await res.json().catch(() => ({}));
      throw Object.assign(new Error(body.message || `HTTP ${res.status}`), { fatal: true });
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    applySnapshot(state, await res.json());
    view.render(state);
  };

  // Google Ads uploads change at most once per upload run: read every minute, not streamed.
  const loadAds = async () => {
    const res = await fetch(`${base}/api/ads/uploads?${query}`, { cache: 'no-store' });
    renderAds(document, res.ok ? await res.json() : null);
  };
  loadAds().catch(() => renderAds(document, null));
  setInterval(() => loadAds().catch(() => undefined), 60_000);

  // The stream first, then the snapshot: a change made in between is in one or the other (or
  // both, which merging tolerates), never in neither. Each reconnection loads the snapshot again
  // to cover what happened while the stream was down.
  const stream = new EventSource(`${base}/api/live?${query}`);
  stream.addEventListener('ready', () => {
    setStatus('live', 'live');
    loadSnapshot().catch((err) => {
      if (err.fatal) {
        stream.close();
        setStatus('off', 'refused');
        askForToken(site, err.message);
      } else setStatus('warn', `snapshot failed: ${err.message}`);
    });
  });
  stream.addEventListener('change', (e) => {
    let change;
    try {
      change = JSON.parse(e.data);
    } catch {
      return;
    }
    view.render(state, applyChange(state, change));
  });
  stream.addEventListener('error', () => {
    if (stream.readyState === EventSource.CLOSED) {
      // EventSource gives up for good on an HTTP error (a wrong token is a 401): say why.
      setStatus('off', 'disconnected');
      loadSnapshot().catch((err) => err.fatal && askForToken(site, err.message));
    } else setStatus('warn', 'reconnecting…');
  });
}

start();
