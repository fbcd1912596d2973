/**
 * A queued /api/sync batch (queue/ingest-queue.ts) carries its phone calls to the worker; a message
 * from before they travelled, or with anything else in their place, decodes to no calls.
 */
import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch } from '../../src/queue/ingest-queue.js';
import type { IngestInput } from '../../src/store/ingest.js';
import { wireEvent } from '../support/harness.js';

const input = (over: Partial<IngestInput> = {}): IngestInput => ({
  events: [wireEvent('site'), wireEvent('site', { ec: 'conversion', ea: 'phone_click', el: '+90 532 555 12 34', i: 'c' })],
  siteIds: new Map([['site', '5d0c2f7e-9a1b-4c3d-8e2f-1a2b3c4d5e6f']]),
  now: 1_790_000_000_000,
  userAgent: 'UA',
  cookieClickIds: {},
  ...over,
});
const raw = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));

describe('queued batches and their calls', () => {
  it('a batch with calls decodes to the same calls', () => {
    const sent = input({ calls: [[1, '+905325551234']] });
    expect(decodeBatch(encodeBatch(sent))).toEqual(sent);
  });

  it('a batch without calls, and a message written before calls travelled, decode to none', () => {
    expect(decodeBatch(encodeBatch(input()))?.calls).toEqual([]);
    expect(decodeBatch(encodeBatch(input({ calls: [] })))?.calls).toEqual([]);
    const old = { v: 1, events: input().events, siteIds: [...input().siteIds], now: 1, userAgent: null, cookieClickIds: {} };
    expect(decodeBatch(raw(old))).toMatchObject({ events: old.events, calls: [] });
  });

  it('keeps only calls that name an event of the batch', () => {
    const body = {
      v: 1, events: input().events, siteIds: [...input().siteIds], now: 1, userAgent: null, cookieClickIds: {},
      calls: [[1, '+905325551234'], [2, '+905325551234'], [-1, '+1'], [0.5, '+1'], ['1', '+1'], [1, 5], 'x', null],
    };
    expect(decodeBatch(raw(body))?.calls).toEqual([[1, '+905325551234']]);
    expect(decodeBatch(raw({ ...body, calls: 'x' }))?.calls).toEqual([]);
  });
});
