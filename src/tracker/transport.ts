/**
 * Both ways out send a text/plain body: a "simple" request needs no CORS preflight, and a preflight
 * would be lost when the page unloads.
 */

/** POST that survives the page going away (fetch keepalive); string bodies are text/plain. */
export const post = (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', body: JSON.stringify(body), keepalive: true });

/** Hands a body to the browser for delivery after unload; false when refused or unavailable. */
export const beacon = (url: string, body: unknown): boolean | undefined => navigator.sendBeacon?.(url, JSON.stringify(body));
