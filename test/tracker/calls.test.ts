import { describe, expect, it, vi } from 'vitest';
import { createTracker, interactions } from '../../src/index.js';
import { PREFIX } from '../../src/tracker/outbox.js';
import { fingerprintWith } from '../../src/tracker/fingerprint.js';
import { monthOf } from '../../src/wire.js';
import { beaconReplies, click, events, phoneClicks, replies, sent, setOnline, setVisibility, settle, stored, useTrackerEnv } from './support.js';

useTrackerEnv();

const start = (delay = 0) =>
  createTracker({
    site: 'site1',
    consent: 'granted',
    delay,
    collectors: [interactions(), fingerprintWith(async () => 'fp-1', true)],
  });
const callTel = async () => {
  document.body.innerHTML = '<a href="tel:5550100" id="tel">Call</a>';
  click(document.getElementById('tel')!);
  await settle();
};
/** Requests to the endpoint trackers before this one used for calls: none are made now. */
const callRequests = () => sent.filter((s) => s.url.endsWith('/api/call-event'));

// The server records the call from the phone_click event (contract section 2), so the call has every
// guarantee of an event: nothing lost offline, on 429/5xx or at page close, stored once.
describe('a tel: click reaches the server as its phone_click event', () => {
  it('leaves at once, not after the batching delay', async () => {
    const t = start(60_000);
    await callTel();
    expect(phoneClicks()).toEqual([expect.objectContaining({ el: '5550100' })]);
    expect(callRequests()).toEqual([]);
    t.destroy();
  });

  it('is retried after a 503 with backoff until it is taken, each attempt the same event', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const t = start();
    await settle();
    replies.push(503, 503);
    await callTel();
    expect(phoneClicks()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(750); // backoff 1 s x 0.75
    expect(phoneClicks()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1500);
    expect(phoneClicks()).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(phoneClicks()).toHaveLength(3);
    // The same (sid, i) every time: the server stores the event, and records the call, once.
    expect(new Set(phoneClicks().map((e) => JSON.stringify(e))).size).toBe(1);
    expect(stored()).toEqual([]);
    expect(callRequests()).toEqual([]);
    t.destroy();
  });

  it('honours Retry-After on a 429', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = start();
    await settle();
    replies.push(new Response('{}', { status: 429, headers: { 'Retry-After': '20' } }));
    await callTel();
    await vi.advanceTimersByTimeAsync(19_999);
    expect(phoneClicks()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(phoneClicks()).toHaveLength(2);
    t.destroy();
  });

  it('is kept while offline and sent when the browser is back online, in the session that learned the fingerprint', async () => {
    const t = start();
    await settle();
    setOnline(false);
    await callTel();
    expect(sent).toEqual([]);
    setOnline(true);
    await vi.advanceTimersByTimeAsync(1000);
    const [e] = phoneClicks();
    expect(e).toMatchObject({ el: '5550100' });
    // The session's events told the server the fingerprint, so the call's session carries it.
    expect(events().some((x) => x.sid === e!.sid && x.meta?.fp === 'fp-1')).toBe(true);
    t.destroy();
  });

  it('is sent by the next page when the page that made it could not send it', async () => {
    const a = start();
    await settle();
    setOnline(false);
    await callTel();
    a.destroy(); // the page is gone with the event unsent
    setOnline(true);
    const b = createTracker({ site: 'site1', delay: 0 });
    await b.flush();
    expect(phoneClicks()).toEqual([expect.objectContaining({ el: '5550100' })]);
    expect(stored()).toEqual([]);
    b.destroy();
  });

  it('goes by beacon when the page is hidden, and a refused beacon leaves it for later', async () => {
    const t = start();
    await settle();
    setOnline(false);
    await callTel();
    setOnline(true);
    beaconReplies.push(false);
    setVisibility('hidden');
    expect(phoneClicks()).toEqual([]);
    expect(stored().some(([, x]) => x.ea === 'phone_click')).toBe(true);
    setVisibility('visible');
    setVisibility('hidden');
    expect(phoneClicks()).toHaveLength(1);
    expect(sent.at(-1)!.via).toBe('beacon');
    expect(stored()).toEqual([]);
    t.destroy();
  });

  it('a call an earlier version of the tracker left in the outbox is not sent: its phone_click event is, with the rest', async () => {
    // What such a page left: its phone_click event, then the call it queued for /api/call-event.
    const sid = '0b5e6c9e-4a39-4c1f-9f1e-2f6a1d0c9a11';
    const now = Date.now();
    const put = (key: string, item: unknown) => localStorage.setItem(PREFIX + key, JSON.stringify([0, item]));
    put('a1', { s: 'site1', u: 'https://shop.example/', sid, sm: monthOf(now), ec: 'conversion', ea: 'phone_click', el: '5550100', i: 'a1', t: now });
    put('a2', { site_id: 'site1', phone_number: '5550100', sid, sm: monthOf(now), call_time: new Date(now).toISOString() });
    const t = createTracker({ site: 'site1', delay: 0 });
    await t.flush();
    expect(phoneClicks()).toEqual([expect.objectContaining({ i: 'a1', el: '5550100' })]);
    // One body, every item in it an event the server takes: nothing refused for the old call's sake.
    expect(sent.every((s) => (s.body as { ec?: string }[]).every((x) => typeof x.ec === 'string'))).toBe(true);
    expect(callRequests()).toEqual([]);
    expect(stored()).toEqual([]);
    t.destroy();
  });
});
