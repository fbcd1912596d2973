/**
 * The dashboard's calls to the server: the site's token as a bearer header, JSON back, and a 401
 * turned into an error the page answers by signing that site out.
 */
import { apiQuery } from './query.js';

export class Unauthorized extends Error {}

/** Where the API lives: this page's origin. */
const base = () => location.origin;

async function call(path, st, token, extra) {
  const res = await fetch(`${base()}${path}?${apiQuery(st, extra)}`, {
    headers: { authorization: `Bearer ${token}` },
    cache: 'no-store',
  });
  if (res.status === 401 || (res.status === 404 && path !== '/api/lead')) {
    const body = await res.json().catch(() => ({}));
    throw new Unauthorized(body.message || `HTTP ${res.status}`);
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body.message || `HTTP ${res.status}`);
  }
  return res;
}

export const getJson = async (path, st, token, extra) => (await call(path, st, token, extra)).json();

/** Downloads the CSV of `what` (leads or a dimension) for the current view. */
export async function downloadCsv(what, st, token) {
  const res = await call('/api/export', st, token, { what });
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '')?.[1] || `${what}.csv`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The site's change stream (server-sent events); EventSource cannot send headers, so the token rides in the query. */
export function openStream(site, token) {
  return new EventSource(`${base()}/api/live?${new URLSearchParams({ site, token })}`);
}
