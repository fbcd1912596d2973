/**
 * Hover intent in real browsers, Chromium and Firefox (test/support/engines.ts), with trusted pointer
 * moves: resting, passing over, moving within a target, a custom selector, SPA pages, destroy(). The
 * npm build (dist/index.js) in a module script, with a dwell of 1 s so that a pass-over by the driver
 * is well short of it. Needs `npm run build` first.
 */
import { describe, expect, it } from 'vitest';
import { useEngineSink } from '../support/engine-sink.js';
import { describeEachEngine, type EnginePage } from '../support/engines.js';

const DWELL = 1000;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Hover intent</title>
<style>
  body{margin:0;font:16px sans-serif} .x{display:block;height:80px;margin:0 0 20px}
</style></head><body>
<p id="plain" class="x">Plain text</p>
<button id="quote" class="x"><span id="inner">Get a quote</span></button>
<a id="mail" class="x" href="mailto:office@example.com">Email us</a>
<div id="card" class="x card" data-om-intent="pricing-card">Pro plan</div>
<script type="module">
  import { createTracker, hoverIntent } from '/dist/index.js';
  const selector = new URLSearchParams(location.search).get('selector') || undefined;
  window.tracker = createTracker({ site: 'test_site', endpoint: location.origin, delay: 0, collectors: [hoverIntent({ dwell: ${DWELL}, selector })] });
  window.ready = true;
</script>
</body></html>`;

describeEachEngine(describe, 'hover intent', (engine) => {
  const env = useEngineSink(engine, { build: ['dist/index.js'], pages: { '/hover.html': PAGE }, context: { viewport: { width: 800, height: 700 } } });

  const hovers = () => env.sink.events().filter((e) => e.ec === 'hover_intent').map((e) => [e.ea, e.el, e.ev]);
  const open = async (query = '') => {
    const page = await env.context.newPage();
    await page.goto(`${env.sink.url}/hover.html${query}`);
    await page.waitForFunction(() => (window as any).ready);
    return page;
  };
  /** Longer than the dwell, then whatever the tracker sent has arrived (it sends at once). */
  const pastDwell = (page: EnginePage) => page.evaluate((ms) => new Promise((r) => setTimeout(r, ms)), DWELL * 1.5);

  it('sends one event per target once the pointer rests there for the dwell, moving within it or not; once per page', async () => {
    const page = await open();
    await page.hover('#quote');
    await page.hover('#inner'); // within the target: the dwell goes on
    await env.sink.until(() => hovers().length > 0, 30_000, 'the hover intent');
    expect(hovers()).toEqual([['hover', 'Get a quote', DWELL]]);
    await page.hover('#plain');
    await page.hover('#quote');
    await pastDwell(page);
    expect(hovers()).toHaveLength(1);
  });

  it('sends nothing for a pointer passing over', async () => {
    const page = await open();
    await page.hover('#quote');
    await page.hover('#plain');
    await page.hover('#mail');
    await page.hover('#plain');
    await pastDwell(page);
    expect(hovers()).toEqual([]);
    // The same page does send for a target at rest.
    await page.hover('#mail');
    await env.sink.until(() => hovers().length > 0, 30_000, 'the hover intent');
    expect(hovers()).toEqual([['hover', 'mailto:office@example.com', DWELL]]);
  });

  it('takes a custom selector and a data-om-intent name; counts again on a new SPA page; nothing after destroy', async () => {
    const page = await open('?selector=.card');
    await page.hover('#card');
    await env.sink.until(() => hovers().length === 1, 30_000, 'the first hover intent');
    await page.hover('#quote'); // not among .card
    await pastDwell(page);
    await page.evaluate(() => history.pushState({}, '', '/other'));
    await page.hover('#card');
    await env.sink.until(() => hovers().length === 2, 30_000, 'the hover intent on the new page');
    await page.evaluate(() => (window as any).tracker.destroy());
    await page.hover('#plain');
    await page.hover('#card');
    await pastDwell(page);
    expect(hovers()).toEqual([
      ['hover', 'pricing-card', DWELL],
      ['hover', 'pricing-card', DWELL],
    ]);
  });
});
