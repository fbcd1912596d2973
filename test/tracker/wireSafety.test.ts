// One bad event makes the server refuse its whole batch (400), and the tracker drops a refused batch:
// these keep every event the tracker sends acceptable, and the send chain alive.
import { describe, expect, it, vi } from 'vitest';
import { clickIds, createTracker, pageview } from '../../src/index.js';
import { events, sent, settle, stored, useTrackerEnv } from './support.js';

useTrackerEnv();

/** An outbox entry as an earlier page (or an older visit) left it. */
const entry = (i: string, sm: string, ea: string, until = 0) =>
  localStorage.setItem(
    'om:e:' + i,
    JSON.stringify([until, { s: 'site1', u: 'https://x.test/', sid: '6f1c3f7e-8f5a-4d3b-9a51-1b2c3d4e5f60', sm, ec: 'old', ea, i, t: 1 }]),
  );

describe('events the server would refuse', () => {
  it('never cuts a label through a surrogate pair', async () => {
    const t = createTracker({ site: 'site1', delay: 0 });
    const label = 'a'.repeat(511) + '\u{1F600}' + 'tail';
    t.track('custom', 'emoji', label);
    t.track('custom', 'fits', 'a'.repeat(510) + '\u{1F600}' + 'tail');
    await t.flush();
    const [cutLabel, fits] = events().map((e) => e.el!);
    expect(cutLabel).toBe('a'.repeat(511));
    expect(fits).toBe('a'.repeat(510) + '\u{1F600}');
    // Every cut field is well formed UTF-16 (no lone surrogate the server would refuse).
    for (const e of events()) expect(e.el).toMatch(/^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/);
    t.destroy();
  });

  it('discards outbox entries of a session month the server no longer takes, and sends the rest', async () => {
    // Now is 2026-11-20: the server takes 2026-10 .. 2026-12.
    entry('0a', '2026-09', 'two months ago');
    entry('0b', '2026-10', 'last month');
    const t = createTracker({ site: 'site1', delay: 0 });
    t.track('custom', 'fresh');
    await t.flush();
    expect(sent).toHaveLength(1);
    expect(events().map((e) => e.ea)).toEqual(['last month', 'fresh']);
    expect(stored()).toEqual([]);
    t.destroy();
  });

  it('takes the previous month from the calendar, on the first day of a month too', async () => {
    vi.setSystemTime(new Date('2026-03-01T00:00:01Z'));
    entry('0a', '2026-01', 'january');
    entry('0b', '2026-02', 'february');
    const t = createTracker({ site: 'site1', delay: 0 });
    await t.flush();
    expect(events().map((e) => e.ea)).toEqual(['february']);
    expect(stored()).toEqual([]);
    t.destroy();
  });

  it('ignores click ids and UTM values with a NUL, and does not remember them', async () => {
    history.replaceState(null, '', '/landing?gclid=ab%00c&utm_source=go%00ogle&utm_medium=cpc');
    const t = createTracker({ site: 'site1', delay: 0, collectors: [pageview(), clickIds()] });
    await settle();
    await t.flush();
    expect(events()[0]!.meta).toEqual({ utm_medium: 'cpc' });
    expect(localStorage.getItem('om_c')).toBeNull();
    t.destroy();
  });
});

describe('the send chain', () => {
  it('skips outbox values that are not [number, event] and still sends the others', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    localStorage.setItem('om:e:00', JSON.stringify([0, null]));
    localStorage.setItem('om:e:01', JSON.stringify([0]));
    localStorage.setItem('om:e:02', JSON.stringify('text'));
    localStorage.setItem('om:e:03', JSON.stringify({ a: 1 }));
    const t = createTracker({ site: 'site1', delay: 0 });
    t.track('custom', 'a');
    await t.flush();
    t.track('custom', 'b');
    await t.flush();
    expect(events().map((e) => e.ea)).toEqual(['a', 'b']);
    await settle();
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
    t.destroy();
  });

  it('keeps working after a send failed unexpectedly', async () => {
    const t = createTracker({ site: 'site1', delay: 60_000 });
    t.track('custom', 'a');
    // Anything the send did not expect to throw.
    Object.defineProperty(navigator, 'onLine', {
      configurable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    await expect(t.flush()).resolves.toBeUndefined();
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true });
    t.track('custom', 'b');
    await t.flush();
    expect(events().map((e) => e.ea)).toEqual(['a', 'b']);
    t.destroy();
  });

  it("leaves the host page's own keys alone, even when the outbox is full", async () => {
    localStorage.setItem('om_email', 'visitor@example.com');
    localStorage.setItem('om_events', '[1,2,3]');
    const t = createTracker({ site: 'site1', delay: 60_000, maxOutbox: 2 });
    t.track('custom', 'a');
    t.track('custom', 'b');
    t.track('custom', 'c');
    await t.flush();
    expect(events().map((e) => e.ea)).toEqual(['b', 'c']);
    expect(localStorage.getItem('om_email')).toBe('visitor@example.com');
    expect(localStorage.getItem('om_events')).toBe('[1,2,3]');
    t.destroy();
  });
});
