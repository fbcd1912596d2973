/**
 * The shape of a CLI command: its words, its flags (each also an environment variable), examples,
 * and what it runs. Commands are rows of the table in commands.ts; a module that adds commands
 * (ads, keys) exports Command objects and adds one row each.
 */
export interface Flag {
  name: string;
  type: 'string' | 'boolean';
  /** The environment variable read when the flag is absent. */
  env?: string;
  multiple?: boolean;
  /** Shown in help: `--port N`. */
  placeholder?: string;
  description: string;
  /** Shown in help and docs; applied by the command itself. */
  default?: string;
}

/** A flag's value and where it came from, so messages can name the setting ("--database-url", "DATABASE_URL"). */
export interface Setting<T> {
  value: T;
  from: string;
}

export interface Parsed {
  /** Flag values by name (strings, booleans, or string arrays for `multiple`). */
  values: Record<string, string | boolean | string[] | undefined>;
  /** Where each given value came from: `--name` or the environment variable. */
  from: Record<string, string>;
}

export interface CommandContext {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface Command {
  /** The words that name it: ['site', 'create']. */
  words: string[];
  summary: string;
  flags: Flag[];
  examples: string[];
  /** Resolves to the exit code; `'running'` keeps the process alive (serve). */
  run(parsed: Parsed, ctx: CommandContext): Promise<number | 'running'>;
}

/** Thrown for a usage or setting mistake: printed without a stack, exit code 2 (usage) or 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The string value of a flag, with its source. */
export function setting(parsed: Parsed, name: string): Setting<string> | undefined {
  const v = parsed.values[name];
  return typeof v === 'string' ? { value: v, from: parsed.from[name] ?? `--${name}` } : undefined;
}

/** A whole number in [min, max], or a CliError naming the setting. */
export function integer(parsed: Parsed, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const s = setting(parsed, name);
  if (!s) return fallback;
  const n = Number(s.value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${s.from} must be a whole number from ${min} to ${max}; it is ${JSON.stringify(s.value)}.`, 2);
  return n;
}

/** Booleans from the environment: 1/true/yes/on and 0/false/no/off. */
export function envBoolean(value: string, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new CliError(`${name} must be true or false; it is ${JSON.stringify(value)}.`, 2);
}

/** Where the database is: a PostgreSQL URL, or the embedded database's folder. */
export const DATABASE_FLAGS: Flag[] = [
  { name: 'database-url', type: 'string', env: 'DATABASE_URL', placeholder: 'URL', description: 'PostgreSQL to use (postgres://user:password@host:5432/db); without it, the embedded database' },
  { name: 'data-dir', type: 'string', env: 'OPSMANTIK_DATA_DIR', placeholder: 'DIR', description: 'Folder of the embedded database (ignored with a database URL)', default: '.opsmantik/data' },
];

/** The site a command acts on, by its public id. */
export const SITE_FLAG: Flag = { name: 'site', type: 'string', env: 'OPSMANTIK_SITE', placeholder: 'ID', description: 'Public id of the site (om_...)' };

/** The error for a --site that names no site, the same for every command. */
export const unknownSite = (id: string): CliError => new CliError(`No site has the id ${JSON.stringify(id)}; "opsmantik site list" shows them.`);
