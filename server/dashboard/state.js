/**
 * The live view's model: the latest sessions (with their events) and calls of one site, built from
 * the server's snapshot (GET /api/sessions) and kept current by its change stream (GET /api/live).
 * Plain data in, plain data out: no DOM here.
 *
 * Snapshot rows and change records name event fields differently (`category` vs `event_category`);
 * both are normalised here. A change may be `truncated` (the row was too large for pg_notify), so
 * records are merged into what is known, never assumed complete.
 */

/** Most sessions and calls kept in memory; the view shows the newest. */
export const KEEP = 200;

/** @typedef {{ id: string, category: string, action: string, label: string|null, value: number|null, url: string|null, at: string }} LiveEvent */
/** @typedef {{ id: string, month: string|null, attribution: string, lead_score: number, gclid: string|null, gbraid: string|null, wbraid: string|null, fingerprint: string|null, referrer: string|null, landing_url: string|null, event_count: number, created_at: string|null, last_at: string|null, events: LiveEvent[] }} LiveSession */
/** @typedef {{ id: string, phone_number: string, status: string, matched_session_id: string|null, lead_score: number|null, at: string|null }} LiveCall */

export function emptyState() {
  return { /** @type {Map<string, LiveSession>} */ sessions: new Map(), /** @type {Map<string, LiveCall>} */ calls: new Map() };
}

const iso = (v) => (v == null ? null : String(v));
const num = (v, fallback = null) => (v == null || v === '' || !Number.isFinite(Number(v)) ? fallback : Number(v));

/** @returns {LiveEvent} */
function toEvent(r) {
  return {
    id: String(r.id),
    category: String(r.category ?? r.event_category ?? ''),
    action: String(r.action ?? r.event_action ?? ''),
    label: r.label ?? r.event_label ?? null,
    value: num(r.value ?? r.event_value),
    url: r.url == null ? null : String(r.url),
    at: iso(r.created_at) ?? new Date().toISOString(),
  };
}

/** @returns {LiveSession} */
function newSession(id) {
  return {
    id,
    month: null,
    attribution: 'organic',
    lead_score: 0,
    gclid: null,
    gbraid: null,
    wbraid: null,
    fingerprint: null,
    referrer: null,
    landing_url: null,
    event_count: 0,
    created_at: null,
    last_at: null,
    events: [],
  };
}

const SESSION_FIELDS = ['attribution', 'gclid', 'gbraid', 'wbraid', 'fingerprint', 'referrer', 'landing_url'];

/** Copies the fields a record carries onto a session (absent fields keep what is known). */
function mergeSession(s, r) {
  for (const k of SESSION_FIELDS) if (k in r) s[k] = r[k];
  if ('lead_score' in r) s.lead_score = num(r.lead_score, 0);
  if ('event_count' in r) s.event_count = Math.max(s.event_count, num(r.event_count, 0));
  if (r.month != null) s.month = String(r.month);
  else if (r.created_month != null) s.month = String(r.created_month).slice(0, 7);
  if (r.created_at != null) s.created_at = iso(r.created_at);
  const last = iso(r.last_event_at);
  if (last && (!s.last_at || last > s.last_at)) s.last_at = last;
}

function addEvent(s, e) {
  if (s.events.some((x) => x.id === e.id)) return;
  s.events.push(e);
  // Scroll milestones reached in one frame share a time and may arrive in any order: by value then.
  s.events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : (a.value ?? -1) - (b.value ?? -1)));
  if (!s.last_at || e.at > s.last_at) s.last_at = e.at;
  s.event_count = Math.max(s.event_count, s.events.length);
}

/** @returns {LiveCall} */
function toCall(r, known) {
  const c = known ?? { id: String(r.id), phone_number: '', status: 'unmatched', matched_session_id: null, lead_score: null, at: null };
  if ('phone_number' in r) c.phone_number = String(r.phone_number);
  if ('status' in r) c.status = String(r.status);
  if ('matched_session_id' in r) c.matched_session_id = r.matched_session_id ?? null;
  if ('lead_score' in r) c.lead_score = num(r.lead_score);
  c.at = iso(r.call_time ?? r.created_at) ?? c.at;
  return c;
}

function trim(map, key) {
  if (map.size <= KEEP) return;
  const sorted = [...map.values()].sort((a, b) => (key(a) < key(b) ? 1 : -1));
  for (const old of sorted.slice(KEEP)) map.delete(old.id);
}

