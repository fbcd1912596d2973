/*
 * 010_call_once: the same call is stored once.
 *
 * The tracker retries POST /api/call-event (after being offline, on 429 and on 5xx), and a retry
 * can repeat a call that was already stored: the answer was lost on the way back, or the server
 * failed after the commit. Every report of one click carries the same call_time (the click time on
 * the visitor's clock, in milliseconds), so (site, fingerprint, phone number, call_time) names the
 * call. The write path inserts with ON CONFLICT DO NOTHING on this key and answers a repeat with the
 * first row (src/server/calls.ts).
 */

/*
 * Rows that already repeat the key would make the unique index fail to build, and with it the
 * migration and the server's start. Such rows are the same call stored twice, which is what this
 * file forbids from now on: the first one stored (earliest created_at, then lowest id) stays, the
 * later copies go. Rows without a fingerprint are never copies of each other (as in the index
 * below, where NULLs are distinct). Once the index exists this finds nothing.
 */
DELETE FROM public.calls c
  USING public.calls k
  WHERE k.site_id = c.site_id
    AND k.matched_fingerprint = c.matched_fingerprint
    AND k.phone_number = c.phone_number
    AND k.call_time = c.call_time
    AND (k.created_at, k.id) < (c.created_at, c.id);

/*
 * Not partial: recordCall always sets matched_fingerprint, and a row without one (written by other
 * means) can never collide anyway, because a unique index treats NULLs as distinct. A predicate
 * (WHERE matched_fingerprint IS NOT NULL) would therefore change nothing about which rows are
 * unique, and every ON CONFLICT would have to repeat it for PostgreSQL to pick this index.
 * It does not replace calls_site_call_time_idx: a site's calls newest first need call_time right
 * after site_id. Building it locks calls against writes briefly (no CONCURRENTLY: the runner
 * applies each file in a transaction).
 */
CREATE UNIQUE INDEX IF NOT EXISTS calls_site_fingerprint_phone_time_key
  ON public.calls (site_id, matched_fingerprint, phone_number, call_time);
