import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { callEvent, counts, openHarness, sync, wireEvent, type Harness } from './support/harness.js';

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

  it('matches the session with an event in the 30 minutes before the call and returns its score', async () => {
    const visitor = fp();
    const sid = await visit(visitor, Date.now() - 5 * MIN, { ec: 'conversion', ea: 'phone_click' });
    const res = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'matched', call_id: expect.any(String), session_id: sid, lead_score: 50 });
    const [row] = await h.db.query<any>('select * from public.calls where id = $1', [res.json.call_id]);
    expect(row).toMatchObject({ status: 'matched', matched_session_id: sid, matched_fingerprint: visitor, lead_score: 50, phone_number: phone, source: 'tracker' });
  });

  it('window edges: an event 29:59 before the call matches, 30:01 before does not', async () => {
    const visitor = fp();
    const eventAt = Date.now() - 2 * 3600_000;
    await visit(visitor, eventAt);
    const inside = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(eventAt + 29 * MIN + 59_000) });
    expect(inside.json.status).toBe('matched');
    const outside = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(eventAt + 30 * MIN + 1000) });
    expect(outside.json).toEqual({ status: 'unmatched', call_id: expect.any(String), session_id: null, lead_score: null });
  });

  it('events after the call do not count', async () => {
    const visitor = fp();
    const eventAt = Date.now() - 3600_000;
    await visit(visitor, eventAt);
    const res = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor, call_time: iso(eventAt - 1000) });
    expect(res.json.status).toBe('unmatched');
  });

  it('picks the most recent of several sessions of that fingerprint', async () => {
    const visitor = fp();
    const now = Date.now();
    await visit(visitor, now - 20 * MIN);
    const recent = await visit(visitor, now - 2 * MIN);
    const res = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor });
    expect(res.json.session_id).toBe(recent);
  });

  it('records an unmatched call (unknown fingerprint) and never matches another site', async () => {
    const other = await h.newSite();
    const visitor = fp();
    const e = wireEvent(other.publicId, { meta: { fp: visitor } });
    await sync(h.handler, e);
    const before = await counts(h.db);
    const res = await callEvent(h.handler, { site_id: site, phone_number: phone, fingerprint: visitor });
    expect(res.json).toMatchObject({ status: 'unmatched', session_id: null, lead_score: null });
    expect((await counts(h.db)).calls).toBe(before.calls + 1);
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
