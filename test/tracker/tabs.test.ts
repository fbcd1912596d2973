import { describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/index.js';
import { LEASE_MS } from '../../src/tracker/outbox.js';
import { ACTIVITY_STEP_MS, IDLE_MS } from '../../src/tracker/session.js';
import { events, fetchMock, replies, sent, settle, stored, useTrackerEnv } from './support.js';

useTrackerEnv();

// Two trackers in one window share localStorage exactly as two tabs of one site do.
describe('two tabs sharing the outbox', () => {
  it('never send the same stored batch twice', async () => {
    // Tab A fails; its batch stays in the shared outbox.
    const a = createTracker({ site: 'site1', delay: 0 });
    replies.push(503);
    a.track('custom', 'from-a');
    await settle();
    expect(stored()).toHaveLength(1);

    // A's request for the retry hangs; tab B comes along meanwhile.
    let answer!: (r: Response) => void;
    fetchMock.mockImplementationOnce(async (url, init) => {
      sent.push({ via: 'fetch', url: String(url), body: JSON.parse(String(init?.body)) });
      return new Promise<Response>((r) => (answer = r));
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(2);
    // Claimed by A while in flight.
    expect(stored()[0]![0]).toBeGreaterThan(Date.now());

    const b = createTracker({ site: 'site1', delay: 0 });
    b.track('custom', 'from-b');
    await b.flush();
    await settle();
    answer(new Response('{}', { status: 200 }));
    await settle();

    const delivered = events().slice(1).map((e) => e.ea);
    expect(delivered.sort()).toEqual(['from-a', 'from-b']);
    expect(stored()).toEqual([]);
    a.destroy();
    b.destroy();
  });

  it('a tab that died mid-send leaves its claim; another tab sends the batch once the lease ran out', async () => {
    const a = createTracker({ site: 'site1', delay: 0 });
    fetchMock.mockImplementationOnce(() => new Promise<Response>(() => {}));
    a.track('custom', 'orphan');
    await settle();
    a.destroy(); // the tab is gone, its request never answered

    const b = createTracker({ site: 'site1', delay: 0 });
    await b.flush();
    expect(sent).toHaveLength(0);
    vi.setSystemTime(Date.now() + LEASE_MS + 1);
    await b.flush();
    expect(events().map((e) => e.ea)).toEqual(['orphan']);
    expect(stored()).toEqual([]);
    b.destroy();
  });

  it('share one session', () => {
    const a = createTracker({ site: 'site1', delay: 60_000 });
    const b = createTracker({ site: 'site1', delay: 60_000 });
    a.track('custom', 'x');
    b.track('custom', 'y');
    const [x, y] = stored().map(([, e]) => e);
    expect(x!.sid).toBe(y!.sid);
    a.destroy();
    b.destroy();
  });
});

describe('two tabs starting a session at the same moment', () => {
  it('end up in one session: events of the losing session join the stored one before they leave', async () => {
    // Tab A starts a session; tab B, restored at the same moment, did not see it and wrote its own.
    const a = createTracker({ site: 'site1', delay: 1000 });
    a.track('pageview', 'view');
    const mine = stored()[0]![1];
    const theirs = { id: '0b7c6f0e-5a7e-4c55-9d3a-2d5f1f3c9a11', m: mine.sm, t: Date.now() + 3 };
    localStorage.om_s = JSON.stringify(theirs);
    a.track('custom', 'after');
    await vi.advanceTimersByTimeAsync(1000);
    expect(events().map((e) => e.sid)).toEqual([theirs.id, theirs.id]);
    a.destroy();
  });

  it('leave an ended session alone: its events keep their own session id', async () => {
    const a = createTracker({ site: 'site1', delay: 1000 });
    a.track('custom', 'old');
    const old = stored()[0]![1].sid;
    a.destroy();
    // 31 minutes idle (offline meanwhile, so the event is still waiting): the next page starts a new session.
    vi.setSystemTime(Date.now() + 31 * 60_000);
    const b = createTracker({ site: 'site1', delay: 1000 });
    b.track('custom', 'new');
    await vi.advanceTimersByTimeAsync(1000);
    const bySid = Object.fromEntries(events().map((e) => [e.ea, e.sid]));
    expect(bySid.old).toBe(old);
    expect(bySid.new).not.toBe(old);
    b.destroy();
  });

  it('leave an ended session alone when its last event came after its stored activity', async () => {
    const a = createTracker({ site: 'site1', delay: 60_000 });
    const start = Date.now();
    // Within ACTIVITY_STEP_MS of the stored activity: stored, but the session's time is not moved.
    vi.setSystemTime(start + ACTIVITY_STEP_MS - 1);
    a.track('custom', 'last');
    const old = stored()[0]![1].sid;
    a.destroy();
    // The whole idle window after the stored activity, less after that event; still waiting (offline).
    vi.setSystemTime(start + IDLE_MS);
    const b = createTracker({ site: 'site1', delay: 1000 });
    b.track('custom', 'new');
    await vi.advanceTimersByTimeAsync(1000);
    const bySid = Object.fromEntries(events().map((e) => [e.ea, e.sid]));
    expect(bySid.new).not.toBe(old);
    expect(bySid.last).toBe(old);
    b.destroy();
  });
});
