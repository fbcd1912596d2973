// Small statistics for repeated runs: medians and a bootstrap interval for a difference of medians.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A seeded generator, so that the same runs always give the same interval. */
function lcg(seed) {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** 95% bootstrap interval of median(a) - median(b), resampling each side independently. */
export function diffInterval(a, b, rounds = 2000) {
  const rnd = lcg(12345);
  const pick = (xs) => Array.from(xs, () => xs[Math.floor(rnd() * xs.length)]);
  const diffs = [];
  for (let i = 0; i < rounds; i++) diffs.push(median(pick(a)) - median(pick(b)));
  diffs.sort((x, y) => x - y);
  return [diffs[Math.floor(rounds * 0.025)], diffs[Math.ceil(rounds * 0.975) - 1]];
}
