import { describe, expect, it, vi } from 'vitest';
import { createTracker, hoverIntent } from '../../src/index.js';
import { events, useTrackerEnv } from './support.js';

useTrackerEnv();

const over = (el: Element, from: Element | null = document.body) => {
  from?.dispatchEvent(new MouseEvent('mouseout', { bubbles: true, relatedTarget: el }));
  el.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, relatedTarget: from }));
};
const hovers = () => events().filter((e) => e.ec === 'hover_intent').map((e) => [e.ea, e.el, e.ev]);

describe('hoverIntent', () => {
  it('sends one event per target when the pointer rests for the dwell time', async () => {
    document.body.innerHTML = '<a id="tel" href="tel:+15550100"><span>Call us</span></a><p id="text">text</p>';
    const tel = document.getElementById('tel')!;
    const t = createTracker({ site: 'site1', delay: 0, collectors: [hoverIntent()] });
    over(tel);
    over(tel.firstElementChild!, tel); // moving within the target keeps the dwell going
    await vi.advanceTimersByTimeAsync(299);
    expect(hovers()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await t.flush();
    expect(hovers()).toEqual([['hover', 'tel:+15550100', 300]]);
    // Again on the same page: nothing more.
    over(document.getElementById('text')!, tel);
    over(tel);
    await vi.advanceTimersByTimeAsync(1000);
    await t.flush();
    expect(hovers()).toHaveLength(1);
    t.destroy();
  });

  it('ignores a pointer passing over before the dwell', async () => {
    document.body.innerHTML = '<button id="b">Get a quote</button><div id="d">x</div><a href="mailto:a@b.example" id="m">mail</a>';
    const t = createTracker({ site: 'site1', delay: 0, collectors: [hoverIntent({ dwell: 500 })] });
    over(document.getElementById('b')!);
    await vi.advanceTimersByTimeAsync(200);
    over(document.getElementById('d')!, document.getElementById('b'));
    await vi.advanceTimersByTimeAsync(1000);
    over(document.getElementById('m')!);
    await vi.advanceTimersByTimeAsync(400);
    over(document.body, document.getElementById('m'));
    await vi.advanceTimersByTimeAsync(1000);
    await t.flush();
    expect(hovers()).toEqual([]);
    over(document.getElementById('b')!);
    await vi.advanceTimersByTimeAsync(500);
    await t.flush();
    expect(hovers()).toEqual([['hover', 'Get a quote', 500]]);
    t.destroy();
  });

  it('takes a custom selector and a data-om-intent name; counts again on a new SPA page', async () => {
    document.body.innerHTML = '<div class="card" data-om-intent="pricing-card">Pro</div>';
    const card = document.querySelector('.card')!;
    const t = createTracker({ site: 'site1', delay: 0, collectors: [hoverIntent({ selector: '.card', dwell: 100 })] });
    over(card);
    await vi.advanceTimersByTimeAsync(100);
    history.pushState({}, '', '/other');
    over(document.body, card);
    over(card);
    await vi.advanceTimersByTimeAsync(100);
    t.destroy();
    over(document.body, card);
    over(card);
    await vi.advanceTimersByTimeAsync(100);
    await t.flush();
    expect(hovers()).toEqual([
      ['hover', 'pricing-card', 100],
      ['hover', 'pricing-card', 100],
    ]);
  });
});
