// Section 5 of docs/benchmarks.md, from bench/results/dashboard.json (written by bench/dashboard.mjs)
// and bench/results/dashboard-triggers.json (bench/dashboard-triggers.mjs).

const TARGET_MS = 200;

export function dashboardSection(d, triggers) {
  const out = ['## 5. Dashboard queries', ''];
  if (!d) {
    out.push('Not run: `bench/results/dashboard.json` does not exist. `node bench/dashboard.mjs` (PostgreSQL at `DATABASE_URL`) writes it.', '');
    return out;
  }
  const c = d.counts ?? {};
  out.push(
    `From \`bench/results/dashboard.json\` (${d.when?.slice(0, 16).replace('T', ' ') ?? 'date unknown'} UTC; \`${d.command ?? 'node bench/dashboard.mjs'}\`): one site with`,
    `${c.sessions?.toLocaleString('en')} sessions, ${c.events?.toLocaleString('en')} events and ${c.calls?.toLocaleString('en')} calls spread over 85 days (three months; seeded in ${d.seedSeconds} s by`,
    '`server/test/support/dashboard-seed.ts`, the daily rollups of `sql/016_dashboard_rollups.sql` built up to yesterday',
    `${d.rollupSeconds ? `(in ${d.rollupSeconds} s) ` : ''}then \`VACUUM ANALYZE\`), and every request the dashboard makes, over HTTP to the`,
    `reference server on PostgreSQL, each ${d.repeat} times after one warm-up. Cells are median / p95 in ms; the target is under ${TARGET_MS} ms.`,
    d.baseline
      ? 'In brackets: the same request to the server before the rollups (commit c322a0b), on the same database, the two servers taking turns.'
      : '',
    '',
  );
  const periods = [...new Set(d.results.map((r) => r.period))];
  for (const filter of [...new Set(d.results.map((r) => r.filter))]) {
    out.push(filter === 'none' ? 'No filter:' : `Filtered by \`${filter}\`:`, '');
    out.push(`| request | ${periods.join(' | ')} |`, `|---|${periods.map(() => '--:').join('|')}|`);
    for (const request of [...new Set(d.results.map((r) => r.request))]) {
      const cells = periods.map((p) => {
        const r = d.results.find((x) => x.request === request && x.period === p && x.filter === filter);
        if (!r) return '–';
        const now = `${r.median_ms} / ${r.p95_ms}${r.failed ? ` (${r.failed} failed)` : ''}`;
        const was = r.baseline_median_ms === undefined ? '' : ` (${r.baseline_median_ms} / ${r.baseline_p95_ms}${r.baseline_failed ? `, ${r.baseline_failed} failed` : ''})`;
        return r.p95_ms >= TARGET_MS ? `**${now}**${was}` : `${now}${was}`;
      });
      out.push(`| ${request} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  const views = d.results.filter((r) => r.request !== 'export leads');
  const over = views.filter((r) => r.p95_ms >= TARGET_MS);
  out.push(
    over.length
      ? `${over.length} of ${views.length} request kinds (the leads export aside) had a p95 at or over ${TARGET_MS} ms (in bold).`
      : `Every request kind (the leads export aside) answered under ${TARGET_MS} ms at p95.`,
  );
  const slowMedian = views.filter((r) => r.median_ms >= TARGET_MS);
  if (slowMedian.length) {
    out.push(`Medians at or over ${TARGET_MS} ms: ${slowMedian.map((r) => `${r.request}, ${r.period}, ${r.filter === 'none' ? 'no filter' : r.filter} (${r.median_ms} ms)`).join('; ')}.`);
  }
  if (views.some((r) => r.baseline_p95_ms !== undefined)) {
    out.push(`Before the rollups, in the same run: ${views.filter((r) => r.baseline_p95_ms >= TARGET_MS).length} of ${views.length} at or over ${TARGET_MS} ms at p95.`);
  }
  const exports = d.results.filter((r) => r.request === 'export leads' && r.first_byte_median_ms !== undefined);
  if (exports.length) {
    out.push(
      '',
      'The leads export streams (a page of 2,000 leads per query, along the leads cursor), so a long period takes longer than',
      `${TARGET_MS} ms for the whole file; time to the first byte (the response headers, sent with the first page) is the figure`,
      'that stays flat:',
      '',
      '| export leads | whole file, median / p95 | first byte, median / p95 |',
      '|---|--:|--:|',
      ...exports.map((r) => `| ${r.period}, ${r.filter === 'none' ? 'no filter' : r.filter} | ${r.median_ms} / ${r.p95_ms} | ${r.first_byte_median_ms} / ${r.first_byte_p95_ms} |`),
    );
  }
  if (d.load) {
    out.push(
      '',
      `Machine: ${d.cores} cores; load average ${d.loadStart?.join(', ') ?? '?'} before timing and ${d.load.join(', ')} at the end (1, 5, 15 minutes).`,
      Math.max(d.load[0], d.loadStart?.[0] ?? 0) < d.cores // the 1-minute figures: the run itself
        ? 'Nothing else ran on the machine during this run.'
        : 'Other work shared the cores during this run, so every figure is inflated by the wait for a core; on an idle machine they are lower.',
    );
  }
  if (d.note) out.push('', d.note);
  out.push(
    '',
    'How (docs/server.md, Dashboard, "Rollups"): without a filter or with one, at the default lead threshold, the days up to',
    'yesterday come from per-day rollups by site and breakdown value, and only today (and any day not rolled up yet) from',
    'the sessions. Distinct visitors stay exact without a sketch: each visitor-day row keeps the visitor\'s previous day with',
    'that value, and the visitors of days [a, b] are the rows in [a, b] whose previous day is before a, summed from counts per',
    '(day, previous day). So the 85-day stats and breakdowns read a few thousand rollup rows instead of 100,000 sessions with',
    'their conversions and calls. Two filters at once, or another threshold, are read from the sessions as before (the',
    'filtered rows above, the slowest of the view requests over 85 days); every query on sessions and events still names the period\'s months, so plans read only those',
    'partitions. The leads list and a lead\'s page stay fast for any period (a cursor walks the index and stops after 101 rows).',
    '',
    'A page load makes 8 requests (stats, six breakdowns, the first leads page); `lead` opens one lead; the exports are',
    'downloads. Reproduce with `node bench/dashboard.mjs [--sessions 100000] [--events-per-session 10] [--repeat 15]`;',
    '`--keep` leaves the seeded database and `--reuse <name>` times it again without seeding, and `--baseline <checkout>`',
    'times another checkout\'s server on it as well (e.g. `git archive <commit> server src package.json tsconfig.json | tar -x -C DIR`',
    'with a link to `node_modules`).',
    '',
  );
  if (triggers) {
    out.push(
      `What the rollups' triggers cost the write path (\`bench/results/dashboard-triggers.json\`, ${triggers.when?.slice(0, 16).replace('T', ' ')} UTC; \`${triggers.command}\`):`,
      `each statement with 016's triggers on and off, interleaved, median of ${triggers.rounds} rounds, load average ${triggers.loadStart?.join(', ')} before.`,
      '',
      '| statement | without, ms | with, ms | change |',
      '|---|--:|--:|--:|',
      ...triggers.results.map((r) => `| ${r.statement} | ${r.without_ms} | ${r.with_ms} | ${r.change_percent > 0 ? '+' : ''}${r.change_percent}% |`),
      '',
      'Statements on today\'s sessions (what ingest writes) stop at the trigger\'s first check; a late change to a closed',
      'day also appends a row to `dashboard_stale` per day and visitor it touches.',
      '',
    );
  }
  return out;
}
