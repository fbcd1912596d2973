// Where our script's time goes: a V8 CPU profile of a visit (the Profiler domain), each sample
// charged to the nearest frame with a URL (a built-in such as JSON.parse or a storage access is
// charged to the function of ours that called it), then mapped through the build's source map to
// the TypeScript line it came from.
import { existsSync, readFileSync } from 'node:fs';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { median } from './stats.mjs';

/** Sample every 100 µs: our functions run for a few µs at a time. */
export const SAMPLING_US = 100;

export async function startProfile(cdp) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: SAMPLING_US });
  await cdp.send('Profiler.start');
}

export async function endProfile(cdp) {
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.send('Profiler.disable');
  return profile;
}

/**
 * Milliseconds per frame of the files whose URL ends with one of `files` (basename -> its file on
 * disk, whose `.map` sits beside it), keyed `source:line`.
 * @returns {Map<string, number>}
 */
export function selfTimes(profile, files) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // The frame a sample is charged to: the node itself, or its nearest ancestor with a URL.
  const owner = new Map();
  const ownerOf = (id) => {
    if (owner.has(id)) return owner.get(id);
    const n = nodes.get(id);
    const o = n.callFrame.url ? n : parent.has(id) ? ownerOf(parent.get(id)) : n;
    owner.set(id, o);
    return o;
  };
  const maps = new Map();
  const mapFor = (url) => {
    const name = Object.keys(files).find((f) => url.split('?')[0].endsWith('/' + f));
    if (!name) return undefined;
    if (!maps.has(name)) {
      const file = `${files[name]}.map`;
      maps.set(name, existsSync(file) ? new TraceMap(readFileSync(file, 'utf8')) : null);
    }
    return { name, map: maps.get(name) };
  };
  const out = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // A sample lasts until the next one.
    const ms = (timeDeltas[i + 1] ?? 0) / 1000;
    const f = ownerOf(samples[i]).callFrame;
    const m = f.url && mapFor(f.url);
    if (!m) continue;
    let key = `${m.name}:${f.lineNumber + 1}:${f.columnNumber}`;
    if (m.map) {
      const p = originalPositionFor(m.map, { line: f.lineNumber + 1, column: f.columnNumber });
      if (p.source) key = `${p.source.replace(/^(\.\.\/)+/, '')}:${p.line}`;
    }
    out.set(key, (out.get(key) ?? 0) + ms);
  }
  return out;
}

/** The source line a `source:line` key names (trimmed), from the repository, for the report. */
export function sourceLine(root, key) {
  const [file, line] = key.split(':');
  const path = `${root}/${file}`;
  if (!existsSync(path) || !line) return '';
  return (readFileSync(path, 'utf8').split('\n')[Number(line) - 1] ?? '').trim().slice(0, 90);
}

/**
 * Merges visits' self times into the top `n` frames, each with its median over the visits (a frame
 * absent from a visit counts 0 there), plus the median total of our files.
 */
export function topFrames(visits, n = 12) {
  const keys = new Set(visits.flatMap((v) => [...v.keys()]));
  const rows = [...keys].map((k) => ({ frame: k, ms: median(visits.map((v) => v.get(k) ?? 0)) }));
  rows.sort((a, b) => b.ms - a.ms);
  const total = median(visits.map((v) => [...v.values()].reduce((a, b) => a + b, 0)));
  return { totalMs: round(total), visits: visits.length, top: rows.slice(0, n).map((r) => ({ ...r, ms: round(r.ms) })) };
}

const round = (x) => Math.round(x * 100) / 100;
