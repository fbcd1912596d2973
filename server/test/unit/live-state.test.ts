/**
 * The live view's model (server/dashboard/state.js), fed the shapes the server really sends: the
 * snapshot of GET /api/sessions and the change records of GET /api/live. Pure data, no browser.
 */
import { describe, expect, it } from 'vitest';
import { applyChange, applySnapshot, callsByTime, clickIdOf, emptyState, leadsByAttribution, sessionsByActivity, KEEP } from '../../dashboard/state.js';

const S1 = '11111111-1111-4111-8111-111111111111';
const S2 = '22222222-2222-4222-8222-222222222222';

const sessionRecord = (id: string, o: Record<string, unknown> = {}) => ({
  id, created_month: '2026-11-01', site_id: 'site', fingerprint: 'fp', gclid: null, attribution: 'organic', lead_score: 0,
  event_count: 0, created_at: '2026-11-25T10:00:00Z', last_event_at: null, ...o,
});
const eventRecord = (id: string, session: string, o: Record<string, unknown> = {}) => ({
  id, session_id: session, session_month: '2026-11-01', site_id: 'site', event_category: 'pageview', event_action: 'view',
  event_label: null, event_value: null, url: 'https://shop.example/', created_at: '2026-11-25T10:00:01Z', ...o,
});

