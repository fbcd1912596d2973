// The Gecko profiler, run headless from the environment (it needs no protocol): Firefox samples the
// main thread of every process each millisecond from start-up and writes the profile to a file when
// it quits. Read here for one figure per visit: the CPU time of samples whose stack holds a frame of
// a script from a given origin (the tracker's files, all served by the sink), like the scripting
// figure of part 2's trace, inclusive of what those scripts call (DOM, layout they force, GC).
import { existsSync, readFileSync, rmSync } from 'node:fs';

/** Environment for a Firefox that profiles its processes' main threads and writes `file` on exit. */
export function profilerEnv(file) {
  return {
    MOZ_PROFILER_STARTUP: '1',
    MOZ_PROFILER_SHUTDOWN: file,
    MOZ_PROFILER_STARTUP_INTERVAL: '1',
    MOZ_PROFILER_STARTUP_FILTERS: 'GeckoMain',
    // JS frames, and each sample's thread CPU time since the one before.
    MOZ_PROFILER_STARTUP_FEATURES: 'js,cpu',
    // Room for a round of visits (the buffer is circular: too small a one drops the first visits).
    MOZ_PROFILER_STARTUP_ENTRIES: String(64 * 2 ** 20),
  };
}

/** Waits for the profile a quitting Firefox writes (it may land a moment after the process is gone). */
async function readProfile(file) {
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  return profile;
}

/**
 * CPU ms in frames from `origin`, per time window: `windows` are [from, to] in epoch ms (Date.now()).
 * Samples of the content processes' main threads only (the parent process runs no page script).
 */
export async function originCpuByWindow(file, origin, windows) {
  const profile = await readProfile(file);
  const unit = profile.meta.sampleUnits?.threadCPUDelta;
  const toMs = unit === 'ns' ? 1e-6 : unit === 'µs' ? 1e-3 : 1;
  const totals = windows.map(() => 0);
  for (const process of profile.processes ?? []) {
    for (const th of process.threads) {
      const F = th.frameTable.schema;
      const S = th.stackTable.schema;
      const X = th.samples.schema;
      const fromOrigin = th.frameTable.data.map((f) => th.stringTable[f[F.location]]?.includes(origin) ?? false);
      const memo = new Map();
      const hit = (stack) => {
        if (stack === null || stack === undefined) return false;
        if (memo.has(stack)) return memo.get(stack);
        const row = th.stackTable.data[stack];
        const v = fromOrigin[row[S.frame]] || hit(row[S.prefix]);
        memo.set(stack, v);
        return v;
      };
      for (const d of th.samples.data) {
        if (!hit(d[X.stack])) continue;
        const at = process.meta.startTime + d[X.time];
        const w = windows.findIndex(([from, to]) => at >= from && at <= to);
        if (w >= 0) totals[w] += (d[X.threadCPUDelta] ?? 0) * toMs;
      }
    }
  }
  return totals;
}
