import { describe, expect, it, vi } from 'vitest';
import { createTracker, interactions } from '../../src/index.js';
import { fingerprintWith } from '../../src/tracker/fingerprint.js';
import { calls, click, events, sent, settle, useTrackerEnv } from './support.js';

useTrackerEnv();


describe('interactions', () => {
  it('sends interaction/click for intent targets only', async () => {
    document.body.innerHTML =
      '<a href="mailto:sales@shop.example" id="m"><b>Mail</b></a><button id="b"> Get a quote </button><p id="p">text</p><a href="/x" id="x">x</a>';
    const t = createTracker({ site: 'site1', delay: 0, collectors: [interactions()] });
    click(document.querySelector('#m b')!);
    click(document.getElementById('b')!);
    click(document.getElementById('p')!);
    click(document.getElementById('x')!);
    await t.flush();
    expect(events().map((e) => [e.ec, e.ea, e.el])).toEqual([
      ['interaction', 'click', 'mailto:sales@shop.example'],
      ['interaction', 'click', 'Get a quote'],
    ]);
    t.destroy();
  });

  it('a tel: click also sends conversion/phone_click and POSTs /api/call-event naming its session, with the fingerprint', async () => {
    document.body.innerHTML = '<a href="tel:+1%20555-0100" id="tel">Call</a>';
    const t = createTracker({
      site: 'site1',
      endpoint: 'https://api.example',
      consent: 'granted',
      delay: 0,
      collectors: [interactions(), fingerprintWith(async () => 'fp-123', true)],
    });
    await vi.advanceTimersByTimeAsync(10);
    click(document.getElementById('tel')!);
    await settle();
    expect(events().map((e) => [e.ec, e.ea, e.el])).toEqual([
      ['interaction', 'click', 'tel:+1%20555-0100'],
      ['conversion', 'phone_click', '+1555-0100'],
    ]);
    // call_time is the click's time, so a late retry still matches the events before the click.
    // The call names the session of the events, so the server can match it without the fingerprint.
    const { sid, sm } = events().at(-1)!;
    expect(calls()).toEqual([
      { site_id: 'site1', phone_number: '+1555-0100', sid, sm, fingerprint: 'fp-123', call_time: '2026-11-20T10:00:00.010Z' },
    ]);
    expect(sent.find((s) => s.url.endsWith('/api/call-event'))!.url).toBe('https://api.example/api/call-event');
    // The session's events (with meta.fp) reach the server before the call that must match them.
    const callAt = sent.findIndex((s) => s.url.endsWith('/api/call-event'));
    const clickAt = sent.findIndex((s) => JSON.stringify(s.body).includes('phone_click'));
    expect(clickAt).toBeGreaterThanOrEqual(0);
    expect(clickAt).toBeLessThan(callAt);
    expect(events().some((e) => e.meta?.fp === 'fp-123')).toBe(true);
    t.destroy();
  });

  it('sends the call at once without a fingerprint (no consent): it names its session instead', async () => {
    document.body.innerHTML = '<a href="tel:5550100" id="tel">Call</a>';
    const t = createTracker({
      site: 'site1',
      delay: 0,
      collectors: [interactions(), fingerprintWith(() => new Promise(() => undefined), true)],
    });
    click(document.getElementById('tel')!);
    const clickedAt = new Date().toISOString();
    await settle();
    const { sid, sm } = events().at(-1)!;
    expect(calls()).toEqual([{ site_id: 'site1', phone_number: '5550100', sid, sm, call_time: clickedAt }]);
    // The session's events reach the server before the call that must match them.
    const clickAt = sent.findIndex((s) => JSON.stringify(s.body).includes('phone_click'));
    expect(clickAt).toBeGreaterThanOrEqual(0);
    expect(clickAt).toBeLessThan(sent.findIndex((s) => s.url.endsWith('/api/call-event')));
    t.destroy();
  });

  it('stops listening on destroy', async () => {
    document.body.innerHTML = '<button id="b">Go</button>';
    const t = createTracker({ site: 'site1', delay: 0, collectors: [interactions()] });
    t.destroy();
    click(document.getElementById('b')!);
    await settle();
    expect(sent).toEqual([]);
  });
});
