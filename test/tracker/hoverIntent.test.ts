/**
 * Hover intent's script half in happy-dom: the rule it installs and what it does with the browser's
 * answer, an `animationstart` of its animation. The dwell itself (resting, passing over, moving within
 * a target, a site's own animation winning) is timed by the browser's style engine, which happy-dom
 * does not have: test/browser/hover-intent.test.ts checks it in Chromium and Firefox.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTracker, hoverIntent } from '../../src/index.js';
import { events, useTrackerEnv } from './support.js';

useTrackerEnv();

/** What the browser dispatches once a target has been hovered for the dwell. */
const dwelt = (el: Element, animationName = 'hover_intent') => el.dispatchEvent(new AnimationEvent('animationstart', { bubbles: true, animationName }));
const hovers = () => events().filter((e) => e.ec === 'hover_intent').map((e) => [e.ea, e.el, e.ev]);
/** The rule the newest tracker installed. */
const rule = () => [...document.head.querySelectorAll('style')].at(-1)?.textContent;

describe('hoverIntent', () => {
  it('asks the browser for an animation after the dwell on a hovered target, with no specificity and no keyframes', () => {
    const t = createTracker({ site: 'site1', delay: 0, collectors: [hoverIntent()] });
    expect(rule()).toBe(
      ':where(a[href^="tel:"],a[href^="mailto:"],button,[data-om-intent]):where(:hover){animation:hover_intent 0s 300ms}@keyframes hover_intent{}',
    );
    // A site whose Content-Security-Policy limits style-src allows the rule by this hash (docs/tracker.md).
    const hash = `sha256-${createHash('sha256').update(rule()!).digest('base64')}`;
    expect(readFileSync(join(process.cwd(), 'docs/tracker.md'), 'utf8')).toContain(`The default rule's hash is \`'${hash}'\``);
    t.destroy();
  });

  it('sends one event per target when the animation starts, once per page', async () => {
    document.body.innerHTML = '<a id="tel" href="tel:+15550100"><span>Call us</span></a><button id="b">Get a quote</button>';
    const t = createTracker({ site: 'site1', delay: 0, collectors: [hoverIntent()] });
    dwelt(document.getElementById('tel')!);
    dwelt(document.getElementById('b')!, 'site-pulse'); // the site's own animation: not ours
    await t.flush();
    expect(hovers()).toEqual([['hover', 'tel:+15550100', 300]]);
    // Again on the same page: nothing more.
    dwelt(document.getElementById('tel')!);
    dwelt(document.getElementById('b')!);
    await t.flush();
    expect(hovers()).toEqual([
      ['hover', 'tel:+15550100', 300],
      ['hover', 'Get a quote', 300],
    ]);
    t.destroy();
  });

  it('takes a custom selector, dwell and data-om-intent name; counts again on a new SPA page; nothing after destroy', async () => {
    document.body.innerHTML = '<div class="card" data-om-intent="pricing-card">Pro</div>';
    const card = document.querySelector('.card')!;
    const t = createTracker({ site: 'site1', delay: 0, collectors: [hoverIntent({ selector: '.card', dwell: 100 })] });
    expect(rule()).toContain(':where(.card):where(:hover){animation:hover_intent 0s 100ms}');
    dwelt(card);
    history.pushState({}, '', '/other');
    dwelt(card);
    t.destroy();
    history.pushState({}, '', '/third');
    dwelt(card);
    await t.flush();
    expect(hovers()).toEqual([
      ['hover', 'pricing-card', 100],
      ['hover', 'pricing-card', 100],
    ]);
  });
});
