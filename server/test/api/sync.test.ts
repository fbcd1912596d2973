import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { counts, openHarness, sync, wireEvent, ORIGIN, type Harness } from '../support/harness.js';
import { monthOf, MAX_BATCH, CLIENT_TIME_WINDOW_MS } from '../../../src/wire.js';
import { shiftMonth } from '../../src/rules/months.js';

describe.each(backends)('POST /api/sync on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stores one event and answers synced with the score and the count', async () => {
    const e = wireEvent(h.site.publicId, { i: 'e1', meta: { fp: 'fp-1' } });
    const res = await sync(h.handler, e);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'synced', score: 0, accepted: 1 });
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const [session] = await h.db.query<any>(
      `select tableoid::regclass::text as part, site_id, fingerprint, attribution, lead_score, event_count, landing_url
         from public.sessions where id = $1`,
      [e.sid],
    );
    expect(session).toMatchObject({
      part: `sessions_${e.sm.replace('-', '_')}`,
      site_id: h.site.id,
      fingerprint: 'fp-1',
      attribution: 'organic',
      lead_score: 0,
      event_count: 1,
      landing_url: e.u,
    });
    const events = await h.db.query<any>(
      `select tableoid::regclass::text as part, session_month, client_event_id, event_category, event_action, metadata
         from public.events where session_id = $1`,
      [e.sid],
    );
    expect(events).toEqual([
      { part: `events_${e.sm.replace('-', '_')}`, session_month: `${e.sm}-01`, client_event_id: 'e1', event_category: 'pageview', event_action: 'view', metadata: { fp: 'fp-1' } },
    ]);
  });

  it('takes no click id with a NUL from the URL, and still stores the event (review finding)', async () => {
    const e = wireEvent(h.site.publicId, { i: 'nul', u: 'https://shop.example/?gclid=ab%00c' });
    const res = await sync(h.handler, e);
    expect(res.status).toBe(200);
    const [session] = await h.db.query<any>('select gclid, attribution from public.sessions where id = $1', [e.sid]);
    expect(session).toEqual({ gclid: null, attribution: 'organic' });
  });

  it('counts scroll points only for scroll/depth events', async () => {
    const sid = randomUUID();
    const other = await sync(h.handler, [wireEvent(h.site.publicId, { sid, i: 's1', ec: 'scroll', ea: 'speed', ev: 95 })]);
    expect(other.json).toMatchObject({ score: 0 });
    const depth = await sync(h.handler, [wireEvent(h.site.publicId, { sid, i: 's2', ec: 'scroll', ea: 'depth', ev: 50 })]);
    expect(depth.json).toMatchObject({ score: 10 });
  });

  it('stores a batch in one go and scores the session from all of its events', async () => {
    const sid = randomUUID();
    const base = { sid, u: 'https://shop.example/' };
    const batch = [
      wireEvent(h.site.publicId, { ...base, i: '1', r: 'https://www.google.com/' }),
      wireEvent(h.site.publicId, { ...base, i: '2', ec: 'scroll', ea: 'depth', ev: 50 }),
      wireEvent(h.site.publicId, { ...base, i: '3', ec: 'interaction', ea: 'click', el: 'a.cta' }),
    ];
    const res = await sync(h.handler, batch);
    expect(res.json).toEqual({ status: 'synced', score: 5 + 10 + 10, accepted: 3 });
    // A later request adds to what is stored: the score is recomputed from every event.
    const more = await sync(h.handler, [wireEvent(h.site.publicId, { ...base, i: '4', ec: 'scroll', ea: 'depth', ev: 90 })]);
    expect(more.json).toEqual({ status: 'synced', score: 5 + 10 + 30, accepted: 1 });
    const [row] = await h.db.query<any>('select lead_score, event_count from public.sessions where id = $1', [sid]);
    expect(row).toEqual({ lead_score: 45, event_count: 4 });
  });

  it('stores the same batch sent twice only once', async () => {
    const sid = randomUUID();
    const batch = [1, 2, 3].map((n) => wireEvent(h.site.publicId, { sid, i: `c${n}`, ec: 'interaction', ea: 'click' }));
    const first = await sync(h.handler, batch);
    const second = await sync(h.handler, batch);
    expect(first.json).toMatchObject({ status: 'synced', accepted: 3, score: 10 });
    expect(second.json).toMatchObject({ status: 'synced', accepted: 0, score: 10 });
    const [row] = await h.db.query<any>('select count(*)::int as n from public.events where session_id = $1', [sid]);
    expect(row.n).toBe(3);
    // A repeated id inside one batch is stored once too; events without an id are all kept.
    const sid2 = randomUUID();
    const dup = await sync(h.handler, [
      wireEvent(h.site.publicId, { sid: sid2, i: 'x' }),
      wireEvent(h.site.publicId, { sid: sid2, i: 'x' }),
      wireEvent(h.site.publicId, { sid: sid2 }),
      wireEvent(h.site.publicId, { sid: sid2 }),
    ]);
    expect(dup.json.accepted).toBe(3);
  });

  it('creates one session row for 50 concurrent first requests of a new session', async () => {
    const sid = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) => sync(h.handler, wireEvent(h.site.publicId, { sid, i: `p${n}`, meta: { fp: 'fp-concurrent' } }))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    const [row] = await h.db.query<any>(
      `select (select count(*) from public.sessions where id = $1)::int as sessions,
              (select count(*) from public.events where session_id = $1)::int as events,
              (select event_count from public.sessions where id = $1) as event_count`,
      [sid],
    );
    expect(row).toEqual({ sessions: 1, events: 50, event_count: 50 });
  });

  it('reports the score of the last session in a body that holds several', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const res = await sync(h.handler, [
      wireEvent(h.site.publicId, { sid: a, ec: 'conversion', ea: 'form' }),
      wireEvent(h.site.publicId, { sid: b, ec: 'hover_intent', ea: 'hover', el: 'tel', ev: 400 }),
    ]);
    expect(res.json).toEqual({ status: 'synced', score: 15, accepted: 2 });
    const rows = await h.db.query<any>('select id, lead_score from public.sessions where id in ($1, $2) order by lead_score', [a, b]);
    expect(rows).toEqual([{ id: b, lead_score: 15 }, { id: a, lead_score: 50 }]);
  });

  it('clamps the client time to [now - 7 days, now]', async () => {
    const sid = randomUUID();
    const before = Date.now();
    await sync(h.handler, [
      wireEvent(h.site.publicId, { sid, i: 'future', t: before + 365 * 86400_000 }),
      wireEvent(h.site.publicId, { sid, i: 'past', t: 0 }),
      wireEvent(h.site.publicId, { sid, i: 'fine', t: before - 60_000 }),
    ]);
    const after = Date.now();
    const rows = await h.db.query<any>('select client_event_id as i, created_at from public.events where session_id = $1', [sid]);
    const at = Object.fromEntries(rows.map((r) => [r.i, new Date(r.created_at).getTime()]));
    expect(at.future).toBeGreaterThanOrEqual(before);
    expect(at.future).toBeLessThanOrEqual(after);
    expect(at.past).toBeGreaterThanOrEqual(before - CLIENT_TIME_WINDOW_MS);
    expect(at.past).toBeLessThanOrEqual(after - CLIENT_TIME_WINDOW_MS);
    expect(at.fine).toBe(before - 60_000);
  });

  it('stores SQL metacharacters verbatim and never runs them', async () => {
    const nasty = `'); drop table public.events; -- "$1" \\ %_ $$`;
    const e = wireEvent(h.site.publicId, { el: nasty, ea: nasty, meta: { note: nasty } });
    expect((await sync(h.handler, e)).status).toBe(200);
    const [row] = await h.db.query<any>('select event_label, event_action, metadata from public.events where session_id = $1', [e.sid]);
    expect(row).toEqual({ event_label: nasty, event_action: nasty, metadata: { note: nasty } });
  });

  it('accepts the previous and the next month and stores late events in their session month', async () => {
    for (const sm of [shiftMonth(Date.now(), -1), shiftMonth(Date.now(), 1)]) {
      const e = wireEvent(h.site.publicId, { sm });
      expect((await sync(h.handler, e)).status).toBe(200);
      const [row] = await h.db.query<any>('select tableoid::regclass::text as part from public.events where session_id = $1', [e.sid]);
      expect(row.part).toBe(`events_${sm.replace('-', '_')}`);
    }
  });

  it('creates a missing month partition on demand and retries', async () => {
    // A clock six months ahead: its current month has no partition yet.
    const future = Date.now() + 183 * 86400_000;
    const handler = h.newHandler({ now: () => future });
    const e = wireEvent(h.site.publicId, { sm: monthOf(future) });
    const part = `sessions_${e.sm.replace('-', '_')}`;
    const [before] = await h.db.query<any>('select to_regclass($1) is not null as present', [`public.${part}`]);
    expect(before.present).toBe(false);
    const res = await sync(handler, e);
    expect(res.status).toBe(200);
    const [row] = await h.db.query<any>('select tableoid::regclass::text as part from public.sessions where id = $1', [e.sid]);
    expect(row.part).toBe(part);
  });

  it('refuses a session id that belongs to another site, writing nothing', async () => {
    const other = await h.newSite();
    const sid = randomUUID();
    expect((await sync(h.handler, wireEvent(other.publicId, { sid }))).status).toBe(200);
    const before = await counts(h.db);
    const res = await sync(h.handler, wireEvent(h.site.publicId, { sid }));
    expect(res.status).toBe(400);
    expect(res.json.status).toBe('error');
    expect(await counts(h.db)).toEqual(before);
  });

  it('answers known bots without storing anything', async () => {
    const before = await counts(h.db);
    const res = await sync(h.handler, wireEvent(h.site.publicId), { headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } });
    expect(res.json).toEqual({ status: 'synced', score: 0, accepted: 0 });
    expect(await counts(h.db)).toEqual(before);
  });

  it(`accepts a batch of exactly ${MAX_BATCH} events`, async () => {
    const sid = randomUUID();
    const batch = Array.from({ length: MAX_BATCH }, (_, n) => wireEvent(h.site.publicId, { sid, i: `b${n}` }));
    const res = await sync(h.handler, batch);
    expect(res.json).toMatchObject({ status: 'synced', accepted: MAX_BATCH });
  });
});
