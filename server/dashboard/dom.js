/**
 * A tiny element builder. Every piece of visitor data goes in as text (textContent or an attribute
 * value), never as markup: URLs, labels and click ids come from anyone's browser.
 */
const SVG = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.setAttribute('class', String(v));
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An HTML element: h('li', { class: 'x', 'data-id': id }, child, 'text', ...). */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);

/** An SVG element, the same way. */
export const s = (tag, attrs, ...children) => build(document.createElementNS(SVG, tag), attrs, children);

/** "12:03:45", local time; empty for no time. */
export function clock(isoTime) {
  if (!isoTime) return '';
  const d = new Date(isoTime);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The first block of a UUID, enough to tell sessions apart on screen. */
export const short = (id) => String(id).slice(0, 8);
