/**
 * What the tracker does with each kind of answer: a 5xx (500 is what the server answers when its
 * database fails, contract 1) and 429 are retried later; any other refusal (4xx) would be refused
 * again, so the batch is dropped. The boundaries are written as the numbers themselves.
 */
import { describe, expect, it, vi } from 'vitest';
import { createTracker } from '../../src/index.js';
import { events, replies, sent, settle, stored, useTrackerEnv } from './support.js';

useTrackerEnv();

describe('answers from the server', () => {
  it.each([500, 502, 503, 504, 599, 429])('%i: the batch stays and is sent again', async (status) => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const t = createTracker({ site: 'site1', delay: 0 });
    replies.push(status);
    t.track('custom', 'a');
    await settle();
    expect(sent).toHaveLength(1);
    expect(stored().map(([, e]) => e.ea)).toEqual(['a']);
    // First backoff: 1000 ms x 0.5 with this jitter.
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toHaveLength(2);
    expect(stored()).toEqual([]);
    expect(events().map((e) => e.i)).toEqual([events()[0]!.i, events()[0]!.i]);
    t.destroy();
  });

  it.each([400, 404, 413, 499])('%i: the batch is dropped, never sent again', async (status) => {
    const t = createTracker({ site: 'site1', delay: 0 });
    replies.push(status);
    t.track('custom', 'a');
    await settle();
    expect(stored()).toEqual([]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(sent).toHaveLength(1);
    t.destroy();
  });
});
