import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { callEvent, openHarness, sync, wireEvent, type Harness } from '../support/harness.js';

/** Reads server-sent events from a response body; `until` resolves once the events so far satisfy a test. */
function sseReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: any }[] = [];
  let buffer = '';
  return {
    async until(test: (events: { event: string; data: any }[]) => boolean) {
      while (!test(events)) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
      return events;
    },
    cancel: () => reader.cancel(),
  };
}

async function readEvents(response: Response, until: (events: { event: string; data: any }[]) => boolean) {
  const r = sseReader(response);
  const events = await r.until(until);
  await r.cancel();
  return events;
}

describe.each(backends)('live stream and snapshot on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  const live = (site: string, token: string | null, useHeader = false) => {
    const abort = new AbortController();
    const url = `https://api.opsmantik.test/api/live?site=${site}${token && !useHeader ? `&token=${encodeURIComponent(token)}` : ''}`;
    const request = new Request(url, { signal: abort.signal, headers: token && useHeader ? { authorization: `Bearer ${token}` } : {} });
    return { response: h.handler(request), abort };
  };

  it('streams the site sessions, events and calls, and never another site rows', async () => {
    const other = await h.newSite();
    const { response, abort } = live(h.site.publicId, h.site.liveToken);
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = sseReader(res);
    // `ready` comes once the LISTEN is in place: everything written after it is announced.
    await stream.until((evs) => evs.some((e) => e.event === 'ready'));
    await sync(h.handler, wireEvent(other.publicId, { meta: { fp: 'fp-live' } }));
    const mine = wireEvent(h.site.publicId, { meta: { fp: 'fp-live' } });
    await sync(h.handler, mine);
    await callEvent(h.handler, { site_id: h.site.publicId, phone_number: '+1 202 555 0100', fingerprint: 'fp-live' });
    const events = await stream.until((evs) => evs.some((e) => e.event === 'change' && e.data.table === 'calls'));
    await stream.cancel();
    abort.abort();
    expect(events[0]).toEqual({ event: 'ready', data: {} });
    const changes = events.filter((e) => e.event === 'change').map((e) => e.data);
    expect(changes.every((c) => c.site_id === h.site.id)).toBe(true);
    const tables = new Set(changes.map((c) => c.table));
    expect(tables).toEqual(new Set(['sessions', 'events', 'calls']));
    expect(changes.find((c) => c.table === 'events').record.session_id).toBe(mine.sid);
    expect(changes.find((c) => c.table === 'calls').record.matched_session_id).toBe(mine.sid);
  });

  it('accepts the token as a bearer header too', async () => {
    const { response, abort } = live(h.site.publicId, h.site.liveToken, true);
    const res = await response;
    expect(res.status).toBe(200);
    const events = await readEvents(res, (evs) => evs.length > 0);
    expect(events[0]!.event).toBe('ready');
    abort.abort();
  });

  it('refuses a missing token, a wrong one and another site token', async () => {
    const other = await h.newSite();
    for (const token of [null, 'oml_wrong', other.liveToken]) {
      const { response } = live(h.site.publicId, token);
      const res = await response;
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ status: 'error', error: 'unauthorized' });
    }
    const { response } = live('no-such-site', h.site.liveToken);
    expect((await response).status).toBe(404);
  });

  it('gives a snapshot of the latest sessions with their events, and calls', async () => {
    const fresh = await h.newSite();
    const e = wireEvent(fresh.publicId, { u: 'https://shop.example/?gclid=G-snap', meta: { fp: 'fp-snap' } });
    await sync(h.handler, [e, wireEvent(fresh.publicId, { sid: e.sid, ec: 'conversion', ea: 'form' })]);
    await callEvent(h.handler, { site_id: fresh.publicId, phone_number: '+1 202 555 0101', fingerprint: 'fp-snap' });
    const res = await h.handler(new Request(`https://api.opsmantik.test/api/sessions?site=${fresh.publicId}&token=${encodeURIComponent(fresh.liveToken)}`));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.sessions).toHaveLength(1);
    expect(body.sessions[0]).toMatchObject({ id: e.sid, attribution: 'paid', gclid: 'G-snap', lead_score: 50, event_count: 2 });
    expect(body.sessions[0].events.map((x: any) => x.category).sort()).toEqual(['conversion', 'pageview']);
    expect(body.calls).toHaveLength(1);
    expect(body.calls[0]).toMatchObject({ status: 'matched', matched_session_id: e.sid });
    const denied = await h.handler(new Request(`https://api.opsmantik.test/api/sessions?site=${fresh.publicId}&token=${encodeURIComponent(h.site.liveToken)}`));
    expect(denied.status).toBe(401);
  });
});

// Issue 12, finding 8: changes committed while the server's LISTEN connection reconnects were never
// announced, and nothing told the viewer. PostgreSQL only: PGlite runs in-process and has no
// connection to lose.
describe.runIf(backends.includes('postgres'))('live stream across a lost LISTEN connection on postgres', () => {
  it('sends ready again ({"resync":true}) once LISTEN is back, so the viewer reloads the snapshot', async () => {
    const h = await openHarness('postgres');
    const abort = new AbortController();
    try {
      const url = `https://api.opsmantik.test/api/live?site=${h.site.publicId}&token=${encodeURIComponent(h.site.liveToken)}`;
      const res = await h.handler(new Request(url, { signal: abort.signal }));
      const stream = sseReader(res);
      await stream.until((evs) => evs.some((e) => e.event === 'ready'));
      // The server's listening connection dies (a restart, a proxy, an operator's pg_terminate_backend).
      const killed = await h.db.query<{ ok: boolean }>(
        `select pg_terminate_backend(pid) as ok from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen %'`);
      expect(killed.map((r) => r.ok)).toEqual([true]);
      const events = await stream.until((evs) => evs.filter((e) => e.event === 'ready').length >= 2);
      expect(events.filter((e) => e.event === 'ready').map((e) => e.data)).toEqual([{}, { resync: true }]);
      // And changes are announced again.
      await sync(h.handler, wireEvent(h.site.publicId));
      await stream.until((evs) => evs.some((e) => e.event === 'change'));
      await stream.cancel();
    } finally {
      abort.abort();
      await h.close();
    }
  });
});
