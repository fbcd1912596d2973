/**
 * A stand-in for Google Tag Manager's sandbox, enough to run a Community Template's code: the
 * template file's sections, and the sandboxed APIs the OpsMantik template uses with the semantics
 * GTM documents (createArgumentsQueue keeps an existing function; injectScript loads a cache token
 * once and calls every later caller back).
 */
import { readFileSync } from 'node:fs';

export type Sections = Record<string, string>;

export function templateSections(file: string): Sections {
  const text = readFileSync(file, 'utf8');
  const sections: Sections = {};
  const parts = text.split(/^___([A-Z_]+)___$/m);
  for (let i = 1; i < parts.length; i += 2) sections[parts[i]!] = parts[i + 1]!.trim();
  return sections;
}

export interface Sandbox {
  window: Record<string, unknown>;
  injected: string[];
  consent: Record<string, boolean>;
  consentListeners: Array<(type: string, granted: boolean) => void>;
  /** The APIs by name, as `require` hands them out. */
  apis: Record<string, (...args: never[]) => unknown>;
  /** Runs the template's code once, as one firing of a tag with these fields. */
  fire(data: Record<string, unknown>): { success: number; failure: number };
}

export function gtmSandbox(code: string, options: { loadScript?: (url: string, done: (ok: boolean) => void) => void } = {}): Sandbox {
  const window: Record<string, unknown> = {};
  const injected: string[] = [];
  const consent: Record<string, boolean> = {};
  const consentListeners: Sandbox['consentListeners'] = [];
  const tokens = new Map<string, { state: 'loading' | 'ok' | 'failed'; waiting: Array<[() => void, () => void]> }>();
  // The array at a dotted path of the window, created when missing (`opsmantik.q`).
  const arrayAt = (path: string): unknown[] => {
    const keys = path.split('.');
    let o = window as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
    const last = keys[keys.length - 1]!;
    return (o[last] ??= []) as unknown[];
  };
  const apis: Sandbox['apis'] = {
    createArgumentsQueue: ((fnKey: string, arrayKey: string) => {
      if (typeof window[fnKey] !== 'function') {
        window[fnKey] = (...args: unknown[]) => void arrayAt(arrayKey).push(args);
        arrayAt(arrayKey);
      }
      // Calls go to whatever window[fnKey] is when they are made (the tracker replaces the stub).
      return (...args: unknown[]) => (window[fnKey] as (...a: unknown[]) => void)(...args);
    }) as never,
    injectScript: ((url: string, onSuccess: () => void, onFailure: () => void, cacheToken?: string) => {
      const token = cacheToken ?? url;
      const seen = tokens.get(token);
      if (seen) {
        if (seen.state === 'ok') onSuccess();
        else if (seen.state === 'failed') onFailure();
        else seen.waiting.push([onSuccess, onFailure]);
        return;
      }
      const entry = { state: 'loading' as 'loading' | 'ok' | 'failed', waiting: [[onSuccess, onFailure]] as Array<[() => void, () => void]> };
      tokens.set(token, entry);
      injected.push(url);
      const done = (ok: boolean) => {
        entry.state = ok ? 'ok' : 'failed';
        for (const [s, f] of entry.waiting.splice(0)) (ok ? s : f)();
      };
      if (options.loadScript) options.loadScript(url, done);
      else done(true);
    }) as never,
    encodeUriComponent: encodeURIComponent as never,
    isConsentGranted: ((type: string) => consent[type] === true) as never,
    addConsentListener: ((type: string, listener: (t: string, g: boolean) => void) => {
      consentListeners.push((t, g) => t === type && listener(t, g));
    }) as never,
    makeNumber: ((v: unknown) => Number(v)) as never,
    logToConsole: (() => undefined) as never,
  };
  const fire: Sandbox['fire'] = (fields) => {
    const result = { success: 0, failure: 0 };
    const data = { ...fields, gtmOnSuccess: () => result.success++, gtmOnFailure: () => result.failure++ };
    const require = (name: string) => {
      const api = apis[name];
      if (!api) throw new Error(`The template requires ${name}, which this sandbox does not provide`);
      return api;
    };
    new Function('require', 'data', code)(require, data);
    return result;
  };
  return { window, injected, consent, consentListeners, apis, fire };
}
