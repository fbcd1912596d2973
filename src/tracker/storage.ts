/**
 * localStorage with a memory fallback. Storage can throw on any access (Safari private mode, blocked
 * cookies, a full quota): from the first failure on, this page works from memory, which holds the
 * last value read or written of every key. (While storage works it is read every time, so other
 * tabs' writes stay visible.)
 */
const mem: Record<string, any> = {};
let broken = false;

const attempt = (action: () => unknown) => {
  try {
    broken || action();
  } catch {
    broken = true;
  }
};

/** The stored value, or something falsy when there is none. */
export const load = <T>(key: string): T | undefined => {
  attempt(() => (mem[key] = JSON.parse(localStorage[key] || 0)));
  return mem[key];
};

export const save = (key: string, value: unknown): void => {
  mem[key] = value;
  attempt(() => (localStorage[key] = JSON.stringify(value)));
};

export const remove = (key: string): void => {
  delete mem[key];
  attempt(() => delete localStorage[key]);
};

/** Keys starting with `prefix`, sorted. */
export const keys = (prefix: string): string[] => {
  let all = mem;
  attempt(() => (all = localStorage));
  return Object.keys(all)
    .filter((k) => k.startsWith(prefix))
    .sort();
};
