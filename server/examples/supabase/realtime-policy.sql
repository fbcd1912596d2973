/*
 * Supabase only: who may receive the per-site Broadcast topic `site:<site uuid>`.
 *
 * The schema's change trigger calls realtime.broadcast_changes('site:<site uuid>', ...) on Supabase,
 * which sends a *private* Broadcast message. Supabase Realtime lets a client join a private channel
 * only if a row-level-security policy on realtime.messages lets that client's role read messages of
 * the topic (realtime.topic() is the topic being joined). This policy lets a signed-in user
 * (`authenticated`, auth.uid()) receive the topics of the sites they own, and nobody anything else;
 * a row is visible only under its own topic, so reading realtime.messages directly shows nothing.
 * Run it once in the SQL editor after the migrations (it is not a migration: the realtime schema
 * exists only on Supabase). Running it again replaces the policy.
 */
DROP POLICY IF EXISTS opsmantik_site_topic_receive ON realtime.messages;
CREATE POLICY opsmantik_site_topic_receive ON realtime.messages
  FOR SELECT
  TO authenticated
  USING (
    realtime.messages.extension = 'broadcast'
    AND realtime.messages.topic = (SELECT realtime.topic())
    AND EXISTS (
      SELECT 1
        FROM public.sites s
       WHERE s.user_id = (SELECT auth.uid())
         AND 'site:' || s.id::text = realtime.messages.topic
    )
  );
COMMENT ON POLICY opsmantik_site_topic_receive ON realtime.messages
  IS 'A site owner may receive the private Broadcast topic site:<site uuid> of their own sites.';
