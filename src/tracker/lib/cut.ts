/** A string of at most `max` characters: longer fields would make the server refuse the whole batch. */
export const cut = (value: unknown, max: number): string => String(value).slice(0, max);
