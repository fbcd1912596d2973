/** UTF-8 size of a value once serialised, the unit of every wire and beacon limit. */
export const bytes = (value: unknown): number => new Blob([JSON.stringify(value)]).size;
