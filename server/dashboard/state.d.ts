/** Types for state.js (plain JavaScript, loaded by the browser as it is). */
export interface LiveEvent {
  id: string;
  category: string;
  action: string;
  label: string | null;
  value: number | null;
  url: string | null;
  at: string;
}
export interface LiveSession {
  id: string;
  month: string | null;
  attribution: string;
  lead_score: number;
  gclid: string | null;
  gbraid: string | null;
  wbraid: string | null;
  fingerprint: string | null;
  referrer: string | null;
  landing_url: string | null;
  event_count: number;
  created_at: string | null;
  last_at: string | null;
  events: LiveEvent[];
}
export interface LiveCall {
  id: string;
  phone_number: string;
  status: string;
  matched_session_id: string | null;
  lead_score: number | null;
  at: string | null;
}
export interface LiveState {
  sessions: Map<string, LiveSession>;
  calls: Map<string, LiveCall>;
}
export interface Change {
  table: string;
  op: string;
  site_id?: string;
  record: Record<string, unknown>;
  truncated?: boolean;
}
export declare const KEEP: number;
export declare const ATTRIBUTIONS: string[];
export declare const HOT_LEAD: number;
export declare function emptyState(): LiveState;
export declare function applySnapshot(state: LiveState, snapshot: { sessions?: Record<string, unknown>[]; calls?: Record<string, unknown>[] }): LiveState;
export declare function applyChange(state: LiveState, change: Change): { session?: string; call?: string };
export declare function sessionsByActivity(state: LiveState): LiveSession[];
export declare function callsByTime(state: LiveState): LiveCall[];
export declare function leadsByAttribution(state: LiveState): { attribution: string; sessions: number; leads: number; meanScore: number }[];
export declare function clickIdOf(s: LiveSession): { kind: string; value: string } | null;
