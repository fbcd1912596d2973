/**
 * Calls recorded from the tracker's `conversion/phone_click` event (contract section 2): in the
 * write of the batch that carries it, matched to the event's own session, at the event's stored
 * time, once however often the batch is sent; and an older tracker's own /api/call-event for the
 * same click is that call, not a second one. On both databases, and in queue mode on the
 * machine's NATS.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type Backend, type FreshDb } from '../support/db.js';
import { callEvent, counts, openHarness, ORIGIN, sync, wireEvent, type Harness } from '../support/harness.js';
import { NATS_URL, dropStream, natsForTests } from '../support/services.js';
import { createHandler, type Handler } from '../../src/http/handler.js';
import { createSite, type CreatedSite } from '../../src/store/sites.js';
import { configureGroupCommit, ingest } from '../../src/store/ingest.js';
import { openIngestQueue, type IngestQueue } from '../../src/queue/ingest-queue.js';
import { runIngestWorker } from '../../src/queue/ingest-worker.js';
import type { Db } from '../../src/store/db/types.js';
import type { WireEvent } from '../../../src/wire.js';

const MIN = 60_000;
const RAW = '+90 532 555 12 34';
const E164 = '+905325551234';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const iso = (ms: number) => new Date(ms).toISOString();

interface CallRow {
  id: string;
  site_id: string;
  phone_number: string;
  matched_session_id: string | null;
  month: string | null;
  matched_fingerprint: string | null;
  reported_session_id: string | null;
  lead_score: number | null;
  status: string;
  source: string;
  call_time: Date;
  tx: string;
}

/** The calls that name a session, oldest first. */
const callsOf = (db: Db, sid: string) =>
  db.query<CallRow>(
    `select id, site_id, phone_number, matched_session_id, matched_session_month::text as month, matched_fingerprint,
            reported_session_id, lead_score, status, source, call_time, xmin::text as tx
       from public.calls where reported_session_id = $1 order by call_time, id`,
    [sid],
  );

/** A stored event's time and the transaction that wrote it. */
async function storedEvent(db: Db, sid: string, i: string): Promise<{ at: Date; tx: string }> {
  const [row] = await db.query<{ at: Date; tx: string }>(
    'select created_at as at, xmin::text as tx from public.events where session_id = $1 and client_event_id = $2',
    [sid, i],
  );
  return row!;
}

const countOf = async (db: Db, text: string, params: unknown[]) => (await db.query<{ n: number }>(text, params))[0]!.n;

const sessionScore = async (db: Db, sid: string) =>
  (await db.query<{ lead_score: number }>('select lead_score from public.sessions where id = $1', [sid]))[0]!.lead_score;

