import { describe, expect, it, vi } from 'vitest';
import { events, sent, settle, useTrackerEnv } from './support.js';

useTrackerEnv();

type Api = ((...a: unknown[]) => unknown) & { q?: unknown[] };
const w = window as unknown as { opsmantik?: Api };

/** Installs the documented stub snippet, exactly as a page would. */
const stub = () =>
  // eslint-disable-next-line no-new-func
  new Function("window.opsmantik = window.opsmantik || function(){(opsmantik.q=opsmantik.q||[]).push(arguments)}")();

const loadScript = async (attrs: string) => {
  // The element only carries the data-* attributes (a type happy-dom will not try to fetch and run).
  document.body.innerHTML = `<script type="text/x-test" ${attrs} src="https://cdn.example/t/opsmantik.min.js"></script><a href="tel:5550100" id="tel">Call</a>`;
  // What the browser sets while a classic script runs.
  Object.defineProperty(document, 'currentScript', { configurable: true, get: () => document.querySelector('script') });
  vi.resetModules();
  await import('../../src/script.js');
  Object.defineProperty(document, 'currentScript', { configurable: true, get: () => null });
};

describe('script tag', () => {
  it('replays the stub queue in order, then takes calls directly; endpoint defaults to the script origin', async () => {
    delete w.opsmantik;
    stub();
    w.opsmantik!('track', 'signup', 'start', undefined, undefined, { plan: 'pro' });
    w.opsmantik!('conversion', 'lead', 50);
    expect(w.opsmantik!.q).toHaveLength(2);
    await loadScript('data-site="pub_1"');
    expect(w.opsmantik!.q).toBeUndefined();
    w.opsmantik!('track', 'after', 'x');
    await settle();
    w.opsmantik!('flush');
    await settle();
    expect(sent.every((s) => s.url === 'https://cdn.example/api/sync')).toBe(true);
    expect(events().map((e) => [e.s, e.ec, e.ea])).toEqual([
      ['pub_1', 'signup', 'start'],
      ['pub_1', 'conversion', 'lead'],
      ['pub_1', 'pageview', 'view'],
      ['pub_1', 'after', 'x'],
    ]);
    expect(events()[0]!.meta).toEqual({ plan: 'pro' });
    w.opsmantik!('destroy');
  });

  it('loaded twice (the tag pasted twice, a tag manager injecting it again) is one tracker: nothing counted twice', async () => {
    delete w.opsmantik;
    stub();
    w.opsmantik!('conversion', 'lead', 50);
    await loadScript('data-site="pub_twice"');
    const first = w.opsmantik;
    await loadScript('data-site="pub_twice"');
    expect(w.opsmantik).toBe(first);
    document.getElementById('tel')!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await settle();
    w.opsmantik!('flush');
    await settle();
    const counts = new Map<string, number>();
    for (const e of events()) counts.set(`${e.ec}/${e.ea}`, (counts.get(`${e.ec}/${e.ea}`) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ 'conversion/lead': 1, 'pageview/view': 1, 'interaction/click': 1, 'conversion/phone_click': 1 });
    // The tel: click is its phone_click event only: the server records the call from it.
    expect(sent.every((s) => s.url.endsWith('/api/sync'))).toBe(true);
    w.opsmantik!('destroy');
  });

  it('starts every collector and honours data-endpoint', async () => {
    delete w.opsmantik;
    await loadScript('data-site="pub_2" data-endpoint="https://ingest.example"');
    document.getElementById('tel')!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await settle();
    w.opsmantik!('flush');
    await settle();
    expect(new Set(sent.map((s) => s.url))).toEqual(new Set(['https://ingest.example/api/sync']));
    expect(events().map((e) => e.ec).sort()).toEqual(['conversion', 'interaction', 'pageview']);
    w.opsmantik!('destroy');
  });

  it('ignores unknown commands instead of throwing into the page', async () => {
    delete w.opsmantik;
    stub();
    w.opsmantik!('nonsense', 1);
    await loadScript('data-site="pub_3"');
    expect(() => w.opsmantik!('alsoNonsense')).not.toThrow();
    w.opsmantik!('destroy');
  });
});
