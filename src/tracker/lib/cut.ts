/**
 * A string of at most `max` UTF-16 units: longer fields would make the server refuse the whole batch.
 * A cut through a surrogate pair would leave half a character, which the server refuses too: drop it.
 */
export const cut = (value: unknown, max: number): string => String(value).slice(0, max).replace(/[\ud800-\udbff]$/, '');
