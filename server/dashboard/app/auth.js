/**
 * Signed-in sites: each site's dashboard (live) token, kept in localStorage so the owner signs in
 * once per browser. A token the server refuses (rotated, or the site re-created) is forgotten.
 * Storage may be blocked (private mode, policies): then tokens live only as long as the page.
 */
const KEY = 'opsmantik.dashboard';
let memory = {};

function load() {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) || '{}');
    return v && typeof v.tokens === 'object' && v.tokens ? v.tokens : {};
  } catch {
    return memory;
  }
}

function save(tokens) {
  memory = tokens;
  try {
    localStorage.setItem(KEY, JSON.stringify({ tokens }));
  } catch {
    /* kept in memory only */
  }
}

/** Site ids with a token, in the order they were added. */
export const signedInSites = () => Object.keys(load());

export const tokenFor = (site) => load()[site] || '';

export function signIn(site, token) {
  save({ ...load(), [site]: token });
}

export function signOut(site) {
  const tokens = load();
  delete tokens[site];
  save(tokens);
}
