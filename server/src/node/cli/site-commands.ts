/** `opsmantik site ...`: create, list, change origins, rotate the secret or live token, delete. */
import { migrate } from '../../store/db/migrate.js';
import { createSite } from '../../store/sites.js';
import { changeOrigins, deleteSite, listSites, normalizeOrigins, rotateCredential, sameSites } from '../../store/site-admin.js';
import { describeTarget, withDb } from './database.js';
import { CliError, DATABASE_FLAGS, SITE_FLAG, setting, unknownSite, type Command, type Flag, type Parsed } from './spec.js';

const SITE = SITE_FLAG;
const ORIGIN: Flag = { name: 'origin', type: 'string', multiple: true, env: 'OPSMANTIK_ORIGINS', placeholder: 'URL', description: 'An origin the site sends from (https://shop.example; https://*.example.com for subdomains)' };

function required(parsed: Parsed, flag: Flag): string {
  const s = setting(parsed, flag.name);
  if (!s) throw new CliError(`--${flag.name} ${flag.placeholder ?? ''} is required${flag.env ? ` (or ${flag.env})` : ''}.`.replace(' )', ')'), 2);
  return s.value;
}

function origins(parsed: Parsed): string[] {
  const given = (parsed.values.origin as string[] | undefined) ?? [];
  if (!given.length) throw new CliError('--origin URL is required (repeat it for several origins; or OPSMANTIK_ORIGINS, comma-separated).', 2);
  const n = normalizeOrigins(given);
  if (!n.ok) throw new CliError(`--origin ${JSON.stringify(n.bad)} is not an origin; write it as https://shop.example (scheme and host, no path).`, 2);
  return n.origins;
}


export const siteCreate: Command = {
  words: ['site', 'create'],
  summary: 'Create a site; prints its server secret and live token once, and its public id alone on the last line.',
  flags: [
    ORIGIN,
    { name: 'owner', type: 'string', env: 'OPSMANTIK_OWNER', placeholder: 'EMAIL', description: "The owner's email address" },
    { name: 'name', type: 'string', env: 'OPSMANTIK_SITE_NAME', placeholder: 'NAME', description: 'A name for the site' },
    { name: 'phone-region', type: 'string', env: 'OPSMANTIK_PHONE_REGION', placeholder: 'CC', description: 'Country for phone numbers written without a country code (ISO 3166-1 alpha-2, e.g. TR)' },
    { name: 'allow-duplicate', type: 'boolean', env: 'OPSMANTIK_ALLOW_DUPLICATE', description: 'Create it even when the owner has a site with the same origins' },
    ...DATABASE_FLAGS,
  ],
  examples: [
    'opsmantik site create --origin https://shop.example --owner owner@shop.example',
    'SITE=$(opsmantik site create --origin https://shop.example --origin https://www.shop.example --owner owner@shop.example | tail -n 1)',
  ],
  async run(parsed, { out }) {
    const list = origins(parsed);
    const owner = required(parsed, siteCreate.flags[1]!);
    return withDb(parsed, async (db, target) => {
      await migrate(db);
      const existing = await sameSites(db, owner, list);
      if (existing.length && parsed.values['allow-duplicate'] !== true) {
        throw new CliError(`${owner} already has a site with these origins: ${existing.join(', ')}. Use it ("opsmantik site rotate-secret --site ${existing[0]}" for a new secret), or pass --allow-duplicate to create another.`);
      }
      const site = await createSite(db, { ownerEmail: owner, origins: list, name: setting(parsed, 'name')?.value, phoneRegion: setting(parsed, 'phone-region')?.value });
      out(`Created in ${describeTarget(target)}.`);
      out(`Server secret (for /api/call-event from your servers; shown once): ${site.secret}`);
      out(`Live token (for /api/live and /api/sessions; shown once): ${site.liveToken}`);
      // Alone on the last line, for scripts: `opsmantik site create ... | tail -n 1`.
      out(site.publicId);
      return 0;
    });
  },
};

