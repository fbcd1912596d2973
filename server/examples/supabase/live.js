/**
 * Following one site live from a browser with supabase-js (v2), signed in as the site's owner.
 * Two ways, use either or both:
 *
 * 1. Broadcast (recommended): one private topic per site, `site:<site uuid>`, fed by the schema's
 *    change trigger through realtime.broadcast_changes. Every insert, update and delete of the
 *    site's sessions, events and calls, in commit order, whatever the month. Needs the policy in
 *    realtime-policy.sql.
 * 2. postgres_changes on the current month's partitions and on calls, which migration 005 puts in
 *    the supabase_realtime publication one by one. Subscribing to the parent table `events` (as the
 *    original architecture's snippet does) receives nothing: Realtime names a change after the
 *    partition that holds the row (`events_2026_11`), never after its parent, and a parent published
 *    with publish_via_partition_root = true is not decoded at all. Re-subscribe when the month
 *    changes (see realtimeTables).
 *
 *   <script type="module" src="live.js"></script> with SUPABASE_URL, SUPABASE_ANON_KEY and SITE_ID set.
 */
import { createClient } from 'https://esm.sh/@supabase/supabase-js@2';
import { realtimeTables, siteTopic } from './topics.js';

const SUPABASE_URL = 'https://YOUR-PROJECT.supabase.co';
const SUPABASE_ANON_KEY = 'YOUR-ANON-KEY';
const SITE_ID = 'YOUR-SITE-UUID'; // sites.id, not the public id

const supabase = createClient(SUPABASE_URL, SUPABASE_ANON_KEY);

// The owner signs in; row-level security (and the topic policy) then show them their own sites only.
await supabase.auth.signInWithPassword({ email: 'owner@example.com', password: prompt('Password') ?? '' });
// Private channels authorise with the user's JWT, not the anon key.
await supabase.realtime.setAuth();

// 1. Broadcast: payload = { schema, table, operation, record, old_record }
supabase
  .channel(siteTopic(SITE_ID), { config: { private: true } })
  .on('broadcast', { event: '*' }, ({ event, payload }) => {
    if (payload.table === 'sessions') console.log(event, 'session', payload.record.id, payload.record.attribution, payload.record.lead_score);
    if (payload.table === 'events') console.log(event, 'event', payload.record.event_category, payload.record.event_action);
    if (payload.table === 'calls') console.log(event, 'call', payload.record.phone_number, '->', payload.record.matched_session_id);
  })
  .subscribe((status, err) => console.log('broadcast', status, err ?? ''));

// 2. postgres_changes, partition by partition (RLS applies: the owner sees their sites' rows only).
let changes;
function followPartitions() {
  if (changes) supabase.removeChannel(changes);
  changes = supabase.channel(`tables:${SITE_ID}`);
  for (const table of realtimeTables()) {
    changes.on('postgres_changes', { event: '*', schema: 'public', table, filter: `site_id=eq.${SITE_ID}` }, (change) =>
      console.log(change.eventType, change.table, change.new ?? change.old),
    );
  }
  changes.subscribe((status, err) => console.log('postgres_changes', status, err ?? ''));
}
followPartitions();
// A new month means new partitions: follow them from the 1st (checked hourly).
let month = new Date().toISOString().slice(0, 7);
setInterval(() => {
  const now = new Date().toISOString().slice(0, 7);
  if (now !== month) {
    month = now;
    followPartitions();
  }
}, 3600_000);
