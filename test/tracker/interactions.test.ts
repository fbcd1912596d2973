import { describe, expect, it, vi } from 'vitest';
import { createTracker, interactions } from '../../src/index.js';
import { fingerprintWith } from '../../src/tracker/fingerprint.js';
import { click, events, phoneClicks, sent, settle, useTrackerEnv } from './support.js';

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

  it('a tel: click also sends conversion/phone_click, its label the number, at once: the server records the call from it', async () => {
    document.body.innerHTML = '<a href="tel:+1%20555-0100" id="tel">Call</a>';
    const t = createTracker({
      site: 'site1',
      endpoint: 'https://api.example',
      consent: 'granted',
      delay: 60_000,
      collectors: [interactions(), fingerprintWith(async () => 'fp-123', true)],
    });
    await vi.advanceTimersByTimeAsync(10);
    click(document.getElementById('tel')!);
    await settle();
    expect(events().map((e) => [e.ec, e.ea, e.el])).toEqual([
      ['interaction', 'click', 'tel:+1%20555-0100'],
      ['conversion', 'phone_click', '+1555-0100'],
    ]);
    // Its time is the click's, so the call's time is too; its session learned the fingerprint (from
    // its first event on this page).
    const [call] = phoneClicks();
    expect(call!.t).toBe(Date.parse('2026-11-20T10:00:00.010Z'));
    expect(events().some((e) => e.sid === call!.sid && e.meta?.fp === 'fp-123')).toBe(true);
    // One request, to the sync endpoint: nothing else to order or to lose.
    expect(sent.map((s) => s.url)).toEqual(['https://api.example/api/sync']);
    t.destroy();
  });

  it('keeps only the characters of a phone number from the href (an encoded space is none)', async () => {
    document.body.innerHTML = '<a href="tel:+90%20(212)%20555-01.99;ext=7" id="tel">Call</a>';
    const t = createTracker({ site: 'site1', delay: 0, collectors: [interactions()] });
    click(document.getElementById('tel')!);
    await settle();
    expect(phoneClicks().map((e) => e.el)).toEqual(['+90(212)555-01.997']);
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
