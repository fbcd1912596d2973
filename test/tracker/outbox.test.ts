import { describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/index.js';
import { backoff, retryAfter } from '../../src/tracker/backoff.js';
import { events, replies, sent, setOnline, settle, stored, useTrackerEnv } from './support.js';

useTrackerEnv();

const retryResponse = (status: number, retry: string) => new Response('{}', { status, headers: { 'Retry-After': retry } });

describe('outbox and retries', () => {
  it('keeps a batch that got a 5xx and retries it after an exponential, jittered backoff', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // jitter factor 0.75
    const t = createTracker({ site: 'site1', delay: 0 });
    replies.push(503, 503);
    t.track('custom', 'a');
    await settle();
    expect(sent).toHaveLength(1);
    // Still stored, no longer claimed.
    expect(stored().map(([until, e]) => [until, e.ea])).toEqual([[0, 'a']]);
    // attempt 0: 1000 ms x 0.75
    await vi.advanceTimersByTimeAsync(749);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    // attempt 1: 2000 ms x 0.75
    await vi.advanceTimersByTimeAsync(1499);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(3);
    expect(stored()).toEqual([]);
    // The same event each time: the server's (sid, i) check stores it once.
    expect(new Set(events().map((e) => e.i)).size).toBe(1);
    t.destroy();
  });

  it('honours Retry-After (seconds) on 429 and 503', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = createTracker({ site: 'site1', delay: 0 });
    replies.push(retryResponse(429, '30'));
    t.track('custom', 'a');
    await settle();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(sent).toHaveLength(1);
    replies.push(retryResponse(503, '60'));
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(3);
    expect(stored()).toEqual([]);
    t.destroy();
  });

  it('retries after a network error', async () => {
    const t = createTracker({ site: 'site1', delay: 0 });
    replies.push(new TypeError('Failed to fetch'));
    t.track('custom', 'a');
    await settle();
    expect(stored()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(2);
    expect(stored()).toEqual([]);
    t.destroy();
  });

  it('drops a batch the server refuses with another 4xx, and warns in debug mode', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const t = createTracker({ site: 'site1', delay: 0, debug: true });
    replies.push(400);
    t.track('custom', 'a');
    await settle();
    expect(stored()).toEqual([]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(sent).toHaveLength(1);
    expect(warn).toHaveBeenCalledWith('[opsmantik]', 'dropped', 1, 'events:', 400);
    t.destroy();
  });

  it('sends what an earlier page left in the outbox', async () => {
    const first = createTracker({ site: 'site1', delay: 0 });
    replies.push(503);
    first.track('custom', 'left');
    await settle();
    first.destroy();
    expect(stored()).toHaveLength(1);
    sent.length = 0;
    // The next page load.
    const next = createTracker({ site: 'site1', delay: 500 });
    await vi.advanceTimersByTimeAsync(500);
    expect(events().map((e) => e.ea)).toEqual(['left']);
    expect(stored()).toEqual([]);
    next.destroy();
  });

  it('waits while offline and drains when the browser is back online', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const t = createTracker({ site: 'site1', delay: 0 });
    setOnline(false);
    t.track('custom', 'a');
    t.track('custom', 'b');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(0);
    expect(stored()).toHaveLength(2);
    setOnline(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(events().map((e) => e.ea)).toEqual(['a', 'b']);
    t.destroy();
  });

  it('online cuts a long backoff short', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = createTracker({ site: 'site1', delay: 0 });
    replies.push(retryResponse(503, '3600'));
    t.track('custom', 'a');
    await settle();
    setOnline(true);
    await settle();
    expect(sent).toHaveLength(2);
    expect(stored()).toEqual([]);
    t.destroy();
  });

  it('is bounded: the oldest events go first and the loss is counted in meta.dropped', async () => {
    const t = createTracker({ site: 'site1', maxOutbox: 3, batchSize: 100, delay: 60_000 });
    for (const a of ['a', 'b', 'c', 'd', 'e']) t.track('custom', a);
    expect(stored().map(([, e]) => e.ea)).toEqual(['c', 'd', 'e']);
    expect(stored().map(([, e]) => e.meta?.dropped)).toEqual([undefined, 1, 1]);
    await t.flush();
    expect(events().map((e) => e.ea)).toEqual(['c', 'd', 'e']);
    t.destroy();
  });
});

describe('backoff', () => {
  it('doubles from 1 s up to 5 minutes with a jitter factor in [0.5, 1)', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect([0, 1, 2, 3, 20].map(backoff)).toEqual([500, 1000, 2000, 4000, 150_000]);
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    expect(backoff(20)).toBeCloseTo(299_850, 0);
  });

  it('reads Retry-After in seconds, and ignores what is not a number', () => {
    expect(retryAfter('120')).toBe(120_000);
    expect(retryAfter('0.5')).toBe(500);
    expect(retryAfter('Fri, 20 Nov 2026 10:01:00 GMT')).toBe(0);
    expect(retryAfter(null)).toBe(0);
    expect(retryAfter(undefined)).toBe(0);
  });
});