describe('the live view model', () => {
  it('builds sessions, their events and calls from the stream, newest activity first', () => {
    const state = emptyState();
    expect(applyChange(state, { table: 'sessions', op: 'INSERT', record: sessionRecord(S1, { gclid: 'G1' }) })).toEqual({ session: S1 });
    applyChange(state, { table: 'events', op: 'INSERT', record: eventRecord('e1', S1) });
    applyChange(state, { table: 'sessions', op: 'UPDATE', record: sessionRecord(S1, { gclid: 'G1', attribution: 'paid', lead_score: 60, event_count: 1, last_event_at: '2026-11-25T10:00:01Z' }) });
    applyChange(state, { table: 'sessions', op: 'INSERT', record: sessionRecord(S2, { created_at: '2026-11-25T10:05:00Z' }) });
    expect(applyChange(state, { table: 'calls', op: 'INSERT', record: { id: 'c1', phone_number: '+1555', status: 'matched', matched_session_id: S1, lead_score: 60, call_time: '2026-11-25T10:01:00Z' } })).toEqual({ call: 'c1' });

    const [newest, older] = sessionsByActivity(state);
    expect(newest!.id).toBe(S2);
    expect(older).toMatchObject({ id: S1, attribution: 'paid', lead_score: 60, month: '2026-11', gclid: 'G1' });
    expect(older!.events.map((e) => [e.category, e.action, e.url])).toEqual([['pageview', 'view', 'https://shop.example/']]);
    expect(clickIdOf(older!)).toEqual({ kind: 'gclid', value: 'G1' });
    expect(callsByTime(state)).toMatchObject([{ id: 'c1', matched_session_id: S1, lead_score: 60 }]);
    expect(leadsByAttribution(state)).toEqual([
      { attribution: 'paid', sessions: 1, leads: 1, meanScore: 60 },
      { attribution: 'ads_assisted', sessions: 0, leads: 0, meanScore: 0 },
      { attribution: 'organic', sessions: 1, leads: 0, meanScore: 0 },
    ]);
  });

  it('merges a snapshot with changes that arrived before it, without going back', () => {
    const state = emptyState();
    // The stream is opened first: a newer change can arrive before an older snapshot.
    applyChange(state, { table: 'sessions', op: 'UPDATE', record: sessionRecord(S1, { lead_score: 70, event_count: 3 }) });
    applyChange(state, { table: 'events', op: 'INSERT', record: eventRecord('e3', S1, { event_category: 'conversion', event_action: 'lead_form', created_at: '2026-11-25T10:00:03Z' }) });
    applySnapshot(state, {
      sessions: [{
        id: S1, month: '2026-11', attribution: 'paid', lead_score: 70, event_count: 2, gclid: 'G1', created_at: '2026-11-25T10:00:00Z',
        events: [
          { id: 'e1', category: 'pageview', action: 'view', label: null, value: null, url: 'https://shop.example/', created_at: '2026-11-25T10:00:01Z' },
          { id: 'e2', category: 'scroll', action: 'depth', label: null, value: 50, url: 'https://shop.example/', created_at: '2026-11-25T10:00:02Z' },
        ],
      }],
      calls: [],
    });
    const s = state.sessions.get(S1)!;
    expect(s.events.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(s.event_count).toBe(3);
    expect(s.gclid).toBe('G1');
    // The same snapshot again (a reconnection) adds nothing.
    applySnapshot(state, { sessions: [{ id: S1, events: [{ id: 'e1', category: 'pageview', action: 'view', created_at: '2026-11-25T10:00:01Z' }] }] });
    expect(state.sessions.get(S1)!.events).toHaveLength(3);
  });

  it('copes with truncated records, events before their session, and deletes', () => {
    const state = emptyState();
    // An event whose session this page never saw (opened later, or trimmed): a placeholder holds it.
    applyChange(state, { table: 'events', op: 'INSERT', record: eventRecord('e1', S1) });
    expect(state.sessions.get(S1)).toMatchObject({ month: '2026-11', events: [{ id: 'e1' }] });
    // A truncated row keeps only identifying columns: what it lacks stays as known.
    applyChange(state, { table: 'sessions', op: 'UPDATE', truncated: true, record: { id: S1, site_id: 'site', lead_score: 15, attribution: 'organic' } });
    applyChange(state, { table: 'events', op: 'INSERT', truncated: true, record: { id: 'e2', session_id: S1, event_category: 'hover_intent', event_action: 'hover', created_at: '2026-11-25T10:00:02Z' } });
    expect(state.sessions.get(S1)).toMatchObject({ lead_score: 15, month: '2026-11' });
    expect(state.sessions.get(S1)!.events.map((e) => [e.id, e.category, e.label])).toEqual([['e1', 'pageview', null], ['e2', 'hover_intent', null]]);
    // A repeated change (a redelivered notification) adds nothing.
    applyChange(state, { table: 'events', op: 'INSERT', record: eventRecord('e1', S1) });
    expect(state.sessions.get(S1)!.events).toHaveLength(2);
    applyChange(state, { table: 'events', op: 'DELETE', record: { id: 'e2', session_id: S1 } });
    expect(state.sessions.get(S1)!.events.map((e) => e.id)).toEqual(['e1']);
    applyChange(state, { table: 'sessions', op: 'DELETE', record: { id: S1 } });
    expect(state.sessions.size).toBe(0);
    // Nonsense is ignored.
    expect(applyChange(state, { table: 'sessions', op: 'INSERT', record: {} })).toEqual({});
    expect(applyChange(state, { table: 'other', op: 'INSERT', record: { id: 'x' } })).toEqual({});
  });

  it('orders scroll milestones stored at the same moment by depth, whatever order they arrive in', () => {
    const state = emptyState();
    applyChange(state, { table: 'sessions', op: 'INSERT', record: sessionRecord(S1) });
    for (const [id, v] of [['a', 25], ['b', 90], ['c', 50], ['d', 75]] as const) {
      applyChange(state, { table: 'events', op: 'INSERT', record: eventRecord(id, S1, { event_category: 'scroll', event_action: 'depth', event_value: v }) });
    }
    expect(state.sessions.get(S1)!.events.map((e) => e.value)).toEqual([25, 50, 75, 90]);
  });

  it(`keeps the newest ${KEEP} sessions in memory`, () => {
    const state = emptyState();
    for (let n = 0; n < KEEP + 5; n++) {
      const at = new Date(Date.UTC(2026, 10, 25, 10, 0, n)).toISOString();
      applyChange(state, { table: 'sessions', op: 'INSERT', record: sessionRecord(`s-${n}`, { created_at: at }) });
    }
    expect(state.sessions.size).toBe(KEEP);
    expect(state.sessions.has('s-0')).toBe(false);
    expect(state.sessions.has(`s-${KEEP + 4}`)).toBe(true);
  });
});
