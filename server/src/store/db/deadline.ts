/**
 * A deadline on every database call of the request path, for any Db: past it the caller gets
 * StorageUnavailableError (answered 503 with Retry-After) instead of waiting for the database.
 * The call itself cannot always be taken back, so nothing may happen after the answer: every call
 * runs in a transaction whose first step checks that its caller is still waiting, and each later
 * statement checks again; a call that started too late rolls back without writing.
 * Migrations and the CLI use the database without a deadline.
 */
import type { Db, Transaction, QueryOptions } from './types.js';
import { StorageUnavailableError } from '../unavailable.js';

export function withDeadline(db: Db, deadlineMs: number): Db {
  async function bounded<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    let expired = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      if (expired) throw new StorageUnavailableError('The database did not answer in time; the call was abandoned.');
    };
    const work = db.transaction(async (tx) => {
      check();
      const result = await fn({
        async query<T>(text: string, params?: readonly unknown[], o?: QueryOptions) {
          check();
          return tx.query<T>(text, params, o);
        },
        async exec(script: string) {
          check();
          await tx.exec(script);
        },
      });
      // Past the deadline the caller was already answered: roll back rather than commit. (A
      // statement marked `last` carried the commit already; its own check came just before it, so
      // the window in which a late answer meets a commit stays one round trip, as with COMMIT alone.)
      check();
      return result;
    });
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(new StorageUnavailableError(`The database did not answer within ${deadlineMs} ms.`));
      }, deadlineMs);
    });
    // The abandoned call still settles later; its outcome is nobody's business by then.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    kind: db.kind,
    query: <T>(text: string, params?: readonly unknown[], o?: QueryOptions) => bounded((tx) => tx.query<T>(text, params, o)),
    transaction: bounded,
    exec: (script: string) => bounded((tx) => tx.exec(script)),
    listen: (channel, onPayload, onReconnect) => db.listen(channel, onPayload, onReconnect),
    close: () => db.close(),
  };
}
