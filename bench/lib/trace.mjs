// Main-thread time from a Chrome trace: the union of the renderer main threads' top-level tasks.
// Promise callbacks (microtasks) run inside those tasks, so they are counted here, while the
// Performance domain's ScriptDuration leaves them out.

/**
 * Categories for the trace: top-level tasks, the timeline's script events (as DevTools' Performance
 * panel records them), microtask runs, and the names that say which thread is which.
 */
export const TRACE_CATEGORIES = ['disabled-by-default-devtools.timeline', 'devtools.timeline', 'v8.execute', 'toplevel', '__metadata'];

/**
 * Events that run page JavaScript, or exist because of it: what DevTools counts as "Scripting",
 * microtasks (promise callbacks) included. Rendering (style, layout, paint) outside them is left out.
 */
const SCRIPT_EVENTS = new Set([
  'EvaluateScript',
  'v8.evaluateModule',
  'v8.compile',
  'v8.compileModule',
  'FunctionCall',
  'RunMicrotasks',
  'TimerFire',
  'FireAnimationFrame',
  'FireIdleCallback',
  'EventDispatch',
  'XHRReadyStateChange',
  'XHRLoad',
  'MinorGC',
  'MajorGC',
]);

export async function startTrace(cdp) {
  await cdp.send('Tracing.start', {
    transferMode: 'ReturnAsStream',
    traceConfig: { includedCategories: TRACE_CATEGORIES, recordMode: 'recordAsMuchAsPossible' },
  });
}

/** Ends tracing and returns the parsed trace events. */
export async function endTrace(cdp) {
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  const { stream } = await done;
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream, size: 1 << 20 });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : parsed.traceEvents;
}

/** The page's renderer main thread(s): Chromium may run other renderers (its own WebUI) during the trace. */
function pageMainThreads(events) {
  const pids = new Set();
  for (const e of events) {
    const frames = e.name === 'TracingStartedInBrowser' ? e.args?.data?.frames : e.name === 'FrameCommittedInBrowser' ? [e.args?.data] : [];
    for (const f of frames ?? []) if (f?.isOutermostMainFrame && /^https?:/.test(f.url)) pids.add(f.processId);
  }
  const main = new Set();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && pids.has(e.pid)) main.add(`${e.pid}:${e.tid}`);
  }
  return main;
}

/**
 * The outermost `match`ing complete events on the page's main thread: an event nested in an earlier
 * one (a function call inside a task, a nested run loop) is part of it and is not listed again.
 */
function outermost(events, match) {
  const main = pageMainThreads(events);
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined || !match(e)) continue;
    const key = `${e.pid}:${e.tid}`;
    if (!main.has(key)) continue;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(e);
  }
  const out = [];
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    let end = -Infinity;
    for (const e of list) {
      if (e.ts < end) continue;
      out.push(e);
      end = e.ts + e.dur;
    }
  }
  return out;
}

/**
 * Milliseconds of the outermost `match`ing events: `field` is `tdur` for the thread's CPU time (what
 * the page cost, whatever else the machine ran) or `dur` for wall time.
 */
function outermostMs(events, match, field) {
  return outermost(events, match).reduce((n, e) => n + (e[field] ?? e.dur), 0) / 1000;
}

const EVALUATION = new Set(['EvaluateScript', 'v8.evaluateModule', 'v8.compile', 'v8.compileModule']);

/** What started a scripting event, for `scriptingByTask`. */
function taskKind(e, timeouts) {
  const d = e.args?.data ?? {};
  if (EVALUATION.has(e.name)) return 'script evaluation';
  if (e.name === 'EventDispatch') return `${d.type} listeners`;
  if (e.name === 'TimerFire') return `timers of ${timeouts.get(d.timerId) ?? '?'} ms`;
  if (e.name === 'RunMicrotasks') return 'promise callbacks (network answers)';
  if (e.name === 'FunctionCall') return 'other callbacks (observers)';
  if (e.name === 'FireAnimationFrame') return 'animation frames';
  if (e.name === 'FireIdleCallback') return 'idle callbacks';
  if (e.name === 'MinorGC' || e.name === 'MajorGC') return 'garbage collection';
  return e.name;
}

/**
 * The page's scripting (as `scriptingMs` counts it) by what started each piece: script evaluation,
 * each event type's listeners, timers by their delay, promise callbacks, observers, garbage
 * collection. `{ kind: { ms, count } }`. The profile names our functions; this names the tasks, and
 * so counts what the browser spends around our code in each (calling a listener, running a timer's
 * task), which no profile of our functions sees.
 */
export function scriptingByTask(events, field = 'tdur') {
  const timeouts = new Map();
  for (const e of events) if (e.name === 'TimerInstall') timeouts.set(e.args?.data?.timerId, e.args?.data?.timeout);
  const out = {};
  for (const e of outermost(events, (x) => SCRIPT_EVENTS.has(x.name))) {
    const k = taskKind(e, timeouts);
    out[k] ??= { ms: 0, count: 0 };
    out[k].ms += (e[field] ?? e.dur) / 1000;
    out[k].count++;
  }
  return out;
}

/** Milliseconds of top-level tasks on the page's main thread (microtasks run inside them). */
export function mainThreadTaskMs(events, field = 'tdur') {
  return outermostMs(events, (e) => e.name === 'RunTask', field);
}

/** Milliseconds of script on the page's main thread, promise callbacks included. */
export function scriptingMs(events, field = 'tdur') {
  return outermostMs(events, (e) => SCRIPT_EVENTS.has(e.name), field);
}

/** How many top-level tasks on the page's main thread took over 50 ms of thread time (long tasks). */
export function longTaskCount(events, overMs = 50) {
  const main = pageMainThreads(events);
  return events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && main.has(`${e.pid}:${e.tid}`) && (e.tdur ?? e.dur) > overMs * 1000).length;
}

/**
 * The latency of each interaction (click, key press) on the page, in ms: Event Timing's duration
 * (input to the next frame painted), the longest of the interaction's events. The trace has them
 * all, where a PerformanceObserver sees only those over 16 ms.
 */
export function interactionMs(events) {
  const pids = new Set([...pageMainThreads(events)].map((k) => Number(k.split(':')[0])));
  const byId = new Map();
  for (const e of events) {
    const d = e.name === 'EventTiming' && e.ph === 'b' && pids.has(e.pid) ? e.args?.data : undefined;
    if (d?.interactionId) byId.set(d.interactionId, Math.max(byId.get(d.interactionId) ?? 0, d.duration));
  }
  return [...byId.values()];
}
