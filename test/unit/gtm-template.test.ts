/**
 * The Google Tag Manager Community Template (examples/tag-manager/template.tpl): its sections are
 * what GTM imports (JSON where GTM expects JSON), its fields and permissions cover what its code
 * uses, and its code, run in a stand-in for GTM's sandbox, loads the tracker once however often the
 * tag fires, passes consent, and sends one call per conversion or event firing.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gtmSandbox, templateSections } from '../support/gtm.js';

const file = fileURLToPath(new URL('../../examples/tag-manager/template.tpl', import.meta.url));
const sections = templateSections(file);
const code = sections.SANDBOXED_JS_FOR_WEB_TEMPLATE!;
const load = { tagType: 'load', host: 'https://track.example.com', siteId: 'om_abc', consent: 'consentMode' };

describe('GTM template file', () => {
  it('has the sections GTM imports, JSON where GTM expects it', () => {
    for (const name of ['INFO', 'TEMPLATE_PARAMETERS', 'SANDBOXED_JS_FOR_WEB_TEMPLATE', 'WEB_PERMISSIONS', 'TESTS']) expect(sections[name], name).toBeTruthy();
    const info = JSON.parse(sections.INFO!) as { type: string; containerContexts: string[] };
    expect(info).toMatchObject({ type: 'TAG', containerContexts: ['WEB'] });
    const fields = (JSON.parse(sections.TEMPLATE_PARAMETERS!) as { name: string }[]).map((f) => f.name);
    // Every `data.x` the code reads is a field (or one of GTM's callbacks).
    const used = new Set([...code.matchAll(/data\.(\w+)/g)].map((m) => m[1]!).filter((n) => !n.startsWith('gtmOn')));
    expect([...used].filter((n) => !fields.includes(n))).toEqual([]);
    // Every API the code requires is granted by a permission that GTM ties to it.
    const permissions = (JSON.parse(sections.WEB_PERMISSIONS!) as { instance: { key: { publicId: string } } }[]).map((p) => p.instance.key.publicId);
    const needs: Record<string, string> = { injectScript: 'inject_script', createArgumentsQueue: 'access_globals', isConsentGranted: 'access_consent', addConsentListener: 'access_consent', logToConsole: 'logging' };
    for (const m of code.matchAll(/require\('(\w+)'\)/g)) if (needs[m[1]!]) expect(permissions, m[1]).toContain(needs[m[1]!]);
  });
});

describe('GTM template code in a sandbox', () => {
  it('injects the script once, with the site id in its URL, however often the load tag fires', () => {
    const gtm = gtmSandbox(code);
    const first = gtm.fire(load);
    const second = gtm.fire(load);
    expect(gtm.injected).toEqual(['https://track.example.com/opsmantik.min.js?site=om_abc']);
    expect(first.success + second.success).toBe(2);
  });

  it('follows Consent Mode: denied at first, granted when analytics_storage is granted', () => {
    const gtm = gtmSandbox(code);
    gtm.fire(load);
    const queue = () => (gtm.window.opsmantik as unknown as { q: unknown[][] }).q;
    expect(queue()).toEqual([['consent', 'denied']]);
    for (const listener of gtm.consentListeners) listener('analytics_storage', true);
    expect(queue()).toEqual([['consent', 'denied'], ['consent', 'granted']]);
  });

  it('a conversion firing is one call, with its value as a number; once the tracker is there it goes to it', () => {
    const gtm = gtmSandbox(code);
    gtm.fire({ ...load, consent: 'manual' });
    gtm.fire({ tagType: 'conversion', conversionName: 'lead_form', value: '120' });
    expect((gtm.window.opsmantik as unknown as { q: unknown[][] }).q).toEqual([['conversion', 'lead_form', 120]]);
    // The tracker replaces the stub; later firings call it directly, nothing is replayed.
    const calls: unknown[][] = [];
    gtm.window.opsmantik = (...args: unknown[]) => void calls.push(args);
    gtm.fire({ tagType: 'event', eventCategory: 'gtm', eventAction: 'brochure_download', eventLabel: 'pdf' });
    gtm.fire({ tagType: 'conversion', conversionName: 'lead_form' });
    expect(calls).toEqual([
      ['track', 'gtm', 'brochure_download', 'pdf'],
      ['conversion', 'lead_form'],
    ]);
  });

  it('reports a script that cannot load as a failure', () => {
    const gtm = gtmSandbox(code, { loadScript: (_url, done) => done(false) });
    expect(gtm.fire(load)).toEqual({ success: 0, failure: 1 });
  });
});
