/**
 * Both ways out send a string body, which goes as text/plain: a "simple" request needs no CORS
 * preflight, and a preflight would be lost when the page unloads.
 */

/** POST that survives the page going away (fetch keepalive). */
export const post = (url: string, body: string): Promise<Response> => fetch(url, { method: 'POST', body, keepalive: true });

/** Hands a body to the browser for delivery after unload; false when refused or unavailable. */
export const beacon = (url: string, body: string): boolean | undefined => navigator.sendBeacon?.(url, body);
