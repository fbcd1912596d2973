/**
 * Group commit (store/group-commit.ts): many concurrent /api/sync requests, of the same and of
 * different sessions, written together; every answer right, every event stored once, and a
 * refused request refused alone.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/db.js';
import { counts, openHarness, sync, wireEvent, type Harness } from '../support/harness.js';
import type { WireEvent } from '../../../src/wire.js';
import { shiftMonth } from '../../src/rules/months.js';
import { leadScore } from '../../src/rules/scoring.js';
import { commitGroup } from '../../src/store/group-commit.js';
import { configureGroupCommit, SessionConflictError, type IngestInput } from '../../src/store/ingest.js';

const KINDS = [
  { ec: 'pageview', ea: 'view' },
  { ec: 'scroll', ea: 'depth', ev: 50 },
  { ec: 'interaction', ea: 'click', el: 'a.cta' },
  { ec: 'hover_intent', ea: 'hover' },
  { ec: 'scroll', ea: 'depth', ev: 90 },
  { ec: 'conversion', ea: 'form_submit' },
] as const;

/** The score of a session of these events, by the rule itself. */
function expectedScore(events: WireEvent[]): number {
  return leadScore({
    conversion: events.some((e) => e.ec === 'conversion'),
    interaction: events.some((e) => e.ec === 'interaction'),
    hoverIntent: events.some((e) => e.ec === 'hover_intent'),
    maxScrollDepth: Math.max(0, ...events.filter((e) => e.ec === 'scroll' && e.ea === 'depth').map((e) => e.ev ?? 0)),
    referrer: null,
    attribution: 'organic',
  });
}

