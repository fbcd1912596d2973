import { describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/index.js';
import { LEASE_MS } from '../../src/tracker/outbox.js';
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
