/**
 * The one storage interface the server talks to. Two implementations run the same SQL:
 * PGlite (embedded, the default) and PostgreSQL through the `postgres` driver (DATABASE_URL).
 */

/** Anything that runs parameterised SQL: the database itself or an open transaction. */
export interface Queryable {
  /** Runs one statement with $1..$n parameters and returns its rows. */
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]>;
}

export interface QueryOptions {
  /**
   * Keep the statement prepared on the connection (PostgreSQL; PGlite ignores it): for hot
   * statements whose text never changes, so parse and plan happen once per connection.
   */
  prepare?: boolean;
  /**
   * In a transaction: this is its last statement, so the commit may travel with it (PostgreSQL
   * sends both in one write and waits one round trip instead of two). Nothing may be queried in
   * the transaction after it; when it fails, nothing of the transaction is committed.
   */
  last?: boolean;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * LISTENs on a channel (a plain lower-case identifier); resolves to the function that stops
   * listening. `onReconnect` is called when the listening connection was lost and LISTEN is in
   * place again: notifications sent in between are lost, so whoever relies on them must catch up.
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** An open transaction: parameterised statements, and scripts (the migration runner applies a file in one). */
export interface Transaction extends Queryable {
  /** Runs a script of several statements without parameters inside the transaction. */
  exec(sql: string): Promise<void>;
}
