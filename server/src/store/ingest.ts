/**
 * The /api/sync write path: what a request gives and gets. Requests are written in groups
 * (group-commit.ts), each group one transaction of set-based statements (ingest-write.ts) over
 * rows planned in plain data (ingest-plan.ts). A repeated `(sid, i)` is stored once; a request is
 * all or nothing, and never fails because of a neighbour in its group.
 */
import type { WireEvent } from '../wire.js';
import type { Db } from './db/types.js';
import type { ClickIds } from '../rules/attribution.js';
import { groupCommitter, type GroupCommitOptions, type GroupCommitter } from './group-commit.js';

export interface IngestInput {
  events: WireEvent[];
  /** Site uuid for each public id in the body (already checked by the handler). */
  siteIds: ReadonlyMap<string, string>;
  now: number;
  userAgent: string | null;
  /** A click id the browser carried in the first-party cookie, if any. */
  cookieClickIds: ClickIds;
  /**
   * The phone calls among `events` (rules/phone.ts phoneCalls): `[index in events, E.164]`. Each is
   * recorded in the write of its event, matched to the event's session (ingest-write.ts).
   */
  calls?: ReadonlyArray<readonly [number, string]>;
}

export interface IngestResult {
  /** Lead score of the last session in the body, after the write. */
  score: number;
  /** Events stored by this request (a repeated `(sid, i)` is not stored again). */
  accepted: number;
  /** Click ids that arrived on a session's own URLs, for the first-party cookie. */
  clickIds: ClickIds;
}

export class SessionConflictError extends Error {
  constructor() {
    // Neutral on purpose: whether the id exists under another site is nobody else's business.
    super('A session id in the body cannot be used; start a new session.');
  }
}

const committers = new WeakMap<Db, GroupCommitter>();

/** Sets how requests on `db` are grouped (tests and the benchmark; the defaults suit a server). */
export function configureGroupCommit(db: Db, options: GroupCommitOptions): void {
  committers.set(db, groupCommitter(db, options));
}

/**
 * Writes a validated /api/sync body, together with whatever other requests on the same database
 * arrive within a millisecond or two (store/group-commit.ts), and resolves after the commit.
 */
export function ingest(db: Db, input: IngestInput): Promise<IngestResult> {
  let committer = committers.get(db);
  if (!committer) committers.set(db, (committer = groupCommitter(db)));
  return committer.submit(input);
}
