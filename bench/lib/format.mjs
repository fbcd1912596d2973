// Number formats shared by the report and the chart.

/** Bytes as bytes below 10 kB, else kB (1 kB = 1000 bytes, as size-limit prints). */
export function bytes(n) {
  if (n === undefined || n === null) return '—';
  return n < 10000 ? `${n.toLocaleString('en-US')} B` : `${(n / 1000).toFixed(1)} kB`;
}

/** A figure's ratio to ours, as printed beside it: ` (39×)`, ` (1.8×)`, ` (0.83×)`; empty when ours is not positive. */
export function ratio(value, ours) {
  // A ratio of a difference that came out negative (within the noise) would mislead: leave it out.
  if (value === undefined || value === null || ours === undefined || !(ours > 0) || value < 0) return '';
  const r = value / ours;
  const s = r >= 9.95 ? r.toFixed(0) : r >= 0.995 ? r.toFixed(1) : r.toFixed(2);
  return ` (${s}×)`;
}
