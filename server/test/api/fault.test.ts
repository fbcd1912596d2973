/**
 * The database dies under load and comes back: a private PostgreSQL cluster is killed
 * (immediate shutdown) for 10 s while clients keep sending events. Every request must be answered
 * within 3 s (200, or 503 with Retry-After), /readyz must say 503 within its 2 s deadline during
 * the outage and 200 after, the server must recover without a restart, and, once the refused
 * events are sent again (as the tracker does), every event is stored exactly once.
 * Figures are printed for the report (FAULT_FIGURES=1 prints them as JSON).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { serve, type RunningServer } from '../../src/node/serve.js';
import { createSite } from '../../src/store/sites.js';
import { BROWSER_UA, ORIGIN, wireEvent } from '../support/harness.js';
import type { LogEntry } from '../../src/http/log.js';

const OUTAGE_MS = 10_000;
const BEFORE_MS = 3000;
const AFTER_MS = 5000;
const WORKERS = 4;
const ANSWER_WITHIN_MS = 3000;
const READY_WITHIN_MS = 2000;

interface Sent {
  sid: string;
  i: string;
  status: number;
  ms: number;
  retryAfter: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a PostgreSQL outage under load', () => {
  let pg: PrivatePostgres;
  let running: RunningServer;
  let site: string;
  const logs: LogEntry[] = [];

  beforeAll(async () => {
    pg = await startPrivatePostgres({});
    running = await serve({
      databaseUrl: pg.url,
      port: 0,
      handler: { log: (e) => logs.push(e), limits: { sync: 1_000_000, call: 1_000_000 } },
    });
    site = (await createSite(running.db, { ownerEmail: 'fault@example.com', origins: [ORIGIN] })).publicId;
  });
  afterAll(async () => {
    await running?.close();
    await pg?.stop();
  });

  async function post(event: ReturnType<typeof wireEvent>): Promise<Sent> {
    const started = performance.now();
    let status = 0;
    let retryAfter: string | null = null;
    try {
      const res = await fetch(`${running.url}/api/sync`, {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      const body = (await res.json()) as { accepted?: number };
      if (status === 200 && body.accepted !== 1) status = -200; // acknowledged without storing: would be a loss
    } catch {
      status = -1; // no answer at all
    }
    return { sid: event.sid, i: event.i!, status, ms: performance.now() - started, retryAfter };
  }

  it('answers every request within 3 s, says so on /readyz, recovers, and loses or doubles nothing', async () => {
    const sent: Sent[] = [];
    const readiness: Array<{ at: number; status: number; ms: number }> = [];
    let phase: 'before' | 'outage' | 'after' = 'before';
    const outage = { start: 0, end: 0 };
    let stop = false;
    const t0 = performance.now();

    const worker = async () => {
      while (!stop) {
        sent.push(await post(wireEvent(site, { i: randomUUID() })));
        await sleep(40);
      }
    };
    const prober = async () => {
      while (!stop) {
        const started = performance.now();
        let status = -1;
        try {
          status = (await fetch(`${running.url}/readyz`, { signal: AbortSignal.timeout(10_000) })).status;
        } catch {
          /* no answer */
        }
        readiness.push({ at: started - t0, status, ms: performance.now() - started });
        await sleep(200);
      }
    };
    const load = [...Array.from({ length: WORKERS }, worker), prober()];
    await sleep(BEFORE_MS);
    phase = 'outage';
    outage.start = performance.now() - t0;
    await pg.kill();
    await sleep(OUTAGE_MS);
    await pg.restart();
    outage.end = performance.now() - t0;
    phase = 'after';
    await sleep(AFTER_MS);
    stop = true;
    await Promise.all(load);
    expect(phase).toBe('after');

    // Every refused event is sent again, as the tracker does, until it is acknowledged.
    const refused = sent.filter((s) => s.status !== 200);
    let retried = 0;
    const lanes = Array.from({ length: 8 }, async (_, lane) => {
      for (const r of refused.filter((_, n) => n % 8 === lane)) {
        for (let attempt = 0; attempt < 5; attempt += 1) {
          retried += 1;
          const again = await post(wireEvent(site, { sid: r.sid, i: r.i }));
          if (again.status === 200) break;
          await sleep(500);
        }
      }
    });
    await Promise.all(lanes);

    // One event per session: the session id is the tracker's sid.
    const rows = await running.db.query<{ sid: string; n: number }>(
      'select session_id::text as sid, count(*)::int as n from public.events group by session_id',
    );
    const stored = rows.reduce((a, r) => a + r.n, 0);
    const doubled = rows.filter((r) => r.n > 1).length;

    const ok = sent.filter((s) => s.status === 200);
    const unavailable = sent.filter((s) => s.status === 503);
    const other = sent.filter((s) => s.status !== 200 && s.status !== 503);
    const slowest = Math.max(...sent.map((s) => s.ms));
    const during = readiness.filter((r) => r.at > outage.start + 1000 && r.at + r.ms < outage.end);
    const after = readiness.filter((r) => r.at > outage.end);
    const firstReadyAfter = after.find((r) => r.status === 200);
    const figures = {
      requests: sent.length,
      ok: ok.length,
      unavailable_503: unavailable.length,
      other: other.map((o) => o.status),
      slowest_ms: Math.round(slowest),
      slowest_503_ms: Math.round(Math.max(0, ...unavailable.map((s) => s.ms))),
      retried,
      distinct_events: sent.length,
      stored_rows: stored,
      doubled,
      readyz_during_outage: during.map((r) => r.status).join(','),
      readyz_slowest_during_ms: Math.round(Math.max(0, ...during.map((r) => r.ms))),
      ready_again_after_restart_ms: firstReadyAfter ? Math.round(firstReadyAfter.at - outage.end) : null,
      circuit_logs: logs.filter((l) => l.msg.startsWith('database_')).map((l) => l.msg),
    };
    console.log(`fault figures ${JSON.stringify(figures)}`);

    expect(other).toEqual([]);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(unavailable.every((s) => s.retryAfter !== null && /^\d+$/.test(s.retryAfter))).toBe(true);
    expect(slowest).toBeLessThan(ANSWER_WITHIN_MS);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((r) => r.status === 503 && r.ms < READY_WITHIN_MS)).toBe(true);
    expect(firstReadyAfter).toBeDefined();
    expect(after.at(-1)?.status).toBe(200);
    // Requests after the restart are stored again without a restart of the server.
    expect(sent.slice(-WORKERS * 5).every((s) => s.status === 200)).toBe(true);
    // Every event exactly once: the acknowledged ones and the retried ones.
    expect(stored).toBe(sent.length);
    expect(doubled).toBe(0);
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  }, 120_000);
});
