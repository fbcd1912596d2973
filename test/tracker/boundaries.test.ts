/**
 * The tracker's limits at their exact edges (found by mutation testing, docs/testing.md): the batch
 * body budget, a claim's lease and the 30-minute session. (Click ids: clickIds-edges.test.ts.)
 */
import { describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/index.js';
import { BODY_BUDGET, PREFIX, claim } from '../../src/tracker/outbox.js';
import { monthOf, type CallEventBody, type WireEvent } from '../../src/wire.js';
import { events, useTrackerEnv } from './support.js';

useTrackerEnv();

const bytes = (x: unknown) => new TextEncoder().encode(JSON.stringify(x)).length;
const event = (n: number, label = ''): WireEvent => ({
  s: 'site1',
  u: 'https://shop.example/',
  sid: '0b5e6c9e-4a39-4c1f-9f1e-2f6a1d0c9a11',
  sm: monthOf(Date.now()),
  ec: 'custom',
  ea: `e${n}`,
  el: label,
  i: `i${n}`,
  t: Date.now(),
});
// What an earlier version of the tracker queued for /api/call-event, in the same outbox.
const call: CallEventBody = { site_id: 'site1', phone_number: '+15550100', sid: '0b5e6c9e-4a39-4c1f-9f1e-2f6a1d0c9a11', sm: monthOf(Date.now()), call_time: new Date().toISOString() };
/** Writes an outbox entry as the tracker stores it: [claimed until, item]. */
const put = (key: string, until: number, item: unknown) => localStorage.setItem(PREFIX + key, JSON.stringify([until, item]));

describe('the batch body budget', () => {
  /** Two events whose batch body is exactly `size` bytes. */
  const pair = (size: number) => {
    const first = event(1, 'a'.repeat(1000));
    const empty = event(2);
    // body = '[' + first + ',' + second + ']'
    return [first, event(2, 'b'.repeat(size - 3 - bytes(first) - bytes(empty)))] as const;
  };

  it(`a body of exactly ${48 * 1024} bytes goes in one request`, () => {
    expect(BODY_BUDGET).toBe(49_152);
    const [a, b] = pair(49_152);
    expect(bytes([a, b])).toBe(49_152);
    put('1', 0, a);
    put('2', 0, b);
    expect(claim(Date.now()).map(([, x]) => (x as WireEvent).ea)).toEqual(['e1', 'e2']);
  });

  it('one byte more and the second event waits for the next request', () => {
    const [a, b] = pair(49_153);
    expect(bytes([a, b])).toBe(49_153);
    put('1', 0, a);
    put('2', 0, b);
    expect(claim(Date.now()).map(([, x]) => (x as WireEvent).ea)).toEqual(['e1']);
  });
});

describe('the order of the outbox', () => {
  it('is the order the entries were made (their keys), whatever order storage lists them in', () => {
    put('2', 0, event(2));
    put('1', 0, event(1));
    expect(claim(Date.now()).map(([, x]) => (x as WireEvent).ea)).toEqual(['e1', 'e2']);
  });
});

describe('a claim (another tab is sending the entry)', () => {
  it('holds an event until the moment its lease ends, and not after', () => {
    const now = Date.now();
    put('1', now, event(1));
    expect(claim(now)).toEqual([]);
    expect(claim(now + 1)).toHaveLength(1);
  });

  it('removes a call an earlier version queued for /api/call-event, claimed or not, and claims the events around it', () => {
    // Sent in a batch it would make the server refuse every event with it; the server records that
    // call from the phone_click event queued before it.
    const now = Date.now();
    put('1', 0, event(1));
    put('2', 0, call);
    put('3', now + 5000, call);
    put('4', 0, event(4));
    expect(claim(now).map(([k]) => k)).toEqual([PREFIX + '1', PREFIX + '4']);
    expect(localStorage.getItem(PREFIX + '2')).toBeNull();
    expect(localStorage.getItem(PREFIX + '3')).toBeNull();
  });
});

describe('the session', () => {
  it('continues at 29:59.999 without an event, and a new one starts at exactly 30:00', async () => {
    const t = createTracker({ site: 'site1', delay: 0 });
    t.track('custom', 'a');
    vi.setSystemTime(Date.now() + 30 * 60_000 - 1);
    t.track('custom', 'b');
    vi.setSystemTime(Date.now() + 30 * 60_000);
    t.track('custom', 'c');
    await t.flush();
    const [a, b, c] = events();
    expect(b!.sid).toBe(a!.sid);
    expect(c!.sid).not.toBe(a!.sid);
    t.destroy();
  });
});