describe.each(backends)('calls recorded from phone_click events on %s', (kind) => {
  let h: Harness;
  /** A site with a phone region (TR), so that national numbers are understood. */
  let tr: CreatedSite;
  beforeAll(async () => {
    h = await openHarness(kind);
    tr = await createSite(h.db, { ownerEmail: 'tr-owner@example.com', origins: [ORIGIN], phoneRegion: 'TR' });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A tel: click as the tracker reports it: `conversion/phone_click`, label the number. */
  const click = (over: Partial<WireEvent> = {}) =>
    wireEvent(tr.publicId, { ec: 'conversion', ea: 'phone_click', el: RAW, i: `c-${randomUUID().slice(0, 8)}`, ...over });
  const view = (over: Partial<WireEvent> = {}) => wireEvent(tr.publicId, { i: `v-${randomUUID().slice(0, 8)}`, ...over });
  /** The call an older tracker posts after its events were answered: its session, its clock. */
  const trackerCall = (e: WireEvent, callTime: number, over: Record<string, unknown> = {}) =>
    callEvent(h.handler, { site_id: tr.publicId, phone_number: RAW, sid: e.sid, sm: e.sm, call_time: iso(callTime), ...over });

  it("records one call: the event's session, the number in E.164, the event's stored time, the score after the write, in the batch's transaction", async () => {
    const sid = randomUUID();
    const visitor = `fp-${randomUUID()}`;
    const first = await sync(h.handler, view({ sid, meta: { fp: visitor }, t: Date.now() - 3 * MIN }));
    expect(first.json).toEqual({ status: 'synced', score: 0, accepted: 1 });
    const t = Date.now() - MIN;
    const e = click({ sid, t });
    const res = await sync(h.handler, [view({ sid, ec: 'interaction', ea: 'click', el: 'a.tel' }), e]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'synced', score: expect.any(Number), accepted: 2 });
    // Higher than before this write: the call has the score this write made (conversion and interaction).
    expect(res.json.score).toBeGreaterThan(first.json.score);

    const rows = await callsOf(h.db, sid);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      site_id: tr.id, phone_number: E164, matched_session_id: sid, month: `${e.sm}-01`, matched_fingerprint: visitor,
      reported_session_id: sid, lead_score: res.json.score, status: 'matched', source: 'tracker',
    });
    const stored = await storedEvent(h.db, sid, e.i!);
    expect(rows[0]!.call_time.getTime()).toBe(stored.at.getTime());
    expect(rows[0]!.call_time.getTime()).toBe(t);
    expect(rows[0]!.lead_score).toBe(await sessionScore(h.db, sid));
    // Written by the transaction that wrote the event.
    expect(rows[0]!.tx).toBe(stored.tx);
  });

  it("a client clock ahead: the call takes the event's time as stored (the server's now), not the client's", async () => {
    const before = Date.now();
    const e = click({ t: before + 3 * MIN });
    expect((await sync(h.handler, e)).status).toBe(200);
    const [row, ...more] = await callsOf(h.db, e.sid);
    expect(more).toEqual([]);
    expect(row!.call_time.getTime()).toBe((await storedEvent(h.db, e.sid, e.i!)).at.getTime());
    expect(row!.call_time.getTime()).toBeGreaterThanOrEqual(before);
    expect(row!.call_time.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('an event without a client id: the call takes the time its row got', async () => {
    const t = Date.now() - 2 * MIN;
    const e = click({ i: undefined, t });
    expect((await sync(h.handler, e)).json).toEqual({ status: 'synced', score: 50, accepted: 1 });
    const rows = await callsOf(h.db, e.sid);
    expect(rows.map((r) => r.call_time.getTime())).toEqual([t]);
  });

  it('the batch sent again (a retry) records nothing more, and 8 concurrent copies of it record one call', async () => {
    const e = click({ t: Date.now() - MIN });
    const body = [view({ sid: e.sid }), e];
    const first = await sync(h.handler, body);
    const [row] = await callsOf(h.db, e.sid);
    expect((await sync(h.handler, body)).json).toEqual({ status: 'synced', score: first.json.score, accepted: 0 });
    expect((await callsOf(h.db, e.sid)).map((r) => r.id)).toEqual([row!.id]);

    const f = click({ t: Date.now() - MIN });
    const copies = await Promise.all(Array.from({ length: 8 }, () => sync(h.handler, [view({ sid: f.sid, i: 'same' }), f])));
    for (const c of copies) expect(c.status).toBe(200);
    expect(copies.reduce((n, c) => n + c.json.accepted, 0)).toBe(2);
    expect(await callsOf(h.db, f.sid)).toHaveLength(1);
  });

  it('the same event inside two different concurrent requests is one call', async () => {
    const e = click({ t: Date.now() - MIN });
    const [a, b] = await Promise.all([
      sync(h.handler, [view({ sid: e.sid, i: 'a' }), e]),
      sync(h.handler, [e, view({ sid: e.sid, i: 'b', ec: 'interaction', ea: 'click' })]),
    ]);
    expect([a!.status, b!.status]).toEqual([200, 200]);
    expect(a!.json.accepted + b!.json.accepted).toBe(3);
    const rows = await callsOf(h.db, e.sid);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.call_time.getTime()).toBe((await storedEvent(h.db, e.sid, e.i!)).at.getTime());
  });

  it('a retry after a commit whose call was not recorded records it once, at the first write’s time', async () => {
    // The events stored without their call (as by a server before this one, or a write whose answer was lost).
    const e = click({ t: undefined });
    const firstWrite = Date.now() - 30_000;
    const siteIds = new Map([[tr.publicId, tr.id]]);
    await ingest(h.db, { events: [e], siteIds, now: firstWrite, userAgent: null, cookieClickIds: {} });
    expect(await callsOf(h.db, e.sid)).toEqual([]);
    expect((await sync(h.handler, e)).json).toEqual({ status: 'synced', score: 50, accepted: 0 });
    const rows = await callsOf(h.db, e.sid);
    expect(rows.map((r) => r.call_time.getTime())).toEqual([firstWrite]);
    await sync(h.handler, e);
    expect(await callsOf(h.db, e.sid)).toHaveLength(1);
  });

  it("an older tracker's own call, a few ms after the event, is that call: nothing stored, its id answered", async () => {
    const visitor = `fp-${randomUUID()}`;
    const t = Date.now() - MIN;
    const e = click({ t, meta: { fp: visitor } });
    expect((await sync(h.handler, e)).status).toBe(200);
    const [row] = await callsOf(h.db, e.sid);
    const before = await counts(h.db);
    const same = { status: 'matched', call_id: row!.id, session_id: e.sid, lead_score: row!.lead_score };
    expect((await trackerCall(e, t + 1, { fingerprint: visitor })).json).toEqual(same);
    // The same millisecond, and the old tracker's retry of its call.
    expect((await trackerCall(e, t)).json).toEqual(same);
    expect((await trackerCall(e, t + 1, { fingerprint: visitor })).json).toEqual(same);
    // Its clock 3 minutes ahead of the time the event was stored at.
    expect((await trackerCall(e, t + 3 * MIN)).json).toEqual(same);
    expect(await counts(h.db)).toEqual(before);
  });

  it("an older tracker with its clock 3 minutes ahead: its call is still that call", async () => {
    const t = Date.now() + 3 * MIN;
    const e = click({ t });
    expect((await sync(h.handler, e)).status).toBe(200);
    const [row] = await callsOf(h.db, e.sid);
    // The event was stored at the server's now, about 3 minutes before the call's time.
    expect(t + 1 - row!.call_time.getTime()).toBeGreaterThan(2.5 * MIN);
    const res = await trackerCall(e, t + 1);
    expect(res.json).toEqual({ status: 'matched', call_id: row!.id, session_id: e.sid, lead_score: row!.lead_score });
    expect(await callsOf(h.db, e.sid)).toHaveLength(1);
  });

  it('the window: a call up to 30 s before and 5 min 30 s after the event is it; 1 ms beyond either is a call of its own', async () => {
    const at = Date.now() - 20 * MIN;
    const e = click({ t: at });
    await sync(h.handler, e);
    const [row] = await callsOf(h.db, e.sid);
    // Outside first: calls of their own, which are not recorded from an event and so never stand for one.
    const late = await trackerCall(e, at + 5.5 * MIN + 1);
    const early = await trackerCall(e, at - 30_000 - 1);
    expect(late.status).toBe(200);
    expect(new Set([row!.id, late.json.call_id, early.json.call_id]).size).toBe(3);
    expect(await callsOf(h.db, e.sid)).toHaveLength(3);
    for (const callTime of [at + 5.5 * MIN, at - 30_000, at + 2 * MIN]) {
      expect((await trackerCall(e, callTime)).json.call_id).toBe(row!.id);
    }
    expect(await callsOf(h.db, e.sid)).toHaveLength(3);
  });

  it('another number, or a call without a session (the site secret, a fingerprint), is another call as before', async () => {
    const visitor = `fp-${randomUUID()}`;
    const t = Date.now() - MIN;
    const e = click({ t, meta: { fp: visitor } });
    await sync(h.handler, e);
    const [row] = await callsOf(h.db, e.sid);
    const other = await trackerCall(e, t + 1, { phone_number: '+90 212 555 01 99' });
    expect(other.json).toMatchObject({ status: 'matched', session_id: e.sid });
    expect(other.json.call_id).not.toBe(row!.id);
    const server = await callEvent(h.handler, { site_id: tr.publicId, phone_number: RAW, fingerprint: visitor, call_time: iso(t + 1) }, {
      origin: null, headers: { authorization: `Bearer ${tr.secret}` },
    });
    expect(server.json).toMatchObject({ status: 'matched', session_id: e.sid });
    expect(server.json.call_id).not.toBe(row!.id);
    expect(await countOf(h.db, 'select count(*)::int as n from public.calls where matched_session_id = $1', [e.sid])).toBe(3);
  });

  it('two phone_clicks of one session, 2 minutes or 20 s apart, are two calls; each old-tracker call is its own', async () => {
    const t = Date.now() - 10 * MIN;
    const a = click({ t });
    const b = click({ sid: a.sid, t: t + 2 * MIN });
    const c = click({ sid: a.sid, t: t + 2 * MIN + 20_000 });
    // As an older tracker sends them: each click's batch, then (once answered) its own call.
    const answered: string[] = [];
    for (const e of [a, b, c]) {
      expect((await sync(h.handler, e)).status).toBe(200);
      answered.push((await trackerCall(e, e.t! + 1)).json.call_id);
    }
    const rows = await callsOf(h.db, a.sid);
    expect(rows.map((r) => r.call_time.getTime())).toEqual([t, t + 2 * MIN, t + 2 * MIN + 20_000]);
    expect(answered).toEqual(rows.map((r) => r.id));

    // Two in one batch.
    const d = click({ t: t + MIN });
    const f = click({ sid: d.sid, t: t + MIN + 20_000 });
    await sync(h.handler, [d, f]);
    expect((await callsOf(h.db, d.sid)).map((r) => r.call_time.getTime())).toEqual([t + MIN, t + MIN + 20_000]);
  });

  it("a national number with the site's region is stored in E.164; a number the region cannot read stores the event and no call", async () => {
    const national = click({ el: '0532 555 12 34' });
    expect((await sync(h.handler, national)).json).toEqual({ status: 'synced', score: 50, accepted: 1 });
    expect((await callsOf(h.db, national.sid)).map((r) => r.phone_number)).toEqual([E164]);

    // The harness's own site has no region: a national number means nothing there.
    const noRegion = wireEvent(h.site.publicId, { ec: 'conversion', ea: 'phone_click', el: '0532 555 12 34', i: 'c' });
    const garbage = click({ el: '12' });
    const words = click({ el: 'call us now' });
    for (const e of [noRegion, garbage, words]) {
      expect((await sync(h.handler, e)).json).toEqual({ status: 'synced', score: 50, accepted: 1 });
      expect(await callsOf(h.db, e.sid)).toEqual([]);
      expect(await h.db.query('select 1 from public.events where session_id = $1', [e.sid])).toHaveLength(1);
    }
    // A phone_click without a label: no call either.
    const bare = click({ el: undefined });
    await sync(h.handler, bare);
    expect(await callsOf(h.db, bare.sid)).toEqual([]);
  });

  it("a session of another site records nothing (session_unavailable), and a bot's batch records nothing", async () => {
    const other = await h.newSite();
    const taken = randomUUID();
    expect((await sync(h.handler, wireEvent(other.publicId, { sid: taken, i: 'x' }))).status).toBe(200);
    const before = await counts(h.db);
    const res = await sync(h.handler, click({ sid: taken }));
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('session_unavailable');
    const bot = await sync(h.handler, click(), { headers: { 'user-agent': BOT_UA } });
    expect(bot.json).toEqual({ status: 'synced', score: 0, accepted: 0 });
    expect(await counts(h.db)).toEqual(before);
  });

  it('grouped with other requests (group commit): each phone_click one call with the score the group wrote, in its transaction; neighbours unaffected', async () => {
    // The group closes when all nine requests are in it, however slowly a loaded machine brings them.
    configureGroupCommit(h.db, { maxRequests: 9, waitMs: 10_000, concurrency: 1 });
    try {
      const t = Date.now() - MIN;
      const phones = Array.from({ length: 4 }, (_, n) => click({ t: t + n }));
      const plain = Array.from({ length: 4 }, () => [view()]);
      // A request of the first phone request's session: its interaction, and that request's event again.
      const repeat = [view({ sid: phones[0]!.sid, ec: 'interaction', ea: 'click' }), phones[0]!];
      const bodies: WireEvent[][] = [[phones[0]!], plain[0]!, [phones[1]!], plain[1]!, repeat, [phones[2]!], plain[2]!, [phones[3]!], plain[3]!];
      const before = await counts(h.db);
      const answers = await Promise.all(bodies.map((b) => sync(h.handler, b)));

      for (const n of [1, 3, 6, 8]) expect(answers[n]!.json).toEqual({ status: 'synced', score: 0, accepted: 1 });
      for (const n of [2, 5, 7]) expect(answers[n]!.json).toEqual({ status: 'synced', score: 50, accepted: 1 });
      // Written together: the session's score after the group (conversion and interaction) is in both answers.
      // The phone_click both requests carry is counted once, by whichever reached the group first: the
      // order two concurrent requests arrive in is not fixed (each reads its site and limits first).
      expect(answers[0]!.json).toMatchObject({ status: 'synced', score: 60 });
      expect(answers[4]!.json).toMatchObject({ status: 'synced', score: 60 });
      const shared = [answers[0]!.json.accepted, answers[4]!.json.accepted];
      expect([[1, 1], [0, 2]]).toContainEqual(shared);
      for (const e of phones) {
        const rows = await callsOf(h.db, e.sid);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ matched_session_id: e.sid, phone_number: E164, status: 'matched' });
        expect(rows[0]!.call_time.getTime()).toBe(e.t);
        expect(rows[0]!.lead_score).toBe(await sessionScore(h.db, e.sid));
      }
      expect((await callsOf(h.db, phones[0]!.sid))[0]!.lead_score).toBe(60);
      for (const b of plain) expect(await callsOf(h.db, b[0]!.sid)).toEqual([]);
      expect(await counts(h.db)).toEqual({ sessions: before.sessions + 8, events: before.events + 9, calls: before.calls + 4 });
      // One transaction wrote every event and call of the group.
      const transactions = await countOf(
        h.db,
        `select count(distinct x)::int as n from (
           select xmin::text as x from public.events where session_id = any($1::uuid[])
           union all select xmin::text from public.calls where reported_session_id = any($1::uuid[])) t`,
        [bodies.map((b) => b[0]!.sid)],
      );
      expect(transactions).toBe(1);
    } finally {
      configureGroupCommit(h.db, {});
    }
  });

  it('a refused request among concurrent ones records no call; its neighbours record theirs', async () => {
    const other = await h.newSite();
    const taken = randomUUID();
    await sync(h.handler, wireEvent(other.publicId, { sid: taken, i: 'x' }));
    configureGroupCommit(h.db, { waitMs: 50, concurrency: 1 });
    try {
      const phones = Array.from({ length: 3 }, () => click({ t: Date.now() - MIN }));
      const refused = [click(), click({ sid: taken })];
      const answers = await Promise.all([[phones[0]!], refused, [phones[1]!], [phones[2]!]].map((b) => sync(h.handler, b)));
      expect(answers[1]!.status).toBe(400);
      expect(answers[1]!.json.error).toBe('session_unavailable');
      for (const n of [0, 2, 3]) expect(answers[n]!.json).toEqual({ status: 'synced', score: 50, accepted: 1 });
      for (const e of phones) expect(await callsOf(h.db, e.sid)).toHaveLength(1);
      for (const e of refused) expect(await callsOf(h.db, e.sid)).toEqual([]);
      expect(await h.db.query('select 1 from public.calls where site_id = $1', [other.id])).toEqual([]);
    } finally {
      configureGroupCommit(h.db, {});
    }
  });
});

