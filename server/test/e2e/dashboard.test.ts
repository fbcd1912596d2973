/**
 * The dashboard in a real browser, on a site with three months of history: sign-in kept in the
 * browser, every tile and breakdown against SQL written here (not the server's), a filter applied
 * with the keyboard and shared by its URL, a call arriving live, paging past the first 100 leads,
 * a lead's timeline, CSV downloads parsed, several sites signed in at once, a rotated token signing
 * out, and a phone-width layout.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { backends } from '../support/db.js';
import { SEED_UAS, seedDashboard } from '../support/dashboard-seed.js';
import { launchBrowser, newVisitor } from './support/browser.js';
import { startDemoServer, type DemoServer } from './support/server.js';

const kind = backends[0]!;
const DAY = 86_400_000;
const SESSIONS = 400;

// The breakdowns' values, written for the seed's data rather than copied from the server's SQL.
const EXPECTED_DIM: Record<string, string> = {
  attribution: `s.attribution`,
  campaign: `coalesce(s.utm->>'utm_campaign', '(none)')`,
  keyword: `coalesce(s.utm->>'utm_term', '(none)')`,
  source: `coalesce(s.utm->>'utm_source', case s.referrer when 'https://www.google.com/' then 'google.com'
             when 'https://bing.com/search?q=x' then 'bing.com' when 'https://news.example/a' then 'news.example' end, '(direct)')`,
  landing: `split_part(substr(s.landing_url, length('https://shop.example') + 1), '?', 1)`,
  device: `case s.user_agent when '${SEED_UAS.desktop}' then 'desktop' when '${SEED_UAS.mobile}' then 'mobile'
             when '${SEED_UAS.tablet}' then 'tablet' else 'unknown' end`,
};

type Row = Record<string, number | string>;

describe(`the dashboard (on ${kind})`, () => {
  let browser: Browser;
  let server: DemoServer;
  let from: string;
  let to: string;
  let siteId: string;

  const q = <T = Row>(sql: string, params: unknown[] = []) => server.db.query<T>(sql, params);
  const period = () => [siteId, `${from}T00:00:00Z`, new Date(Date.parse(`${to}T00:00:00Z`) + DAY).toISOString()];
  const scope = `s.site_id = $1::uuid and s.created_at >= $2::timestamptz and s.created_at < $3::timestamptz`;
  const conv = `exists (select 1 from public.events e where e.session_id = s.id and e.event_category = 'conversion')`;

  async function expectedTiles(filter = ''): Promise<Record<string, number>> {
    const [t] = await q<Record<string, number>>(
      `select count(distinct coalesce(s.fingerprint, s.id::text))::int as visitors, count(*)::int as sessions,
              count(*) filter (where s.lead_score >= 50)::int as leads, count(*) filter (where ${conv})::int as conversions
         from public.sessions s where ${scope}${filter}`,
      period(),
    );
    const [c] = await q<Record<string, number>>(
      `select count(*) filter (where c.status = 'matched')::int as calls_matched, count(*) filter (where c.status = 'unmatched')::int as calls_unmatched
         from public.calls c where c.site_id = $1::uuid and c.call_time >= $2::timestamptz and c.call_time < $3::timestamptz
          ${filter ? `and exists (select 1 from public.sessions s where s.id = c.matched_session_id and s.site_id = $1::uuid${filter})` : ''}`,
      period(),
    );
    const [now] = await q<{ n: number }>(
      `select count(distinct coalesce(s.fingerprint, s.id::text))::int as n from public.sessions s
        where s.site_id = $1::uuid and s.last_event_at >= now() - interval '5 minutes'${filter}`,
      [siteId],
    );
    return { ...t!, ...c!, visitors_now: now!.n };
  }

  async function tilesOnPage(page: Page) {
    const out: Row = {};
    for (const el of await page.locator('[data-tile]').all()) out[(await el.getAttribute('data-tile'))!] = Number(await el.getAttribute('data-value'));
    return out;
  }

  async function signIn(page: Page) {
    await page.locator('#signin').waitFor();
    await page.fill('#signin [name=site]', 'demo');
    await page.fill('#signin [name=token]', server.demo.liveToken);
    await page.press('#signin [name=token]', 'Enter');
    await page.locator('#status[data-state="live"]').waitFor();
    await loaded(page);
  }

  /** Waits until the page has loaded what it asked for last. */
  const loaded = (page: Page) => page.locator('body[data-loading="false"] #tiles [data-tile]').first().waitFor();

  const customUrl = (extra = '') => `${server.dashboardUrl()}?site=demo&period=custom&from=${from}&to=${to}${extra}`;

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startDemoServer(kind, { checkBuild: false });
    siteId = server.demo.id;
    const now = Date.now();
    await seedDashboard(server.db, siteId, { sessions: SESSIONS, now });
    from = new Date(now - 90 * DAY).toISOString().slice(0, 10);
    to = new Date(now).toISOString().slice(0, 10);
    const [m] = await q<{ n: number }>(`select count(distinct created_month)::int as n from public.sessions where site_id = $1::uuid`, [siteId]);
    expect(m!.n).toBeGreaterThanOrEqual(3);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in once, shows every tile and breakdown as SQL counts them, and keeps the sign-in for a reload', async () => {
    const context = await newVisitor(browser);
    const page = await context.newPage();
    await page.goto(customUrl());
    await signIn(page);
    expect(await tilesOnPage(page)).toMatchObject(await expectedTiles());
    const rate = await page.locator('[data-tile="conversion_rate"]').getAttribute('data-value');
    const t = await expectedTiles();
    expect(Number(rate)).toBeCloseTo(t.conversions! / t.sessions!, 3);

    for (const [dim, expr] of Object.entries(EXPECTED_DIM)) {
      const expected = await q(
        `select ${expr} as value, count(distinct coalesce(s.fingerprint, s.id::text))::int as visitors, count(*)::int as sessions,
                count(*) filter (where s.lead_score >= 50)::int as leads, count(*) filter (where ${conv})::int as conversions,
                coalesce(sum((select count(*) from public.calls c where c.matched_session_id = s.id)), 0)::int as calls
           from public.sessions s where ${scope} group by 1 order by 1`,
        period(),
      );
      const shown: Row[] = [];
      for (const tr of await page.locator(`.breakdown[data-dim="${dim}"] tbody tr[data-value]`).all()) {
        const row: Row = { value: (await tr.getAttribute('data-value'))! };
        for (const td of await tr.locator('td[data-col]').all()) row[(await td.getAttribute('data-col'))!] = Number((await td.textContent())!.replace(/,/g, ''));
        shown.push(row);
      }
      shown.sort((a, b) => String(a.value).localeCompare(String(b.value), 'en'));
      expected.sort((a, b) => String(a.value).localeCompare(String(b.value), 'en'));
      expect(shown, dim).toEqual(expected);
      expect(expected.length, dim).toBeGreaterThan(2);
    }
    // The chart's table sums to the tiles.
    const cells = await page.locator('.chart-table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => Number(td.textContent))));
    expect(cells.reduce((n, r) => n + r[0]!, 0)).toBe(t.sessions);
    expect(cells.reduce((n, r) => n + r[1]!, 0)).toBe(t.leads);

    await page.reload();
    await loaded(page);
    expect(await page.locator('#signin').isHidden()).toBe(true);
    await context.close();
  });

  it('applies a filter from the keyboard, puts it in the URL, and shows the same view to whoever opens that URL', async () => {
    const context = await newVisitor(browser);
    const page = await context.newPage();
    await page.goto(customUrl());
    await signIn(page);
    await page.locator('.breakdown[data-dim="campaign"] button[data-filter-value="spring"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/campaign=spring/);
    await page.locator('#filters [data-clear-filter="campaign"]').waitFor();
    await loaded(page);
    const filter = ` and s.utm->>'utm_campaign' = 'spring'`;
    const expected = await expectedTiles(filter);
    await page.locator(`[data-tile="sessions"][data-value="${expected.sessions}"]`).waitFor();
    expect(await tilesOnPage(page)).toMatchObject(expected);
    // Two filters combine.
    await page.locator('.breakdown[data-dim="device"] button[data-filter-value="mobile"]').click();
    await page.waitForURL(/device=mobile/);
    const both = await expectedTiles(`${filter} and s.user_agent = '${SEED_UAS.mobile}'`);
    await page.locator(`[data-tile="sessions"][data-value="${both.sessions}"]`).waitFor();
    expect(await tilesOnPage(page)).toMatchObject(both);
    const shared = page.url();

    const other = await newVisitor(browser);
    const second = await other.newPage();
    await second.goto(shared);
    await signIn(second);
    expect(second.url()).toBe(shared);
    expect(await tilesOnPage(second)).toMatchObject(both);
    expect(await second.locator('#filters [data-clear-filter]').count()).toBe(2);
    await other.close();
    await context.close();
  });

  it('shows a call the moment it is stored, with a filter on and off', async () => {
    const context = await newVisitor(browser);
    const page = await context.newPage();
    await page.goto(`${server.dashboardUrl()}?site=demo&period=today`);
    await signIn(page);
    const before = Number(await page.locator('[data-tile="calls_unmatched"]').getAttribute('data-value'));
    const res = await fetch(`${server.url}/api/call-event`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.demo.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ site_id: 'demo', phone_number: '+1 202 555 0100', fingerprint: 'nobody-seen' }),
    });
    expect(res.status).toBe(200);
    await page.locator(`[data-tile="calls_unmatched"][data-value="${before + 1}"]`).waitFor();

    // With a filter on, a new matched session of that filter still arrives.
    await page.goto(`${server.dashboardUrl()}?site=demo&period=today&attribution=organic`);
    await page.locator('#status[data-state="live"]').waitFor();
    await loaded(page);
    const sessions = Number(await page.locator('[data-tile="sessions"]').getAttribute('data-value'));
    const sid = crypto.randomUUID();
    const sync = await fetch(`${server.url}/api/sync`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': 'text/plain', 'user-agent': SEED_UAS.desktop },
      body: JSON.stringify([{ s: 'demo', u: `${server.url}/`, sid, sm: new Date().toISOString().slice(0, 7), ec: 'pageview', ea: 'view' }]),
    });
    expect(sync.status).toBe(200);
    await page.locator(`[data-tile="sessions"][data-value="${sessions + 1}"]`).waitFor();
    await context.close();
  });

  it('pages through more than 100 leads and opens one with its whole timeline in order', async () => {
    const context = await newVisitor(browser);
    const page = await context.newPage();
    await page.goto(customUrl());
    await signIn(page);
    const ids = (await q<{ id: string }>(`select s.id::text as id from public.sessions s where ${scope} and s.lead_score >= 50 order by s.created_at desc, s.id desc`, period())).map((r) => r.id);
    expect(ids.length).toBeGreaterThan(200);
    const shownIds = () => page.locator('#leads tr[data-lead]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-lead')));
    expect(await shownIds()).toEqual(ids.slice(0, 100));
    await page.click('#older');
    await page.locator(`#leads tr[data-lead="${ids[100]}"]`).waitFor();
    expect(await shownIds()).toEqual(ids.slice(100, 200));
    await page.click('#older');
    await page.locator(`#leads tr[data-lead="${ids[200]}"]`).waitFor();
    expect(await shownIds()).toEqual(ids.slice(200, 300));
    expect(await page.locator('#older').isDisabled()).toBe(ids.length <= 300);
    await page.click('#newer');
    await page.locator(`#leads tr[data-lead="${ids[100]}"]`).waitFor();

    // A lead with a call: its page lists every event and the call, in time order.
    const [withCall] = await q<{ id: string; month: string; events: number }>(
      `select s.id::text as id, to_char(s.created_month, 'YYYY-MM') as month, (select count(*)::int from public.events e where e.session_id = s.id) as events
         from public.sessions s join public.calls c on c.matched_session_id = s.id
        where ${scope} and s.lead_score >= 50 order by s.created_at desc limit 1`,
      period(),
    );
    await page.goto(customUrl(`&lead=${withCall!.id}&month=${withCall!.month}`));
    const lead = page.locator(`.lead-page[data-session="${withCall!.id}"]`);
    await lead.waitFor();
    expect(await lead.locator('.timeline li.ev').count()).toBe(withCall!.events);
    expect(await lead.locator('.timeline li.call').count()).toBe(1);
    const kinds = await lead.locator('.timeline li').evaluateAll((lis) => lis.map((li) => li.className));
    // The seed's call comes a minute after the session's last event.
    expect(kinds[kinds.length - 1]).toBe('call');
    await page.click('[data-close-lead]');
    await page.locator('#overview').waitFor();
    await context.close();
  });

  it('downloads the leads and a breakdown as CSV files that parse back to the same rows', async () => {
    const context = await newVisitor(browser, { acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(customUrl());
    await signIn(page);
    const parse = (text: string) => {
      const rows: string[][] = [];
      let row: string[] = [];
      let cell = '';
      let quoted = false;
      for (let i = 0; i < text.length; i += 1) {
        const ch = text[i]!;
        if (quoted) {
          if (ch === '"' && text[i + 1] === '"') (cell += '"'), (i += 1);
          else if (ch === '"') quoted = false;
          else cell += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ',') row.push(cell), (cell = '');
        else if (ch === '\n') row.push(cell.replace(/\r$/, '')), rows.push(row), (row = []), (cell = '');
        else cell += ch;
      }
      return rows;
    };
    const download = async (selector: string) => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
      return parse(await readFile((await d.path())!, 'utf8'));
    };
    const leads = await download('button[data-csv="leads"]');
    const ids = (await q<{ id: string }>(`select s.id::text as id from public.sessions s where ${scope} and s.lead_score >= 50 order by s.created_at desc, s.id desc`, period())).map((r) => r.id);
    expect(leads[0]!.slice(0, 4)).toEqual(['id', 'month', 'created_at', 'lead_score']);
    expect(leads.slice(1).map((r) => r[0])).toEqual(ids);

    const campaign = await download('button[data-csv="campaign"]');
    expect(campaign[0]).toEqual(['value', 'visitors', 'sessions', 'leads', 'conversions', 'calls']);
    const expected = await q<{ value: string; sessions: number }>(`select ${EXPECTED_DIM.campaign} as value, count(*)::int as sessions from public.sessions s where ${scope} group by 1`, period());
    expect(Object.fromEntries(campaign.slice(1).map((r) => [r[0], Number(r[2])]))).toEqual(Object.fromEntries(expected.map((r) => [r.value, r.sessions])));
    await context.close();
  });

  it('keeps several sites signed in and switches between them', async () => {
    const { createSite } = await import('../../src/store/sites.js');
    const second = await createSite(server.db, { ownerEmail: 'second@example.com', origins: ['https://second.example'] });
    const context = await newVisitor(browser);
    const page = await context.newPage();
    await page.goto(customUrl());
    await signIn(page);
    await page.selectOption('#site-select', '');
    await page.locator('#signin').waitFor();
    await page.fill('#signin [name=site]', second.publicId);
    await page.fill('#signin [name=token]', second.liveToken);
    await page.press('#signin [name=token]', 'Enter');
    await page.waitForURL(new RegExp(`site=${second.publicId}`));
    await page.locator('[data-tile="sessions"][data-value="0"]').waitFor();
    expect(await page.locator('#site-select option').allTextContents()).toEqual(['demo', second.publicId, 'Add a site…']);
    await page.selectOption('#site-select', 'demo');
    await page.waitForURL(/site=demo/);
    await page.locator('[data-tile="sessions"]:not([data-value="0"])').waitFor();
    await context.close();
  });

  it('signs a site out when its token is rotated, and fits a phone screen', async () => {
    const context = await newVisitor(browser, { viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(customUrl());
    await signIn(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    await q(`update public.sites set live_token_hash = repeat('0', 64) where id = $1::uuid`, [siteId]);
    try {
      await page.reload();
      await page.locator('#signin .form-message', { hasText: 'rotated' }).waitFor();
      expect(await page.evaluate(() => localStorage.getItem('opsmantik.dashboard'))).not.toContain('demo');
    } finally {
      const { sha256Hex } = await import('../../src/http/tokens.js');
      await q(`update public.sites set live_token_hash = $2 where id = $1::uuid`, [siteId, await sha256Hex(server.demo.liveToken)]);
    }
    await context.close();
  });
});