export const siteList: Command = {
  words: ['site', 'list'],
  summary: 'List the sites: public id, owner, origins, name, created.',
  flags: [{ name: 'json', type: 'boolean', env: 'OPSMANTIK_JSON', description: 'One JSON array instead of a table' }, ...DATABASE_FLAGS],
  examples: ['opsmantik site list', 'opsmantik site list --json --database-url postgres://opsmantik@db.internal/opsmantik'],
  async run(parsed, { out }) {
    return withDb(parsed, async (db, target) => {
      await migrate(db);
      const sites = await listSites(db);
      if (parsed.values.json === true) {
        out(JSON.stringify(sites));
        return 0;
      }
      if (!sites.length) {
        out(`No sites in ${describeTarget(target)}; create one with "opsmantik site create".`);
        return 0;
      }
      for (const s of sites) out([s.publicId, s.owner, s.origins.join(','), s.name ?? '-', s.createdAt].join('\t'));
      return 0;
    });
  },
};

function originsChange(which: 'add' | 'remove'): Command {
  return {
    words: ['site', 'origins', which],
    summary: which === 'add' ? 'Allow more origins for a site.' : 'Stop accepting events from some origins of a site.',
    flags: [SITE, ORIGIN, ...DATABASE_FLAGS],
    examples: [`opsmantik site origins ${which} --site om_abc123 --origin https://${which === 'add' ? 'new' : 'old'}.shop.example`],
    async run(parsed, { out }) {
      const id = required(parsed, SITE);
      const list = origins(parsed);
      return withDb(parsed, async (db) => {
        const after = await changeOrigins(db, id, which === 'add' ? list : [], which === 'remove' ? list : []);
        if (!after) throw unknownSite(id);
        out(`${id} accepts: ${after.length ? after.join(', ') : '(no origin: only server-to-server calls with the secret)'}`);
        out('Running servers see the change within their site cache time (5 s).');
        return 0;
      });
    },
  };
}

function rotate(which: 'secret' | 'live'): Command {
  const what = which === 'secret' ? 'server secret' : 'live token';
  return {
    words: ['site', which === 'secret' ? 'rotate-secret' : 'rotate-token'],
    summary: `Issue a new ${what} for a site; the old one stops working (printed once).`,
    flags: [SITE, ...DATABASE_FLAGS],
    examples: [`opsmantik site ${which === 'secret' ? 'rotate-secret' : 'rotate-token'} --site om_abc123`],
    async run(parsed, { out }) {
      const id = required(parsed, SITE);
      return withDb(parsed, async (db) => {
        const value = await rotateCredential(db, id, which);
        if (!value) throw unknownSite(id);
        out(`New ${what} for ${id} (shown once; the old one is refused within 5 s):`);
        out(value);
        return 0;
      });
    },
  };
}

export const siteDelete: Command = {
  words: ['site', 'delete'],
  summary: 'Delete a site and everything it stored (sessions, events, calls). Needs --yes.',
  flags: [SITE, { name: 'yes', type: 'boolean', description: 'Confirm: the data cannot be recovered (deliberately no environment variable: a confirmation belongs on the command line)' }, ...DATABASE_FLAGS],
  examples: ['opsmantik site delete --site om_abc123 --yes'],
  async run(parsed, { out }) {
    const id = required(parsed, SITE);
    if (parsed.values.yes !== true) throw new CliError(`Deleting ${id} removes its sessions, events and calls for good; add --yes to confirm.`, 2);
    return withDb(parsed, async (db) => {
      if (!(await deleteSite(db, id))) throw unknownSite(id);
      out(`Deleted ${id} and everything it stored.`);
      return 0;
    });
  },
};

export const siteCommands: Command[] = [siteList, siteCreate, originsChange('add'), originsChange('remove'), rotate('secret'), rotate('live'), siteDelete];
