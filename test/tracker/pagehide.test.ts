import { describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/index.js';
import { beaconMock, beaconReplies, events, fetchMock, replies, sent, setOnline, setVisibility, settle, stored, useTrackerEnv } from './support.js';

useTrackerEnv();

describe('page hide', () => {
  it('sends everything waiting by sendBeacon at once on visibilitychange: hidden', async () => {
    const t = createTracker({ site: 'site1', endpoint: 'https://api.example', delay: 60_000 });
    t.track('custom', 'a');
    t.track('custom', 'b');
    setVisibility('hidden');
    expect(beaconMock).toHaveBeenCalledTimes(1);
    expect(beaconMock.mock.calls[0]![0]).toBe('https://api.example/api/sync');
    // A string body: text/plain, no preflight.
    expect(typeof beaconMock.mock.calls[0]![1]).toBe('string');
    expect(events().map((e) => e.ea)).toEqual(['a', 'b']);
    expect(stored()).toEqual([]);
    // Nothing left for the timer, and a second hide signal sends nothing twice.
    window.dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).toHaveLength(1);
    expect(fetchMock).not.toHaveBeenCalled();
    t.destroy();
  });

  it('also on pagehide', () => {
    const t = createTracker({ site: 'site1', delay: 60_000 });
    t.track('custom', 'a');
    window.dispatchEvent(new Event('pagehide'));
    expect(events().map((e) => e.ea)).toEqual(['a']);
    t.destroy();
  });

  it('keeps events in the outbox when the browser refuses the beacon, for the next page', async () => {
    const t = createTracker({ site: 'site1', delay: 60_000 });
    t.track('custom', 'a');
    beaconReplies.push(false);
    setVisibility('hidden');
    expect(sent).toHaveLength(0);
    expect(stored().map(([until, e]) => [until, e.ea])).toEqual([[0, 'a']]);
    t.destroy();
    const next = createTracker({ site: 'site1', delay: 100 });
    await vi.advanceTimersByTimeAsync(100);
    expect(events().map((e) => e.ea)).toEqual(['a']);
    next.destroy();
  });

  it('splits a large unload into bodies under 48 KiB and 100 events', () => {
    const t = createTracker({ site: 'site1', batchSize: 1000, delay: 60_000, maxOutbox: 1000 });
    for (let n = 0; n < 150; n++) t.track('custom', 'big', 'x'.repeat(500), n, { blob: 'y'.repeat(1500) });
    for (let n = 0; n < 120; n++) t.track('custom', 'small', undefined, n);
    setVisibility('hidden');
    const bodies = beaconMock.mock.calls.map((c) => String(c[1]));
    expect(bodies.length).toBeGreaterThan(3);
    for (const b of bodies) {
      expect(new Blob([b]).size).toBeLessThanOrEqual(48 * 1024);
      expect(JSON.parse(b).length).toBeLessThanOrEqual(100);
    }
    expect(events()).toHaveLength(270);
    expect(events().map((e) => e.ev)).toEqual([...Array.from({ length: 150 }, (_, n) => n), ...Array.from({ length: 120 }, (_, n) => n)]);
    t.destroy();
  });

  it('stops at the first refused beacon; the rest stays stored', () => {
    const t = createTracker({ site: 'site1', batchSize: 1000, delay: 60_000, maxOutbox: 1000 });
    for (let n = 0; n < 250; n++) t.track('custom', 'e', undefined, n);
    beaconReplies.push(true, false);
    setVisibility('hidden');
    expect(beaconMock).toHaveBeenCalledTimes(2);
    expect(events()).toHaveLength(100);
    expect(stored().map(([, e]) => e.ev)).toEqual(Array.from({ length: 150 }, (_, n) => n + 100));
    expect(stored().every(([until]) => until === 0)).toBe(true);
    t.destroy();
  });

  it('sends no beacon while offline or while the server asked to wait (it would be lost)', async () => {
    const t = createTracker({ site: 'site1', delay: 0 });
    replies.push(503);
    t.track('custom', 'a');
    await settle();
    setVisibility('hidden');
    expect(beaconMock).not.toHaveBeenCalled();
    expect(stored()).toHaveLength(1);
    t.destroy();

    localStorage.clear();
    const u = createTracker({ site: 'site1', delay: 60_000 });
    u.track('custom', 'b');
    setOnline(false);
    window.dispatchEvent(new Event('pagehide'));
    expect(beaconMock).not.toHaveBeenCalled();
    expect(stored()).toHaveLength(1);
    u.destroy();
  });

  it('leaves a batch that is in flight to its request', async () => {
    let answer!: (r: Response) => void;
    fetchMock.mockImplementationOnce(async (url, init) => {
      sent.push({ via: 'fetch', url: String(url), body: JSON.parse(String(init?.body)) });
      return new Promise<Response>((r) => (answer = r));
    });
    const t = createTracker({ site: 'site1', delay: 0 });
    t.track('custom', 'a');
    await settle();
    t.track('custom', 'b');
    setVisibility('hidden');
    // 'a' is in flight (keepalive), only 'b' goes by beacon.
    expect(sent.map((s) => [s.via, (s.body as { ea: string }[]).map((e) => e.ea)])).toEqual([
      ['fetch', ['a']],
      ['beacon', ['b']],
    ]);
    answer(new Response('{}', { status: 200 }));
    await settle();
    expect(stored()).toEqual([]);
    t.destroy();
  });
});
