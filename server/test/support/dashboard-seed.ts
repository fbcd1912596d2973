/**
 * A site's history for the dashboard's tests, screenshots and benchmark: `sessions` sessions spread
 * evenly over the `days` before `now` (so across three months with the default 85), each with
 * `eventsPerSession` events, every sixth with a conversion, every ninth with a matched call, plus
 * unmatched calls. Made by SQL on the database side (generate_series), so a million events take
 * seconds, not minutes. Values cycle through fixed lists so each breakdown has several rows.
 */
import type { Db } from '../../src/store/db/types.js';

export interface SeedOptions {
  sessions: number;
  eventsPerSession?: number;
  days?: number;
  now: number;
  /** Prefix of the session ids' seed text, so two seeds on one database do not collide. */
  tag?: string;
}

export const SEED_UAS = {
  desktop: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  mobile: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  tablet: 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/604.1',
};

export async function seedDashboard(db: Db, siteId: string, o: SeedOptions): Promise<void> {
  const days = o.days ?? 85;
  const perSession = Math.max(1, o.eventsPerSession ?? 3);
  const tag = o.tag ?? 'seed';
  const now = new Date(o.now);
  // Partitions for every month the history touches.
  for (let t = o.now - days * 86_400_000; t <= o.now + 31 * 86_400_000; t += 20 * 86_400_000) {
    await db.query('select public.ensure_month_partitions($1::date)', [new Date(t).toISOString().slice(0, 10)]);
  }
  const step = (days * 86_400_000) / o.sessions;
  // In slices: 011's trigger holds an advisory lock per new session until the statement's
  // transaction ends, and the server's lock table has room for a few thousand.
  for (let lo = 0; lo < o.sessions; lo += SLICE) {
    await seedSlice(db, siteId, o, { tag, perSession, now, step, lo, hi: Math.min(o.sessions, lo + SLICE) });
  }
  // Every ninth session called a minute after it started; and one unmatched call every ten days.
  await db.query(
    `insert into public.calls (site_id, phone_number, matched_session_id, matched_session_month, matched_fingerprint,
                               lead_score, status, source, call_time)
     select s.site_id, '+1555010' || lpad((i % 1000)::text, 4, '0'), s.id, s.created_month, s.fingerprint, s.lead_score,
            'matched', 'server', s.created_at + interval '1 minute'
       from generate_series(0, $3::int - 1, 9) i join public.sessions s on s.id = md5($2 || i)::uuid and s.site_id = $1::uuid`,
    [siteId, tag, o.sessions],
  );
  await db.query(
    `insert into public.calls (site_id, phone_number, status, source, call_time)
     select $1::uuid, '+15550199' || lpad(d::text, 3, '0'), 'unmatched', 'server', $2::timestamptz - d * interval '1 day' - interval '2 hours'
       from generate_series(0, $3::int, 10) d`,
    [siteId, now.toISOString(), days],
  );
}

const SLICE = 2000;

/** Sessions [lo, hi) of the seed and their events. */
async function seedSlice(
  db: Db,
  siteId: string,
  o: SeedOptions,
  x: { tag: string; perSession: number; now: Date; step: number; lo: number; hi: number },
): Promise<void> {
  const { tag, perSession, now, step, lo, hi } = x;
  await db.query(
    `insert into public.sessions (id, created_month, site_id, fingerprint, gclid, attribution, lead_score, referrer,
                                  landing_url, utm, user_agent, event_count, first_event_at, last_event_at, created_at)
     select md5($1 || i)::uuid, date_trunc('month', t at time zone 'UTC')::date, $2::uuid,
            'fp' || (i % greatest(1, ($3::int * 3) / 4)),
            case when (i / 2) % 3 = 0 then 'gcl-' || i end,
            (array['paid', 'ads_assisted', 'organic'])[1 + (i / 2) % 3],
            (i * 37) % 101,
            (array[null, 'https://www.google.com/', 'https://bing.com/search?q=x', 'https://news.example/a'])[1 + i % 4],
            'https://shop.example' || (array['/', '/pricing', '/contact?from=ad', '/blog/post'])[1 + (i / 2) % 4],
            case when i % 7 <> 0 then jsonb_build_object(
              'utm_source', (array['google', 'newsletter'])[1 + i % 2],
              'utm_campaign', (array['spring', 'brand', 'retarget'])[1 + (i / 3) % 3],
              'utm_term', (array['plumber', 'emergency plumber', 'drain', 'boiler'])[1 + (i / 5) % 4]) end,
            (array[$4, $5, $6, null])[1 + i % 4],
            $7::int, t, t + ($7::int - 1) * interval '5 seconds', t
       from (select i, $8::timestamptz - i * ($9::double precision * interval '1 millisecond') as t
               from generate_series($10::int, $11::int - 1) i) x`,
    [tag, siteId, o.sessions, SEED_UAS.desktop, SEED_UAS.mobile, SEED_UAS.tablet, perSession, now.toISOString(), step, lo, hi],
  );
  await db.query(
    `insert into public.events (session_id, session_month, site_id, client_event_id, event_category, event_action,
                                event_value, url, created_at, received_at)
     select s.id, s.created_month, s.site_id, 'e' || e,
            case when e = 0 then 'pageview' when e = $3::int - 1 and s.conv then 'conversion' else 'scroll' end,
            case when e = 0 then 'view' when e = $3::int - 1 and s.conv then 'form_submit' else 'depth' end,
            case when e = 0 then null else least(100, e * 25) end,
            s.landing_url, s.created_at + e * interval '5 seconds', s.created_at + e * interval '5 seconds'
       from (select x.*, (x.lead_score % 6 = 0) as conv from public.sessions x
              where x.site_id = $1::uuid and x.id = any (select md5($2 || i)::uuid from generate_series($4::int, $5::int - 1) i)) s,
            generate_series(0, $3::int - 1) e`,
    [siteId, tag, perSession, lo, hi],
  );
}
