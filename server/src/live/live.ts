/**
 * The live stream for a site owner: server-sent events fed by LISTEN on the site's channel (the
 * schema's change trigger NOTIFYs `opsmantik_site_<uuid without dashes>`), plus a JSON snapshot of
 * the latest sessions for a page that has just opened. One LISTEN per site, shared by its viewers.
 */
import type { Db } from '../store/db/types.js';

export function siteChannel(siteId: string): string {
  return `opsmantik_site_${siteId.replace(/-/g, '').toLowerCase()}`;
}

/** A change's JSON payload, or null: changes may have been missed (the LISTEN reconnected). */
type Listener = (payload: string | null) => void;

export interface LiveHub {
  subscribe(siteId: string, listener: Listener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function liveHub(db: Db): LiveHub {
  const channels = new Map<string, { listeners: Set<Listener>; stop: Promise<() => Promise<void>> }>();
  return {
    async subscribe(siteId, listener) {
      const channel = siteChannel(siteId);
      let entry = channels.get(channel);
      if (!entry) {
        const listeners = new Set<Listener>();
        const stop = db.listen(
          channel,
          (payload) => {
            for (const l of listeners) l(payload);
          },
          () => {
            for (const l of listeners) l(null);
          },
        );
        entry = { listeners, stop };
        channels.set(channel, entry);
        stop.catch(() => channels.delete(channel));
      }
      entry.listeners.add(listener);
      await entry.stop;
      const current = entry;
      return async () => {
        current.listeners.delete(listener);
        if (current.listeners.size === 0 && channels.get(channel) === current) {
          channels.delete(channel);
          await (await current.stop)().catch(() => undefined);
        }
      };
    },
    async close() {
      const all = [...channels.values()];
      channels.clear();
      await Promise.all(all.map(async (e) => (await e.stop.catch(() => undefined))?.().catch(() => undefined)));
    },
  };
}

const HEARTBEAT_MS = 20_000;

/**
 * An SSE response that forwards the site's changes until the client goes away. Each change is
 * `event: change` with the trigger's JSON payload; rows of another site are never forwarded
 * (the channel is per site, and the payload's site_id is checked again). `event: ready` comes when
 * the stream is in place, and again (`{"resync":true}`) when the server's LISTEN connection was
 * lost and is back: every `ready` means "load the snapshot now", since changes may have been missed.
 * Payloads carry rows of that site only (events without metadata); LISTEN itself needs no privilege in
 * PostgreSQL, which is fine while tenants never get SQL connections of their own (docs/server.md).
 */
export async function liveResponse(hub: LiveHub, siteId: string, signal: AbortSignal): Promise<Response> {
  const encoder = new TextEncoder();
  let unsubscribe: (() => Promise<void>) | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const stop = () => {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    void unsubscribe?.();
  };
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      unsubscribe = await hub.subscribe(siteId, (payload) => {
        // A gap: `ready` again tells the viewer to load the snapshot again (as after its own reconnect).
        if (payload === null) return send(`event: ready\ndata: {"resync":true}\n\n`);
        let record: { site_id?: unknown };
        try {
          record = JSON.parse(payload) as { site_id?: unknown };
        } catch {
          return;
        }
        if (record.site_id !== siteId) return;
        send(`event: change\ndata: ${payload}\n\n`);
      });
      if (closed) void unsubscribe();
      send(`retry: 3000\nevent: ready\ndata: {}\n\n`);
      heartbeat = setInterval(() => send(': ping\n\n'), HEARTBEAT_MS);
      signal.addEventListener('abort', () => {
        stop();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      });
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    },
  });
}

/** The latest sessions of a site with their latest 200 events each, and its latest calls: what a live view starts from. */
export async function sessionsSnapshot(db: Db, siteId: string, limit: number): Promise<unknown> {
  const sessions = await db.query<Record<string, unknown>>(
    `select s.id, to_char(s.created_month, 'YYYY-MM') as month, s.fingerprint, s.gclid, s.gbraid, s.wbraid,
            s.attribution, s.lead_score, s.referrer, s.landing_url, s.utm, s.event_count,
            s.first_event_at, s.last_event_at, s.created_at,
            coalesce((select json_agg(json_build_object(
                        'id', e.id, 'category', e.event_category, 'action', e.event_action, 'label', e.event_label,
                        'value', e.event_value, 'url', e.url, 'created_at', e.created_at) order by e.created_at, e.received_at)
                        from (select * from public.events x
                               where x.session_id = s.id and x.session_month = s.created_month and x.site_id = s.site_id
                               order by x.created_at desc limit 200) e), '[]') as events
       from public.sessions s
      where s.site_id = $1::uuid
      order by coalesce(s.last_event_at, s.created_at) desc
      limit $2`,
    [siteId, limit],
  );
  const calls = await db.query<Record<string, unknown>>(
    `select id, phone_number, status, matched_session_id, matched_fingerprint, lead_score, source, call_time, created_at
       from public.calls where site_id = $1::uuid order by created_at desc limit $2`,
    [siteId, limit],
  );
  return { sessions, calls };
}
