// docs/benchmarks-chart.svg, written by hand: two bar panels with one row per tracker, the size
// (brotli) on the left and the main-thread cost (trace, thread time, over the page alone) on the right.

const ROWS = [
  { id: 'opsmantik', size: ['opsmantik'] },
  { id: 'opsmantik-fp', size: ['opsmantik', 'opsmantik-fp-chunk'] },
  { id: 'plausible', size: ['plausible'] },
  { id: 'snowplow', size: ['snowplow'] },
  { id: 'segment', size: ['segment'] },
  { id: 'rudderstack', size: ['rudderstack'] },
  { id: 'posthog', size: ['posthog'] },
  { id: 'fingerprintjs', size: ['fingerprintjs'] },
];

import { ratio } from './format.mjs';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function chart({ size, cpu, nameOf }) {
  const sizeOf = (ids) => {
    const rows = ids.map((id) => size?.rows.find((r) => r.id === id));
    return rows.every((r) => r && r.brotli) ? rows.reduce((n, r) => n + r.brotli, 0) : undefined;
  };
  const rows = ROWS.map((r) => ({
    ...r,
    name: nameOf(r.id),
    ours: r.id.startsWith('opsmantik'),
    kb: sizeOf(r.size) / 1000,
    ms: cpu?.trackers?.[r.id]?.traceTaskMs?.delta,
  })).filter((r) => !Number.isNaN(r.kb) || r.ms !== undefined);

  const labelW = 200;
  const panelW = 390;
  const gap = 40;
  const rowH = 30;
  const top = 64;
  const width = labelW + 2 * panelW + gap + 20;
  const height = top + rows.length * rowH + 56;
  const maxKb = Math.max(...rows.map((r) => r.kb || 0), 1);
  const maxMs = Math.max(...rows.map((r) => Math.max(r.ms || 0, 0)), 1);
  const oursKb = rows.find((r) => r.id === 'opsmantik')?.kb;
  const oursMs = rows.find((r) => r.id === 'opsmantik')?.ms;
  const barMax = panelW - 120;

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="13">`,
    `<title>Tracker size (brotli) and main-thread cost per tracker</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${labelW}" y="24" font-size="15" font-weight="600">Size, brotli (kB)</text>`,
    `<text x="${labelW + panelW + gap}" y="24" font-size="15" font-weight="600">Main-thread time (ms)</text>`,
    `<text x="${labelW}" y="44" fill="#555">the file a site loads; (ratio to OpsMantik)</text>`,
    `<text x="${labelW + panelW + gap}" y="44" fill="#555">over the page alone: load, 200 scrolls, 50 hovers</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const fill = r.ours ? '#1f7a4d' : '#7a8796';
    out.push(`<text x="${labelW - 10}" y="${y + 19}" text-anchor="end"${r.ours ? ' font-weight="600"' : ''}>${esc(r.name.replace(' (script tag)', ''))}</text>`);
    if (r.kb > 0) {
      const w = Math.max(2, (r.kb / maxKb) * barMax);
      out.push(`<rect x="${labelW}" y="${y + 6}" width="${w.toFixed(1)}" height="18" fill="${fill}" rx="2"/>`);
      out.push(`<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 19}">${r.kb.toFixed(1)}${r.id === 'opsmantik' ? '' : ratio(r.kb, oursKb)}</text>`);
    }
    if (r.ms !== undefined) {
      const x0 = labelW + panelW + gap;
      const w = Math.max(2, (Math.max(r.ms, 0) / maxMs) * barMax);
      out.push(`<rect x="${x0}" y="${y + 6}" width="${w.toFixed(1)}" height="18" fill="${fill}" rx="2"/>`);
      out.push(`<text x="${(x0 + w + 6).toFixed(1)}" y="${y + 19}">${r.ms.toFixed(0)}${r.id === 'opsmantik' || !(oursMs >= 1) ? '' : ratio(r.ms, oursMs)}</text>`);
    }
  });
  const foot = top + rows.length * rowH + 24;
  out.push(
    `<line x1="${labelW}" y1="${top}" x2="${labelW}" y2="${foot - 18}" stroke="#999"/>`,
    `<line x1="${labelW + panelW + gap}" y1="${top}" x2="${labelW + panelW + gap}" y2="${foot - 18}" stroke="#999"/>`,
    `<text x="20" y="${foot}" fill="#555" font-size="12">OpsMantik + fingerprint: the script tag plus the fingerprint chunk it loads after consent. Main thread: sum of the renderer's</text>`,
    `<text x="20" y="${foot + 16}" fill="#555" font-size="12">main-thread tasks in a trace, thread time, median of fresh visits minus the page without a tracker. Method: docs/benchmarks.md.</text>`,
    '</svg>',
    '',
  );
  return out.join('\n');
}
