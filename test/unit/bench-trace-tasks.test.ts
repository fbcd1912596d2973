/**
 * The benchmark's "scripting by task" (bench/lib/trace.mjs scriptingByTask) on a hand-made trace:
 * each piece of scripting counted once (a call inside a listener is part of the listener), on the
 * page's main thread only, under what started it, timers by the delay they were installed with.
 */
import { describe, expect, it } from 'vitest';

// A variable path: the module is plain JavaScript without types, which a static import would make tsc refuse.
const TRACE = '../../bench/lib/trace.mjs';

const PAGE = { pid: 7, tid: 1 };
const OTHER = { pid: 9, tid: 1 };
const meta = [
  { name: 'TracingStartedInBrowser', ph: 'I', args: { data: { frames: [{ isOutermostMainFrame: true, url: 'http://site.test/page', processId: 7 }] } } },
  { name: 'thread_name', ph: 'M', ...PAGE, args: { name: 'CrRendererMain' } },
  { name: 'thread_name', ph: 'M', ...OTHER, args: { name: 'CrRendererMain' } },
];
// Complete events: ts and dur in µs, tdur the thread's CPU time.
const x = (name: string, ts: number, tdur: number, data: object = {}, thread = PAGE) => ({ name, ph: 'X', ts, dur: tdur, tdur, ...thread, args: { data } });

describe('scripting by task', () => {
  it('counts each piece once, under what started it', async () => {
    const { scriptingByTask, scriptingMs } = await import(TRACE);
    const events = [
      ...meta,
      { name: 'TimerInstall', ph: 'I', ...PAGE, args: { data: { timerId: 5, timeout: 300 } } },
      x('EvaluateScript', 0, 4000),
      x('EventDispatch', 10_000, 200, { type: 'mouseover' }),
      // Our listener, inside the dispatch: not counted again.
      x('FunctionCall', 10_050, 100, { functionName: 'over' }),
      x('EventDispatch', 20_000, 300, { type: 'mouseover' }),
      x('TimerFire', 30_000, 600, { timerId: 5 }),
      x('RunMicrotasks', 40_000, 900),
      x('FunctionCall', 50_000, 400, { functionName: 'observer' }),
      x('MinorGC', 60_000, 50),
      // Another renderer (Chromium's own pages): not the page's.
      x('EventDispatch', 10_000, 5000, { type: 'mouseover' }, OTHER),
    ];
    const byTask = scriptingByTask(events);
    expect(byTask).toEqual({
      'script evaluation': { ms: 4, count: 1 },
      'mouseover listeners': { ms: 0.5, count: 2 },
      'timers of 300 ms': { ms: 0.6, count: 1 },
      'promise callbacks (network answers)': { ms: 0.9, count: 1 },
      'other callbacks (observers)': { ms: 0.4, count: 1 },
      'garbage collection': { ms: 0.05, count: 1 },
    });
    // The kinds add up to the scripting total the benchmark reports.
    const sum = Object.values(byTask as Record<string, { ms: number }>).reduce((n, k) => n + k.ms, 0);
    expect(sum).toBeCloseTo(scriptingMs(events), 9);
  });
});
