/** A database or Redis URL as an operator may see it in a message: no password, no query string. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    url.search = '';
    return url.toString();
  } catch {
    return '(not a URL)';
  }
}

/** `host:port` of a URL, for messages that must name where a connection went. */
export function hostOf(value: string, defaultPort: number): string {
  try {
    const url = new URL(value);
    return `${url.hostname || 'localhost'}:${url.port || defaultPort}`;
  } catch {
    return '(not a URL)';
  }
}
