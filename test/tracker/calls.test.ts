import { describe, expect, it, vi } from 'vitest';
import { createTracker, interactions } from '../../src/index.js';
import { LEASE_MS } from '../../src/tracker/outbox.js';
import { fingerprintWith } from '../../src/tracker/fingerprint.js';
import { beaconReplies, calls, click, events, replies, sent, setOnline, setVisibility, settle, stored, useTrackerEnv } from './support.js';

useTrackerEnv();

const start = () =>
  createTracker({
    site: 'site1',
    consent: 'granted',
    delay: 0,
    collectors: [interactions(), fingerprintWith(async () => 'fp-1', true)],
  });
const callTel = async () => {
  document.body.innerHTML = '<a href="tel:5550100" id="tel">Call</a>';
  click(document.getElementById('tel')!);
  await settle();
};

// The call-event goes through the same outbox as events: nothing lost offline, on 429/5xx or at page close.
describe('call-events through the outbox', () => {
  it('retries a call answered 503 with backoff until it is taken, and sends it once taken', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const t = start();
    await settle();
    replies.push(200, 503, 503); // the events, then the call twice
    await callTel();
    expect(calls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(750); // backoff 1 s x 0.75
    expect(calls()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1500);
    expect(calls()).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls()).toHaveLength(3);
    // Every attempt is the same call (same call_time), which the server stores once.
    expect(new Set(calls().map((c) => JSON.stringify(c))).size).toBe(1);
    expect(stored()).toEqual([]);
    t.destroy();
  });

  it('honours Retry-After on a 429 for a call', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = start();
    await settle();
    replies.push(200, new Response('{}', { status: 429, headers: { 'Retry-After': '20' } }));
    await callTel();
    await vi.advanceTimersByTimeAsync(19_999);
    expect(calls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls()).toHaveLength(2);
    t.destroy();
  });

  it('keeps a call made offline and sends it when the browser is back online', async () => {
    const t = start();
    await settle();
    setOnline(false);
    await callTel();
    expect(sent).toEqual([]);
    setOnline(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls()).toEqual([expect.objectContaining({ phone_number: '5550100', fingerprint: 'fp-1' })]);
    // The events made before the call went first.
    expect(sent.at(-1)!.url).toMatch(/call-event$/);
    t.destroy();
  });

  it('a call the page could not send (closed during a hang) is sent by the next page', async () => {
    const a = start();
    await settle();
    setOnline(false);
    await callTel();
    a.destroy(); // the page is gone with the call unsent
    setOnline(true);
    const b = createTracker({ site: 'site1', delay: 0 });
    await b.flush();
    expect(calls()).toEqual([expect.objectContaining({ phone_number: '5550100', fingerprint: 'fp-1' })]);
    expect(stored()).toEqual([]);
    b.destroy();
  });

  it('goes by beacon when the page is hidden, and a refused beacon leaves it for later', async () => {
    const t = start();
    await settle();
    setOnline(false);
    await callTel();
    setOnline(true);
    beaconReplies.push(true, false); // the events' beacon is taken, the call's refused
    setVisibility('hidden');
    expect(calls()).toEqual([]);
    expect(stored().map(([, x]) => Object.keys(x).sort().join())).toEqual(['call_time,fingerprint,phone_number,sid,site_id,sm']);
    await t.flush();
    expect(calls()).toHaveLength(1);
    t.destroy();
  });

  it('drops a call the server refuses for good (400) instead of retrying it forever', async () => {
    const t = start();
    await settle();
    replies.push(200, 400);
    await callTel();
    expect(calls()).toHaveLength(1);
    expect(stored()).toEqual([]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls()).toHaveLength(1);
    t.destroy();
  });

  it('waits while an event before it is being sent by another tab, so the session exists (with its fingerprint) first', async () => {
    const t = start();
    await settle();
    setOnline(false);
    await callTel();
    // Another tab claimed the first event (the one carrying meta.fp) and is sending it.
    const first = Object.keys(localStorage).filter((k) => k.startsWith('om:e:')).sort()[0]!;
    const [, e] = JSON.parse(localStorage[first]);
    localStorage[first] = JSON.stringify([Date.now() + LEASE_MS, e]);
    setOnline(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls()).toEqual([]);
    expect(events().length).toBeGreaterThan(0);
    // That tab died: after the lease this one sends the event, then the call.
    vi.setSystemTime(Date.now() + LEASE_MS);
    await t.flush();
    expect(calls()).toHaveLength(1);
    expect(events().some((x) => x.meta?.fp === 'fp-1')).toBe(true);
    expect(sent.at(-1)!.url).toMatch(/call-event$/);
    t.destroy();
  });
});
