import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { callEvent, counts, openHarness, sync, wireEvent, type Harness } from '../support/harness.js';

const MIN = 60_000;

describe.each(backends)('POST /api/call-event on %s', (kind) => {
  let h: Harness;
  let site: string;
  beforeAll(async () => {
    h = await openHarness(kind);
    site = h.site.publicId;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A session of `visitor` with one event at `at` (epoch ms); returns its id. */
  async function visit(visitor: string, at: number, extra: Partial<ReturnType<typeof wireEvent>> = {}) {
    const e = wireEvent(site, { t: at, meta: { fp: visitor }, ...extra });
    expect((await sync(h.handler, e)).status).toBe(200);
    return e.sid;
  }
  const fp = () => `fp-${randomUUID()}`;
  const iso = (ms: number) => new Date(ms).toISOString();
  const phone = '+90 532 555 12 34';
  const stored = '+905325551234';
  /** The site's own systems (telephony, CRM): the site secret instead of an Origin. */
  const server = (handler = h.handler) => (body: unknown) =>
    callEvent(handler, body, { origin: null, headers: { authorization: `Bearer ${h.site.secret}`, 'user-agent': 'curl/8.5.0' }, contentType: 'application/json' });

  it('a browser naming its own session: matched to it, with its score', async () => {
    const visitor = fp();
    const e = wireEvent(site, { t: Date.now() - 5 * MIN, meta: { fp: visitor }, ec: 'conversion', ea: 'phone_click' });
    await sync(h.handler, e);
    const res = await callEvent(h.handler, { site_id: site, phone_number: phone, sid: e.sid, sm: e.sm, fingerprint: visitor });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'matched', call_id: expect.any(String), session_id: e.sid, lead_score: 50 });
    const [row] = await h.db.query<any>('select * from public.calls where id = $1', [res.json.call_id]);
    expect(row).toMatchObject({
      status: 'matched', matched_session_id: e.sid, reported_session_id: e.sid, matched_fingerprint: visitor,
      lead_score: 50, phone_number: stored, source: 'tracker',
    });
  });

  it('a browser naming its own session needs no fingerprint (no consent, or the module blocked)', async () => {
    const e = wireEvent(site, { t: Date.now() - MIN, ec: 'conversion', ea: 'phone_click' });
    await sync(h.handler, e);
    const res = await callEvent(h.handler, { site_id: site, phone_number: phone, sid: e.sid, sm: e.sm });
    expect(res.json).toMatchObject({ status: 'matched', session_id: e.sid });
  });

  it('the site secret: matched by fingerprint to the session with an event in the 30 minutes before the call', async () => {
    const visitor = fp();
    const sid = await visit(visitor, Date.now() - 5 * MIN, { ec: 'conversion', ea: 'phone_click' });
    const res = await server()({ site_id: site, phone_number: phone, fingerprint: visitor });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'matched', call_id: expect.any(String), session_id: sid, lead_score: 50 });
    const [row] = await h.db.query<any>('select * from public.calls where id = $1', [res.json.call_id]);
    expect(row).toMatchObject({ status: 'matched', matched_session_id: sid, matched_fingerprint: visitor, lead_score: 50, phone_number: stored, source: 'server' });
  });

  it('window edges: an event 29:59 before the call matches, 30:01 before does not', async () => {
    const visitor = fp();
    const eventAt = Date.now() - 2 * 3600_000;
    await visit(visitor, eventAt);
    const inside = await server()({ site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(eventAt + 29 * MIN + 59_000) });
    expect(inside.json.status).toBe('matched');
    const outside = await server()({ site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(eventAt + 30 * MIN + 1000) });
    expect(outside.json).toEqual({ status: 'unmatched', call_id: expect.any(String), session_id: null, lead_score: null });
  });

  it('events after the call do not count', async () => {
    const visitor = fp();
    const eventAt = Date.now() - 3600_000;
    await visit(visitor, eventAt);
    const res = await server()({ site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(eventAt - 1000) });
    expect(res.json.status).toBe('unmatched');
  });

  it('picks the most recent of several sessions of that fingerprint', async () => {
    const visitor = fp();
    const now = Date.now();
    await visit(visitor, now - 20 * MIN);
    const recent = await visit(visitor, now - 2 * MIN);
    const res = await server()({ site_id: site, phone_number: phone, fingerprint: visitor });
    expect(res.json.session_id).toBe(recent);
  });

  it('records an unmatched call (unknown fingerprint) and never matches another site', async () => {
    const other = await h.newSite();
    const visitor = fp();
    const e = wireEvent(other.publicId, { meta: { fp: visitor } });
    await sync(h.handler, e);
    const before = await counts(h.db);
    const res = await server()({ site_id: site, phone_number: phone, fingerprint: visitor });
    expect(res.json).toMatchObject({ status: 'unmatched', session_id: null, lead_score: null });
    expect((await counts(h.db)).calls).toBe(before.calls + 1);
  });

  /** Rows stored for a fingerprint on this harness's database. */
  async function callRows(visitor: string) {
    return h.db.query<{ id: string; phone_number: string; call_time: Date }>(
      'select id, phone_number, call_time from public.calls where matched_fingerprint = $1 order by created_at, id', [visitor]);
  }

  it('a repeated call (same body and call_time, a tracker retry) is stored once and answered like the first', async () => {
    const visitor = fp();
    const now = Date.now();
    const sid = await visit(visitor, now - 5 * MIN, { ec: 'conversion', ea: 'phone_click' });
    const body = { site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(now - MIN) };
    const first = await server()(body);
    expect(first.json).toEqual({ status: 'matched', call_id: expect.any(String), session_id: sid, lead_score: 50 });
    const before = await counts(h.db);
    const again = await server()(body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(await counts(h.db)).toEqual(before);
    expect((await callRows(visitor)).map((r) => r.id)).toEqual([first.json.call_id]);
  });

  it('a repeat keeps the first answer even when a session would match it now', async () => {
    const visitor = fp();
    const callAt = Date.now() - MIN;
    const body = { site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(callAt) };
    const first = await server()(body);
    expect(first.json).toMatchObject({ status: 'unmatched', session_id: null, lead_score: null });
    // The visitor's events arrive after the first attempt (the tracker was offline).
    await visit(visitor, callAt - MIN);
    const again = await server()(body);
    expect(again.json).toEqual(first.json);
    expect(await callRows(visitor)).toHaveLength(1);
  });

  it('10 concurrent identical requests store one call and all get its id', async () => {
    const visitor = fp();
    const now = Date.now();
    const sid = await visit(visitor, now - 2 * MIN);
    const body = { site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(now - MIN) };
    const answers = await Promise.all(Array.from({ length: 10 }, () => server()(body)));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const rows = await callRows(visitor);
    expect(rows).toHaveLength(1);
    for (const a of answers) {
      expect(a.json).toEqual({ status: 'matched', call_id: rows[0]!.id, session_id: sid, lead_score: expect.any(Number) });
    }
  });

  it('the same call_time with another phone number or fingerprint is another call', async () => {
    const visitor = fp();
    const otherVisitor = fp();
    const at = iso(Date.now() - MIN);
    const a = await server()({ site_id: site, phone_number: phone, fingerprint: visitor, call_time: at });
    const b = await server()({ site_id: site, phone_number: '+90 212 555 00 00', fingerprint: visitor, call_time: at });
    const c = await server()({ site_id: site, phone_number: phone, fingerprint: otherVisitor, call_time: at });
    expect(new Set([a.json.call_id, b.json.call_id, c.json.call_id]).size).toBe(3);
    expect((await callRows(visitor)).map((r) => r.phone_number)).toEqual([stored, '+902125550000']);
    expect(await callRows(otherVisitor)).toHaveLength(1);
    // The same call on another site is another call too.
    const other = await h.newSite();
    const d = await callEvent(h.handler, { site_id: other.publicId, phone_number: phone, fingerprint: visitor, call_time: at },
      { origin: null, headers: { authorization: `Bearer ${other.secret}` } });
    expect(d.status).toBe(200);
    expect(d.json.call_id).not.toBe(a.json.call_id);
    expect(await callRows(visitor)).toHaveLength(3);
  });

  it('without call_time each request takes the server time, so two requests are two calls', async () => {
    let clock = Date.now();
    const handler = h.newHandler({ now: () => (clock += 1) });
    const visitor = fp();
    const body = { site_id: site, phone_number: phone, fingerprint: visitor };
    const a = await server(handler)(body);
    const b = await server(handler)(body);
    expect(b.json.call_id).not.toBe(a.json.call_id);
    const rows = await callRows(visitor);
    expect(rows.map((r) => r.id)).toEqual([a.json.call_id, b.json.call_id]);
    expect(rows[0]!.call_time.getTime()).toBeLessThan(rows[1]!.call_time.getTime());
  });

  it('server to server: the site secret replaces the Origin check', async () => {
    const visitor = fp();
    const sid = await visit(visitor, Date.now() - MIN);
    const ok = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor }, {
      origin: null,
      headers: { authorization: `Bearer ${h.site.secret}`, 'user-agent': 'curl/8.5.0' },
      contentType: 'application/json',
    });
    expect(ok.json).toMatchObject({ status: 'matched', session_id: sid });
    const [row] = await h.db.query<any>('select source from public.calls where id = $1', [ok.json.call_id]);
    expect(row.source).toBe('server');

    const before = await counts(h.db);
    const bad = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor }, {
      origin: null,
      headers: { authorization: 'Bearer oms_wrong' },
    });
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ status: 'error', error: 'unauthorized' });
    // Another site's secret is no good either.
    const other = await h.newSite();
    const cross = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor }, {
      origin: null,
      headers: { authorization: `Bearer ${other.secret}` },
    });
    expect(cross.status).toBe(401);
    expect(await counts(h.db)).toEqual(before);
  });

  it('without secret and without Origin it is a 403', async () => {
    const res = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: 'x' }, { origin: null });
    expect(res.status).toBe(403);
  });

  it('logs carry no phone number and no token', async () => {
    h.logs.length = 0;
    await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: 'fp-log' });
    await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: 'fp-log' }, { origin: null, headers: { authorization: `Bearer ${h.site.secret}` } });
    await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: 'fp-log' }, { origin: null, headers: { authorization: 'Bearer oms_guess' } });
    await h.handler(new Request(`https://api.opsmantik.test/api/sessions?site=${site}&token=${encodeURIComponent(h.site.liveToken)}`));
    expect(h.logs.length).toBeGreaterThanOrEqual(4);
    for (const entry of h.logs) expect(entry).toMatchObject({ level: expect.any(String), msg: expect.any(String) });
    const text = JSON.stringify(h.logs);
    expect(text).not.toContain('555');
    expect(text).not.toContain(h.site.secret);
    expect(text).not.toContain(h.site.liveToken);
    expect(text).not.toContain('oms_guess');
    expect(text).toContain('"path":"/api/call-event"');
  });
});
