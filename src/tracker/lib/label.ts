/** A descriptor of an element for `el`: its intent name, link or text (the tracker cuts it to the wire limit). */
export const label = (x: Element): string =>
  x.getAttribute('data-om-intent') || x.getAttribute('href') || x.textContent!.trim();
