/**
 * The dashboard's pure parts: the server's reading of a period and filters, the CSV writer, and
 * the page's address <-> state functions.
 */
import { describe, expect, it } from 'vitest';
import { bucketStarts, parseCursor, parseDashboardQuery, toCsv } from '../../src/rules/dashboard-query.js';
// @ts-expect-error plain JS module of the page, without types
import { apiQuery, delta, readState, sortRows, withFilter, writeState } from '../../dashboard/app/query.js';

const NOW = Date.parse('2026-03-10T15:30:00Z');
const parse = (qs: string) => parseDashboardQuery(new URLSearchParams(qs), NOW);

describe('parseDashboardQuery', () => {
  it('reads the presets as whole UTC days ending today, with the same length before', () => {
    const week = parse('period=7d');
    expect(week).toMatchObject({ ok: true, value: { period: { from: '2026-03-04', to: '2026-03-10' }, previous: { from: '2026-02-25', to: '2026-03-03' }, bucket: 'day' } });
    const today = parse('period=today');
    expect(today).toMatchObject({ ok: true, value: { period: { from: '2026-03-10', to: '2026-03-10' }, previous: { from: '2026-03-09', to: '2026-03-09' }, bucket: 'hour' } });
    if (!today.ok) return;
    expect(today.value.period.end.toISOString()).toBe('2026-03-11T00:00:00.000Z');
    expect(bucketStarts(today.value.period, 'hour')).toHaveLength(24);
    expect(parse('')).toMatchObject({ ok: true, value: { preset: '7d', threshold: 50, filters: {} } });
  });

  it('bounds the session months a month either side, across a year end', () => {
    const r = parse('period=custom&from=2025-12-31&to=2026-01-02');
    expect(r).toMatchObject({ ok: true, value: { period: { firstMonth: '2025-11-01', lastMonth: '2026-02-01' }, previous: { from: '2025-12-28', to: '2025-12-30' } } });
  });

  it('takes one value per dimension as a filter, and refuses what it cannot read', () => {
    expect(parse('campaign=spring&device=mobile&other=x')).toMatchObject({ ok: true, value: { filters: { campaign: 'spring', device: 'mobile' } } });
    for (const qs of ['period=week', 'period=custom&from=2026-01-01', 'period=custom&from=2026-02-29&to=2026-03-01', 'period=custom&from=2026-03-02&to=2026-03-01', 'period=custom&from=2024-01-01&to=2026-03-01', 'campaign=', `landing=${'x'.repeat(513)}`, 'threshold=-1', 'threshold=2.5']) {
      expect(parse(qs), qs).toMatchObject({ ok: false, error: 'invalid_query' });
    }
  });

  it('reads only cursors of its own shape', () => {
    expect(parseCursor('2026-03-01T10:00:00.000Z_0f8fad5b-d9cb-469f-a165-70867728950e')).toEqual({ ok: true, value: { at: '2026-03-01T10:00:00.000Z', id: '0f8fad5b-d9cb-469f-a165-70867728950e' } });
    expect(parseCursor(null)).toEqual({ ok: true, value: undefined });
    expect(parseCursor('2026-03-01_x')).toMatchObject({ ok: false });
  });
});

describe('toCsv', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], ['=1+1', 3], [null, '-2']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n\'=1+1,3\r\n,\'-2\r\n');
  });
});

describe('the page address', () => {
  it('round-trips site, period, filters and the open lead', () => {
    const st = readState('?site=demo&period=custom&from=2026-01-01&to=2026-01-31&campaign=spring&device=mobile&lead=abc&month=2026-01');
    expect(st).toEqual({ site: 'demo', period: 'custom', from: '2026-01-01', to: '2026-01-31', filters: { campaign: 'spring', device: 'mobile' }, lead: 'abc', month: '2026-01' });
    expect(readState(writeState(st))).toEqual(st);
    expect(apiQuery(st, { dim: 'source' })).toBe('site=demo&period=custom&from=2026-01-01&to=2026-01-31&campaign=spring&device=mobile&dim=source');
  });

  it('toggles a filter and returns to the overview', () => {
    const st = readState('?site=demo&period=7d&lead=abc&month=2026-01');
    expect(withFilter(st, 'source', 'google')).toMatchObject({ filters: { source: 'google' }, lead: '' });
    expect(withFilter(withFilter(st, 'source', 'google'), 'source', null).filters).toEqual({});
    expect(readState('?period=bogus').period).toBe('7d');
  });

  it('compares with the previous period and sorts rows', () => {
    expect([delta(120, 100), delta(50, 100), delta(5, 0), delta(0, 0), delta(3, 3)]).toEqual(['+20%', '−50%', 'new', '', '±0%']);
    const rows = [{ value: 'b', sessions: 2 }, { value: 'a', sessions: 2 }, { value: 'c', sessions: 9 }];
    expect(sortRows(rows, 'sessions', true).map((r: { value: string }) => r.value)).toEqual(['c', 'a', 'b']);
    expect(sortRows(rows, 'value', false).map((r: { value: string }) => r.value)).toEqual(['a', 'b', 'c']);
  });
});