describe.each(backends)('group commit on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers many concurrent requests of the same and different sessions right, and stores every event once', async () => {
    const site = h.site.publicId;
    // 12 sessions alone in their requests, 4 sessions shared by 6 requests each, some requests
    // repeating events of others (a retry racing the original).
    const single = Array.from({ length: 12 }, (_, n) => ({
      sid: randomUUID(),
      events: [KINDS[n % KINDS.length]!, KINDS[(n + 2) % KINDS.length]!],
    }));
    const bodies: WireEvent[][] = single.map((s) =>
      s.events.map((k, n) => wireEvent(site, { sid: s.sid, i: `e${n}`, ...k })),
    );
    const shared = Array.from({ length: 4 }, () => randomUUID());
    for (const sid of shared) {
      for (let r = 0; r < 6; r++) {
        const body = [wireEvent(site, { sid, i: `r${r}`, ...KINDS[r % KINDS.length]! })];
        // Every other request also carries its predecessor's event again.
        if (r % 2 === 1) body.push(wireEvent(site, { sid, i: `r${r - 1}`, ...KINDS[(r - 1) % KINDS.length]! }));
        bodies.push(body);
      }
    }
    const answers = await Promise.all(bodies.map((b) => sync(h.handler, b)));

    for (const a of answers) expect(a.status).toBe(200);
    // Sessions alone in their request: exactly the score of their own events.
    single.forEach((s, n) => expect(answers[n]!.json).toEqual({ status: 'synced', score: expectedScore(bodies[n]!), accepted: 2 }));
    for (const sid of shared) {
      const own = bodies.flatMap((b, n) => (b[0]!.sid === sid ? [{ body: b, answer: answers[n]! }] : []));
      // Six distinct events, each counted as accepted by exactly one request.
      expect(own.reduce((sum, o) => sum + o.answer.json.accepted, 0)).toBe(6);
      const final = expectedScore(own.flatMap((o) => o.body));
      const [row] = await h.db.query<any>('select lead_score, event_count from public.sessions where id = $1', [sid]);
      expect(row).toEqual({ lead_score: final, event_count: 6 });
      // Scores only grow; the last write of the session answers with the final one.
      expect(Math.max(...own.map((o) => o.answer.json.score))).toBe(final);
    }
    const [dupes] = await h.db.query<any>(
      `select count(*)::int as n from (select session_id, client_event_id from public.events
         group by 1, 2 having count(*) > 1) d`,
    );
    expect(dupes.n).toBe(0);
    const sids = [...single.map((s) => s.sid), ...shared];
    const [stored] = await h.db.query<any>('select count(*)::int as n from public.events where session_id = any($1::uuid[])', [sids]);
    expect(stored.n).toBe(12 * 2 + 4 * 6);
  });

  it('refuses a session of another site and a month out of window alone, and writes nothing of them', async () => {
    const other = await h.newSite();
    const taken = randomUUID();
    expect((await sync(h.handler, wireEvent(other.publicId, { sid: taken, i: 'x' }))).status).toBe(200);
    const before = await counts(h.db);

    const fresh = randomUUID();
    const good = Array.from({ length: 8 }, () => [wireEvent(h.site.publicId, { i: 'g', ec: 'interaction', ea: 'click' })]);
    const conflict = [wireEvent(h.site.publicId, { sid: fresh, i: 'a' }), wireEvent(h.site.publicId, { sid: taken, i: 'b' })];
    const outOfWindow = [wireEvent(h.site.publicId, { i: 'c', sm: shiftMonth(Date.now(), -3) })];
    const answers = await Promise.all([...good.slice(0, 4), conflict, outOfWindow, ...good.slice(4)].map((b) => sync(h.handler, b)));

    expect(answers[4]!.status).toBe(400);
    expect(answers[4]!.json.error).toBe('session_unavailable');
    expect(answers[5]!.status).toBe(400);
    expect(answers[5]!.json.error).toBe('month_out_of_window');
    for (const a of [...answers.slice(0, 4), ...answers.slice(6)]) expect(a.json).toEqual({ status: 'synced', score: 10, accepted: 1 });
    expect(await counts(h.db)).toEqual({ ...before, sessions: before.sessions + 8, events: before.events + 8 });
    // The refused body's other session was not created, and the other site's row is untouched.
    expect(await h.db.query('select 1 from public.sessions where id = $1', [fresh])).toEqual([]);
    const [kept] = await h.db.query<any>('select site_id, event_count from public.sessions where id = $1', [taken]);
    expect(kept).toEqual({ site_id: other.id, event_count: 1 });
  });

  it('writes requests that arrive together in one transaction', async () => {
    const db = h.db;
    // The group closes when all twenty are in it, however slowly a loaded machine brings them.
    configureGroupCommit(db, { maxRequests: 20, waitMs: 10_000, concurrency: 1 });
    try {
      const bodies = Array.from({ length: 20 }, (_, n) => [wireEvent(h.site.publicId, { i: `t${n}` })]);
      const answers = await Promise.all(bodies.map((b) => sync(h.handler, b)));
      for (const a of answers) expect(a.json).toEqual({ status: 'synced', score: 0, accepted: 1 });
      // One transaction id wrote all twenty events.
      const [row] = await db.query<any>('select count(distinct xmin::text)::int as n from public.events where session_id = any($1::uuid[])', [
        bodies.map((b) => b[0]!.sid),
      ]);
      expect(row.n).toBe(1);
    } finally {
      configureGroupCommit(db, {});
    }
  });

  it('fails only the request whose data the database refuses, not its neighbours', async () => {
    const siteIds = new Map([[h.site.publicId, h.site.id]]);
    const input = (e: WireEvent): IngestInput => ({ events: [e], siteIds, now: Date.now(), userAgent: null, cookieClickIds: {} });
    // A NUL in jsonb passes no validator here on purpose: only the database refuses it.
    const bad = input(wireEvent(h.site.publicId, { i: 'bad', meta: { x: 'a\u0000b' } }));
    const goods = Array.from({ length: 3 }, (_, n) => input(wireEvent(h.site.publicId, { i: `ok${n}` })));
    const results = await commitGroup(h.db, [goods[0]!, bad, goods[1]!, goods[2]!]);
    expect(results[1]).toBeInstanceOf(Error);
    expect(results[1]).not.toBeInstanceOf(SessionConflictError);
    for (const n of [0, 2, 3]) expect(results[n]).toEqual({ score: 0, accepted: 1, clickIds: {} });
    expect(await h.db.query('select 1 from public.sessions where id = $1', [bad.events[0]!.sid])).toEqual([]);
  });
});

// Two groups in flight with the same new session: one inserts it, the other's first statement
// cannot see it yet (its snapshot is older) and must still write to it once it is committed.
describe.runIf(backends.includes('postgres'))('group commit racing a concurrent insert of the same session on postgres', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness('postgres');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('writes to a session another transaction inserted while this group waited for it', async () => {
    const siteIds = new Map([[h.site.publicId, h.site.id]]);
    const event = wireEvent(h.site.publicId, { i: 'late', ec: 'interaction', ea: 'click' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((r) => (inserted = r));
    const other = h.db.transaction(async (tx) => {
      await tx.query(`insert into public.sessions (id, created_month, site_id) values ($1, $2::date, $3)`, [
        event.sid, `${event.sm}-01`, h.site.id,
      ]);
      inserted();
      await gate;
    });
    await insertedYet;
    const group = commitGroup(h.db, [{ events: [event], siteIds, now: Date.now(), userAgent: null, cookieClickIds: {} }]);
    // Commit the other transaction only once this group is waiting on its row.
    for (;;) {
      const [w] = await h.db.query<any>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
      if (w.n > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    release();
    await other;
    const [result] = await group;
    expect(result).toEqual({ score: expectedScore([event]), accepted: 1, clickIds: {} });
    const [row] = await h.db.query<any>('select event_count, lead_score from public.sessions where id = $1', [event.sid]);
    expect(row).toEqual({ event_count: 1, lead_score: expectedScore([event]) });
  });
});
