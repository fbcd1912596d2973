/** Adds a listener and returns the function that removes it. */
export const on = (
  target: EventTarget,
  type: string,
  fn: (e: any) => void,
  opts?: AddEventListenerOptions | boolean,
): (() => void) => {
  target.addEventListener(type, fn, opts);
  return () => target.removeEventListener(type, fn, opts);
};
