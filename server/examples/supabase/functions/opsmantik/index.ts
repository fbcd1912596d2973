/**
 * Supabase Edge Function entry (Deno): the OpsMantik ingestion handler, unchanged, since it is a
 * Web-standard `(Request) => Promise<Response>`.
 *
 *   supabase functions deploy opsmantik --no-verify-jwt
 *
 * --no-verify-jwt: browsers call /api/sync without a Supabase JWT (the handler checks the site's
 * allowed origins instead; servers calling /api/call-event send the site secret).
 * The tracker's endpoint is then https://<project-ref>.supabase.co/functions/v1/opsmantik
 */
import { createHandler, openDb } from '@opsmantik/server';
import { mountAt, settingsFrom } from './app.ts';

const settings = settingsFrom((name) => Deno.env.get(name));

// One small pool per isolate: an isolate serves many requests, and the database's connection
// limit is shared with everything else in the project.
const db = await openDb({ url: settings.databaseUrl, max: 2 });

const handler = createHandler({
  db,
  redisUrl: settings.redisUrl,
  // Supabase's gateway puts the visitor's address in X-Forwarded-For; the socket is the gateway's.
  trustProxy: 1,
});

const app = mountAt(settings.prefix, handler);

Deno.serve((request, info) => app(request, { remoteAddress: info.remoteAddr.hostname }));
