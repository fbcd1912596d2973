import { describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/index.js';
import { events, settle, stored, useTrackerEnv } from './support.js';

useTrackerEnv();

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('session', () => {
  it('is a UUID v4 with the UTC month of its start, kept across page loads', async () => {
    vi.setSystemTime(new Date('2026-11-30T23:50:00Z'));
    const first = createTracker({ site: 'site1', delay: 0 });
    first.track('custom', 'a');
    await settle();
    first.destroy();
    // Next page, 20 minutes later and in the next month: same session, same month.
    vi.setSystemTime(new Date('2026-12-01T00:10:00Z'));
    const next = createTracker({ site: 'site1', delay: 0 });
    next.track('custom', 'b');
    await settle();
    const [a, b] = events();
    expect(a!.sid).toMatch(UUID_V4);
    expect(a!.sm).toBe('2026-11');
    expect(b!.sid).toBe(a!.sid);
    expect(b!.sm).toBe('2026-11');
    next.destroy();
  });

  it('ends after 30 minutes without an event', async () => {
    const t = createTracker({ site: 'site1', delay: 0 });
    t.track('custom', 'a');
    vi.setSystemTime(Date.now() + 29 * 60_000);
    t.track('custom', 'b');
    vi.setSystemTime(Date.now() + 30 * 60_000 + 1);
    t.track('custom', 'c');
    await t.flush();
    await settle();
    const [a, b, c] = events();
    expect(b!.sid).toBe(a!.sid);
    expect(c!.sid).not.toBe(a!.sid);
    expect(c!.sid).toMatch(UUID_V4);
    t.destroy();
  });

  it('stores its last activity to within ACTIVITY_STEP_MS: closer events write nothing, and the idle window counts from it', async () => {
    const { ACTIVITY_STEP_MS, IDLE_MS, SESSION_KEY } = await import('../../src/tracker/session.js');
    const storedAt = () => JSON.parse(localStorage[SESSION_KEY]).t as number;
    const t = createTracker({ site: 'site1', delay: 60_000 });
    const start = Date.now();
    expect(storedAt()).toBe(start);
    vi.setSystemTime(start + ACTIVITY_STEP_MS - 1);
    t.track('custom', 'a');
    expect(storedAt()).toBe(start);
    vi.setSystemTime(start + ACTIVITY_STEP_MS);
    t.track('custom', 'b');
    expect(storedAt()).toBe(start + ACTIVITY_STEP_MS);
    // Idle for the whole window after the stored time, though less after event b itself: a new session.
    vi.setSystemTime(start + 2 * ACTIVITY_STEP_MS - 1);
    t.track('custom', 'c');
    vi.setSystemTime(start + ACTIVITY_STEP_MS + IDLE_MS);
    t.track('custom', 'd');
    const [a, b, c, d] = stored().map(([, e]) => e);
    expect([b!.sid, c!.sid]).toEqual([a!.sid, a!.sid]);
    expect(d!.sid).not.toBe(a!.sid);
    expect(storedAt()).toBe(start + ACTIVITY_STEP_MS + IDLE_MS);
    t.destroy();
  });

  it('puts document.referrer in r on the session\'s first event only', async () => {
    Object.defineProperty(document, 'referrer', { configurable: true, get: () => 'https://www.google.com/' });
    const t = createTracker({ site: 'site1', delay: 0 });
    t.track('custom', 'a');
    t.track('custom', 'b');
    vi.setSystemTime(Date.now() + 31 * 60_000);
    t.track('custom', 'c');
    await t.flush();
    await settle();
    expect(events().map((e) => e.r)).toEqual(['https://www.google.com/', undefined, 'https://www.google.com/']);
    t.destroy();
    Object.defineProperty(document, 'referrer', { configurable: true, get: () => '' });
  });

  it('a page load continues the session without repeating the referrer', async () => {
    Object.defineProperty(document, 'referrer', { configurable: true, get: () => 'https://www.google.com/' });
    const first = createTracker({ site: 'site1', delay: 0 });
    first.track('custom', 'a');
    first.destroy();
    const next = createTracker({ site: 'site1', delay: 0 });
    next.track('custom', 'b');
    await next.flush();
    await settle();
    expect(events().map((e) => e.r)).toEqual(['https://www.google.com/', undefined]);
    next.destroy();
    Object.defineProperty(document, 'referrer', { configurable: true, get: () => '' });
  });
});

describe('ids', () => {
  it('falls back to a blob URL\'s UUID v4 where crypto.randomUUID is missing (plain http)', async () => {
    const { uuid, eventId } = await import('../../src/tracker/lib/random.js');
    // Shadow the prototype's method on the instance, as an insecure context lacks it.
    Object.defineProperty(crypto, 'randomUUID', { configurable: true, value: undefined });
    try {
      const ids = new Set(Array.from({ length: 50 }, uuid));
      expect(ids.size).toBe(50);
      for (const id of ids) expect(id).toMatch(UUID_V4);
    } finally {
      delete (crypto as { randomUUID?: unknown }).randomUUID;
    }
    expect(crypto.randomUUID()).toMatch(UUID_V4);
    const ids = Array.from({ length: 1000 }, () => eventId(Date.now()));
    expect(new Set(ids).size).toBe(1000);
    // They sort in the order they were made, so the outbox keeps event order.
    expect([...ids].sort()).toEqual(ids);
  });
});