/** Polls `check` every 100 ms, for at most `rounds` rounds (a bound on the test, not an assertion on time). */
async function until(check: () => boolean | Promise<boolean>, rounds = 300): Promise<void> {
  for (let n = 0; n < rounds; n++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached');
}

let natsUp = false;
beforeAll(async () => {
  natsUp = await natsForTests();
});

describe.each(backends)('calls from phone_click events in queue mode (NATS JetStream) on %s', (kind: Backend) => {
  let fresh: FreshDb;
  let tr: CreatedSite;
  let queue: IngestQueue;
  let handler: Handler;
  const streams: string[] = [];
  beforeAll(async () => {
    if (!natsUp) return;
    fresh = await freshDb(kind);
    tr = await createSite(fresh.db, { ownerEmail: 'queue-calls@example.com', origins: [ORIGIN], phoneRegion: 'TR' });
  });
  afterAll(async () => {
    await handler?.close();
    await queue?.close();
    for (const s of streams) await dropStream(s);
    await fresh?.drop();
  });

  /** A handler in queue mode on a stream of its own. */
  async function queueMode(): Promise<string> {
    await handler?.close();
    await queue?.close();
    const stream = `OM_TEST_${randomBytes(5).toString('hex').toUpperCase()}`;
    streams.push(stream);
    queue = await openIngestQueue({ url: NATS_URL, stream });
    handler = createHandler({ db: fresh.db, enqueue: queue.enqueue, log: () => undefined, siteCacheMs: 0, limits: { sync: 1e6, call: 1e6 } });
    return stream;
  }
  const click = (over: Partial<WireEvent> = {}) =>
    wireEvent(tr.publicId, { ec: 'conversion', ea: 'phone_click', el: RAW, i: `c-${randomUUID().slice(0, 8)}`, ...over });

  it('a queued phone_click becomes one call once a worker commits it; the message delivered again adds none', async (ctx) => {
    if (!natsUp) return ctx.skip(`NATS not reachable at ${NATS_URL}`);
    const stream = await queueMode();
    const t = Date.now() - MIN;
    const e = click({ t });
    const res = await sync(handler, [wireEvent(tr.publicId, { sid: e.sid, i: 'v' }), e]);
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ status: 'queued', accepted: 2 });
    expect(await callsOf(fresh.db, e.sid)).toEqual([]);

    // The first commit is never acknowledged (a worker dying between commit and ack): the message comes again.
    let groups = 0;
    const worker = await runIngestWorker({
      db: fresh.db, url: NATS_URL, stream, ackWaitMs: 1000, log: () => undefined,
      beforeAck: () => ++groups > 1,
    });
    try {
      await until(() => worker.acked >= 1);
    } finally {
      await worker.stop();
    }
    expect(groups).toBeGreaterThanOrEqual(2);
    const rows = await callsOf(fresh.db, e.sid);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ matched_session_id: e.sid, phone_number: E164, status: 'matched', source: 'tracker' });
    expect(rows[0]!.call_time.getTime()).toBe(t);
    expect(rows[0]!.lead_score).toBe(await sessionScore(fresh.db, e.sid));
  });

  it("an older tracker: its own call arrives before the worker writes the batch (202 came first), and stays the one call", async (ctx) => {
    if (!natsUp) return ctx.skip(`NATS not reachable at ${NATS_URL}`);
    const stream = await queueMode();
    const t = Date.now() - MIN;
    const a = click({ t });
    const b = click({ sid: a.sid, t: t + 20_000 });
    const own = (e: WireEvent, callTime: number) =>
      callEvent(handler, { site_id: tr.publicId, phone_number: RAW, sid: e.sid, sm: e.sm, call_time: iso(callTime) });
    // Two clicks 20 s apart, each batch queued, then its call posted.
    expect((await sync(handler, a)).status).toBe(202);
    const first = await own(a, t + 1);
    expect((await sync(handler, b)).status).toBe(202);
    const second = await own(b, t + 20_001);
    expect(first.status).toBe(200);
    expect(second.json.call_id).not.toBe(first.json.call_id);
    expect(await callsOf(fresh.db, a.sid)).toHaveLength(2);

    const worker = await runIngestWorker({ db: fresh.db, url: NATS_URL, stream, log: () => undefined });
    try {
      await until(() => worker.acked >= 2);
    } finally {
      await worker.stop();
    }
    expect(await fresh.db.query('select 1 from public.events where session_id = $1', [a.sid])).toHaveLength(2);
    expect((await callsOf(fresh.db, a.sid)).map((r) => r.id).sort()).toEqual([first.json.call_id, second.json.call_id].sort());
  });
});
