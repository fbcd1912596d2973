/**
 * The lifecycle the real-browser tracker tests share, registered in the calling `describe`: one
 * browser of the engine and one sink (its pages, the build and the collector endpoint) for the
 * describe, a fresh context (profile: its own storage) for each test, the sink's record emptied
 * before each. Fails at once when a build file it needs is missing (requireBuild).
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { requireBuild, root } from './build.js';
import type { ContextOptions, Engine, EngineBrowser, EngineContext } from './engines.js';
import { startSink, type Sink } from './sink.js';

export interface EngineSinkOptions {
  /** Build files the pages load (e.g. 'dist/opsmantik.min.js'). */
  build: readonly string[];
  /** Pages the sink serves, by path. */
  pages: Record<string, string>;
  /** Options of every test's context. */
  context?: ContextOptions;
}

/** The current sink and the current test's context (read them inside tests and hooks). */
export interface EngineSink {
  readonly sink: Sink;
  readonly context: EngineContext;
}

export function useEngineSink(engine: Engine, options: EngineSinkOptions): EngineSink {
  let browser: EngineBrowser | undefined;
  const current = {} as { sink: Sink; context: EngineContext };
  beforeAll(async () => {
    requireBuild(options.build);
    browser = await engine.launch();
    current.sink = await startSink(root);
    for (const [path, html] of Object.entries(options.pages)) current.sink.pages.set(path, html);
  });
  afterAll(async () => {
    await browser?.close();
    await current.sink?.close();
  });
  beforeEach(async () => {
    current.sink.received.length = 0;
    current.context = await browser!.newContext(options.context);
  });
  afterEach(async () => {
    await current.context?.close();
  });
  return current;
}
