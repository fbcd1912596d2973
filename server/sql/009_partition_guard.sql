/*
 * 009_partition_guard: partitions made by hand get the same treatment as ensure_month_partitions'.
 *
 * A partition created with a plain CREATE TABLE ... PARTITION OF (or attached with ALTER TABLE
 * ... ATTACH PARTITION) would otherwise start with RLS off, and on Supabase with every privilege
 * granted to anon and authenticated: readable by anyone holding the anon key. This event trigger
 * secures and publishes every partition of sessions and events at the end of any CREATE TABLE or
 * ALTER TABLE that touched one of them or their parents.
 * Creating an event trigger needs a superuser (Supabase allows its postgres role through
 * supautils); where that is refused, this file says so in a NOTICE and the guard is absent, and
 * ensure_month_partitions remains the way to add months.
 */

/*
 * opsmantik_guard_partitions(): event trigger function; see above. Cheap when nothing differs
 * (the helpers only change what differs), and it does not recurse past one level for that reason.
 */
CREATE OR REPLACE FUNCTION public.opsmantik_guard_partitions()
  RETURNS event_trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
AS $fn$
DECLARE
  part record;
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_event_trigger_ddl_commands() c
    WHERE c.classid = 'pg_class'::regclass
      AND (c.objid IN ('public.sessions'::regclass, 'public.events'::regclass)
           OR EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.objid
                      AND i.inhparent IN ('public.sessions'::regclass, 'public.events'::regclass)))
  ) THEN
    RETURN;
  END IF;
  FOR part IN
    SELECT i.inhparent::regclass AS parent, i.inhrelid::regclass AS child
    FROM pg_inherits i
    WHERE i.inhparent IN ('public.sessions'::regclass, 'public.events'::regclass)
  LOOP
    PERFORM public.opsmantik_secure_partition(part.parent, part.child);
    PERFORM public.opsmantik_publish_partition(part.child);
  END LOOP;
END
$fn$;
COMMENT ON FUNCTION public.opsmantik_guard_partitions()
  IS 'Event trigger: secures and publishes partitions of sessions/events however they were created.';
REVOKE ALL ON FUNCTION public.opsmantik_guard_partitions() FROM PUBLIC, anon, authenticated;

DO $guard$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'opsmantik_guard_partitions') THEN
    BEGIN
      CREATE EVENT TRIGGER opsmantik_guard_partitions ON ddl_command_end
        WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
        EXECUTE FUNCTION public.opsmantik_guard_partitions();
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'opsmantik: no event trigger (needs a superuser); create partitions with ensure_month_partitions()';
    END;
  END IF;
END
$guard$;
