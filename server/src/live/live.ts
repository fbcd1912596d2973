/**
 * The live stream for a site owner: server-sent events fed by LISTEN on the site's channel (the
 * schema's change trigger NOTIFYs `opsmantik_site_<uuid without dashes>`), plus a JSON snapshot of
 * the latest sessions for a page that has just opened. One LISTEN per site, shared by its viewers.
 */
import type { Db } from '../store/db/types.js';
import type { Logger } from '../http/log.js';

export function siteChannel(siteId: string): string {
  return `opsmantik_site_${siteId.replace(/-/g, '').toLowerCase()}`;
}

/** A change's JSON payload, or null: changes may have been missed (the LISTEN reconnected). */
type Listener = (payload: string | null) => void;

export interface LiveOptions {
  /** Open streams allowed per site (default 50). */
  perSite?: number;
  /** Open streams allowed per client address (default 10). */
  perAddress?: number;
  /**
   * Bytes a stream may hold for a viewer that does not read (default 256 KiB). Past it the viewer
   * is dropped: its EventSource reconnects and loads the snapshot again, so it loses nothing.
   */
  bufferBytes?: number;
  log?: Logger;
}

/** A stream's place in the hub: admitted, counted, and ended by shutdown(). */
export interface ViewerSlot {
  /** Called by the stream when it ends, whatever the reason. */
  release(): void;
  /** Set by the stream: ends it with a retry hint (graceful shutdown). */
  onShutdown?: () => void;
}

export type Admission = { ok: true; slot: ViewerSlot } | { ok: false; reason: 'site' | 'address'; limit: number };

export interface LiveHub {
  subscribe(siteId: string, listener: Listener): Promise<() => Promise<void>>;
  /** Counts a new stream against the per-site and per-address caps. */
  admit(siteId: string, address: string): Admission;
  /** Open streams. */
  viewers(): number;
  readonly bufferBytes: number;
  readonly log: Logger | undefined;
  /** Ends every open stream with a retry hint; later subscribers are still served. */
  shutdown(): void;
  close(): Promise<void>;
}

const bump = (map: Map<string, number>, key: string, by: number) => {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
};

export function liveHub(db: Db, options: LiveOptions = {}): LiveHub {
  const channels = new Map<string, { listeners: Set<Listener>; stop: Promise<() => Promise<void>> }>();
  const perSite = new Map<string, number>();
  const perAddress = new Map<string, number>();
  const slots = new Set<ViewerSlot>();
  const siteCap = options.perSite ?? 50;
  const addressCap = options.perAddress ?? 10;
  return {
    bufferBytes: options.bufferBytes ?? 256 * 1024,
    log: options.log,
    admit(siteId, address) {
      if ((perSite.get(siteId) ?? 0) >= siteCap) return { ok: false, reason: 'site', limit: siteCap };
      if ((perAddress.get(address) ?? 0) >= addressCap) return { ok: false, reason: 'address', limit: addressCap };
      bump(perSite, siteId, 1);
      bump(perAddress, address, 1);
      let released = false;
      const slot: ViewerSlot = {
        release() {
          if (released) return;
          released = true;
          slots.delete(slot);
          bump(perSite, siteId, -1);
          bump(perAddress, address, -1);
        },
      };
      slots.add(slot);
      return { ok: true, slot };
    },
    viewers: () => slots.size,
    shutdown() {
      for (const slot of [...slots]) slot.onShutdown?.();
    },
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
/** A viewer over its buffer that has not read for this long is dropped. */
const STALL_MS = 1000;
/** What a viewer is told when the server stops: come back in a second (another replica, or this one restarted). */
const SHUTDOWN_EVENT = 'retry: 1000\nevent: shutdown\ndata: {"reason":"shutdown"}\n\n';

/**
 * An SSE response that forwards the site's changes until the client goes away. Each change is
 * `event: change` with the trigger's JSON payload; rows of another site are never forwarded
 * (the channel is per site, and the payload's site_id is checked again). The stream holds at most
 * the hub's bufferBytes for a viewer that does not read; past that it is dropped (logged with the
 * reason), and the viewer's reconnection starts again from the snapshot.
 * `event: ready` comes when the stream is in place, and again (`{"resync":true}`) when the server's
 * LISTEN connection was lost and is back: every `ready` means "load the snapshot now", since changes
 * may have been missed. Payloads carry rows of that site only; LISTEN itself needs no privilege in
 * PostgreSQL, which is fine while tenants never get SQL connections of their own (docs/server.md).
 */
export async function liveResponse(hub: LiveHub, siteId: string, signal: AbortSignal, slot?: ViewerSlot): Promise<Response> {
  const encoder = new TextEncoder();
  let unsubscribe: (() => Promise<void>) | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let lastRead = Date.now();
  const stop = () => {
    if (closed) return;
    closed = true;
    slot?.release();
    if (heartbeat) clearInterval(heartbeat);
    void unsubscribe?.();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      async start(controller) {
        const end = (last?: string) => {
          if (closed) return;
          if (last) controller.enqueue(encoder.encode(last));
          stop();
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        };
        const send = (text: string) => {
          if (closed) return;
          const bytes = encoder.encode(text);
          const buffered = hub.bufferBytes - (controller.desiredSize ?? 0);
          // Past the buffer, a viewer that has not read for a while is dropped; a burst (one write
          // notifies many rows at once) is tolerated up to four buffers for a viewer that reads.
          const stalled = buffered + bytes.byteLength > hub.bufferBytes && Date.now() - lastRead > STALL_MS;
          if (stalled || buffered + bytes.byteLength > 4 * hub.bufferBytes) {
            hub.log?.({ level: 'warn', msg: 'live_dropped', reason: 'slow_viewer', site: siteId, buffered_bytes: buffered });
            stop();
            controller.error(new Error('live viewer dropped: not reading'));
            return;
          }
          try {
            controller.enqueue(bytes);
          } catch {
            stop();
          }
        };
        if (slot) slot.onShutdown = () => end(SHUTDOWN_EVENT);
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
        signal.addEventListener('abort', () => end());
      },
      pull() {
        lastRead = Date.now();
      },
      cancel() {
        stop();
      },
    },
    { highWaterMark: hub.bufferBytes, size: (chunk) => chunk.byteLength },
  );
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
