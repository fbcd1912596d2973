// Shared helpers for the happy-dom tracker tests: capture what goes over the wire, control time,
// visibility and storage. Tests assert on captured bodies, not on internals.
import { afterEach, beforeEach, vi } from 'vitest';
import type { WireEvent } from '../../src/wire.js';

export interface Sent {
  via: 'fetch' | 'beacon';
  url: string;
  body: unknown;
}

/** Everything the page sent, in order. */
export const sent: Sent[] = [];
/** Status (or thrown error) for the next fetches; default 200. */
export const replies: (Response | Error | number)[] = [];
/** What sendBeacon answers; default true. */
export const beaconReplies: boolean[] = [];

export const fetchMock = vi.fn(async (url: string | URL, init?: RequestInit) => {
  sent.push({ via: 'fetch', url: String(url), body: JSON.parse(String(init?.body)) });
  const next = replies.shift() ?? 200;
  if (next instanceof Error) throw next;
  if (typeof next === 'number') return new Response('{}', { status: next });
  return next;
});

export const beaconMock = vi.fn((url: string, data: unknown) => {
  const ok = beaconReplies.shift() ?? true;
  if (ok) sent.push({ via: 'beacon', url, body: JSON.parse(String(data)) });
  return ok;
});

/** Every event that reached the server (either way), flattened. */
export const events = (path = '/api/sync'): WireEvent[] =>
  sent.filter((s) => s.url.endsWith(path)).flatMap((s) => (Array.isArray(s.body) ? s.body : [s.body])) as WireEvent[];

/** The `conversion/phone_click` events that reached the server: the server records each as a call. */
export const phoneClicks = (): WireEvent[] => events().filter((e) => e.ec === 'conversion' && e.ea === 'phone_click');

/** A click as a visitor makes it: it bubbles and can be cancelled. */
export const click = (el: Element) => el.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));

/** The outbox as stored, oldest first: [claimed until, event], one key per event. */
export const stored = (): [number, WireEvent][] =>
  Object.keys(localStorage)
    .filter((k) => k.startsWith('om:e:'))
    .sort()
    .map((k) => JSON.parse(localStorage.getItem(k)!));

export const setVisibility = (state: 'visible' | 'hidden') => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
};

export const setOnline = (online: boolean) => {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => online });
  window.dispatchEvent(new Event(online ? 'online' : 'offline'));
};

/** Lets pending promise callbacks and zero-delay timers run. */
export const settle = () => vi.advanceTimersByTimeAsync(0);

export function useTrackerEnv() {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'requestAnimationFrame', 'cancelAnimationFrame'] });
    vi.setSystemTime(new Date('2026-11-20T10:00:00Z'));
    localStorage.clear();
    sent.length = 0;
    replies.length = 0;
    beaconReplies.length = 0;
    fetchMock.mockClear();
    beaconMock.mockClear();
    vi.stubGlobal('fetch', fetchMock);
    Object.defineProperty(navigator, 'sendBeacon', { configurable: true, value: beaconMock });
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => true });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    history.replaceState(null, '', '/landing');
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });
}