const sessionKey = (s) => s.last_at ?? s.created_at ?? '';
const callKey = (c) => c.at ?? '';

/**
 * Merges a snapshot ({ sessions, calls }) into the state. Changes that arrived while the snapshot
 * was on its way are kept: events are a union by id, and a session's counters never go back.
 */
export function applySnapshot(state, snapshot) {
  for (const r of snapshot.sessions ?? []) {
    const id = String(r.id);
    const s = state.sessions.get(id) ?? newSession(id);
    mergeSession(s, r);
    for (const e of r.events ?? []) addEvent(s, toEvent(e));
    state.sessions.set(id, s);
  }
  for (const r of snapshot.calls ?? []) {
    const id = String(r.id);
    state.calls.set(id, toCall(r, state.calls.get(id)));
  }
  trim(state.sessions, sessionKey);
  trim(state.calls, callKey);
  return state;
}

/**
 * Applies one change from the stream: { table, op, site_id, record, truncated? }.
 * Returns what it touched ({ session?: id, call?: id }) so the view can highlight it.
 */
export function applyChange(state, change) {
  const r = change?.record;
  if (!r || r.id == null) return {};
  const id = String(r.id);
  if (change.table === 'sessions') {
    if (change.op === 'DELETE') {
      state.sessions.delete(id);
      return {};
    }
    const s = state.sessions.get(id) ?? newSession(id);
    mergeSession(s, r);
    state.sessions.set(id, s);
    trim(state.sessions, sessionKey);
    return { session: id };
  }
  if (change.table === 'events') {
    const sid = r.session_id == null ? null : String(r.session_id);
    if (!sid) return {};
    const s = state.sessions.get(sid);
    if (change.op === 'DELETE') {
      if (s) s.events = s.events.filter((e) => e.id !== id);
      return {};
    }
    // The session's own INSERT comes first; a missing one (trimmed, or opened mid-transaction) is made up.
    const target = s ?? newSession(sid);
    if (!s) {
      target.month = r.session_month == null ? null : String(r.session_month).slice(0, 7);
      state.sessions.set(sid, target);
    }
    // A truncated record has no label or value, but still says what happened.
    if (r.event_category != null) addEvent(target, toEvent(r));
    return { session: sid };
  }
  if (change.table === 'calls') {
    if (change.op === 'DELETE') {
      state.calls.delete(id);
      return {};
    }
    state.calls.set(id, toCall(r, state.calls.get(id)));
    trim(state.calls, callKey);
    return { call: id };
  }
  return {};
}

/** Sessions, newest activity first. */
export function sessionsByActivity(state) {
  return [...state.sessions.values()].sort((a, b) => (sessionKey(a) < sessionKey(b) ? 1 : sessionKey(a) > sessionKey(b) ? -1 : 0));
}

/** Calls, newest first. */
export function callsByTime(state) {
  return [...state.calls.values()].sort((a, b) => (callKey(a) < callKey(b) ? 1 : callKey(a) > callKey(b) ? -1 : 0));
}

export const ATTRIBUTIONS = ['paid', 'ads_assisted', 'organic'];
/** A session counts as a lead from this score on (a conversion alone gives 50). */
export const HOT_LEAD = 50;

/** For the chart: per attribution, how many sessions, how many hot leads, and their mean score. */
export function leadsByAttribution(state) {
  const rows = ATTRIBUTIONS.map((attribution) => ({ attribution, sessions: 0, leads: 0, scoreSum: 0 }));
  for (const s of state.sessions.values()) {
    const row = rows.find((x) => x.attribution === s.attribution) ?? rows[2];
    row.sessions += 1;
    row.scoreSum += s.lead_score;
    if (s.lead_score >= HOT_LEAD) row.leads += 1;
  }
  return rows.map(({ scoreSum, ...r }) => ({ ...r, meanScore: r.sessions ? Math.round(scoreSum / r.sessions) : 0 }));
}

/** The click id of a session as shown: which kind and its value. */
export function clickIdOf(s) {
  if (s.gclid) return { kind: 'gclid', value: s.gclid };
  if (s.gbraid) return { kind: 'gbraid', value: s.gbraid };
  if (s.wbraid) return { kind: 'wbraid', value: s.wbraid };
  return null;
}
