import { describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/index.js';
import { events, fetchMock, sent, settle, stored, useTrackerEnv } from './support.js';

useTrackerEnv();

describe('batching', () => {
  it('sends one batch when batchSize events wait, as a text/plain array', async () => {
    const t = createTracker({ site: 'site1', endpoint: 'https://api.example', batchSize: 3, delay: 60_000 });
    t.track('custom', 'a');
    t.track('custom', 'b');
    await settle();
    expect(sent).toHaveLength(0);
    t.track('custom', 'c', 'label', 7, { plan: 'pro' });
    await settle();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe('https://api.example/api/sync');
    const init = fetchMock.mock.calls[0]![1]!;
    // A string body: text/plain, a "simple" request with no CORS preflight; keepalive survives unload.
    expect(typeof init.body).toBe('string');
    expect(init.headers).toBeUndefined();
    expect(init.keepalive).toBe(true);
    const batch = events();
    expect(batch.map((e) => e.ea)).toEqual(['a', 'b', 'c']);
    expect(batch[2]).toMatchObject({ s: 'site1', u: 'http://localhost:3000/landing', ec: 'custom', el: 'label', ev: 7, meta: { plan: 'pro' } });
    expect(batch[0]).not.toHaveProperty('el');
    expect(batch[0]).not.toHaveProperty('meta');
    // Each event has its own id and time; a retry is never stored twice.
    expect(new Set(batch.map((e) => e.i)).size).toBe(3);
    for (const e of batch) expect(e.t).toBe(Date.now());
    expect(stored()).toEqual([]);
    t.destroy();
  });

  it('sends what waits after the delay', async () => {
    const t = createTracker({ site: 'site1', delay: 1000 });
    t.track('custom', 'a');
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(events().map((e) => e.ea)).toEqual(['a']);
    // Same origin by default.
    expect(sent[0]!.url).toBe('/api/sync');
    t.destroy();
  });

  it('flush() sends at once; conversion() is a conversion event', async () => {
    const t = createTracker({ site: 'site1', delay: 60_000 });
    t.conversion('lead_form', 120);
    await t.flush();
    expect(events()).toMatchObject([{ ec: 'conversion', ea: 'lead_form', ev: 120 }]);
    t.destroy();
  });

  it('never sends more than 100 events in one request', async () => {
    const t = createTracker({ site: 'site1', batchSize: 1000, delay: 60_000 });
    for (let n = 0; n < 250; n++) t.track('custom', 'e' + n);
    await t.flush();
    await settle();
    expect(sent.map((s) => (s.body as unknown[]).length)).toEqual([100, 100, 50]);
    expect(events().map((e) => e.ea)).toEqual(Array.from({ length: 250 }, (_, n) => 'e' + n));
    t.destroy();
  });

  it('cuts fields to the wire limits and drops a non-finite value, so one event cannot sink a batch', async () => {
    const t = createTracker({ site: 'site1', delay: 0 });
    t.track('c'.repeat(100), 'a'.repeat(200), 'l'.repeat(600), Number.NaN, { big: 'x'.repeat(5000) });
    await t.flush();
    const [e] = events();
    expect(e!.ec).toHaveLength(64);
    expect(e!.ea).toHaveLength(128);
    expect(e!.el).toHaveLength(512);
    expect(e).not.toHaveProperty('ev');
    expect(e).not.toHaveProperty('meta');
    t.destroy();
  });
});
