/**
 * Structured logs: one JSON object a line. Nothing a visitor or owner would call secret goes in:
 * no query strings (the live token may be one), no bodies (phone numbers), and messages from
 * storage are scrubbed of long digit runs and bearer-like tokens.
 */
export type LogEntry = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; msg: string };
export type Logger = (entry: LogEntry) => void;

// console.log rather than process.stdout: the handler also runs on Web-standard runtimes.
export const jsonLogger: Logger = (entry) => {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...entry }));
};

/** Masks what could be a phone number (7+ digits, with separators) or a token. */
export function scrub(text: string): string {
  return text
    .replace(/\+?\d[\d\s().\-/]{5,}\d/g, '[redacted]')
    .replace(/\b(om[sl]_[A-Za-z0-9_-]+)/g, '[redacted]')
    .replace(/(bearer\s+)\S+/gi, '$1[redacted]');
}

export type LogLevel = 'error' | 'warn' | 'info';
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2 };
export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];

/** A logger that drops entries below `level` (e.g. 'warn' keeps warnings and errors, not the request lines). */
export function leveledLogger(level: LogLevel, inner: Logger = jsonLogger): Logger {
  return (entry) => {
    if (RANK[entry.level] <= RANK[level]) inner(entry);
  };
}
