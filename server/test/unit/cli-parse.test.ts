/** The CLI's parsing rules, without a process: commands by words, flags per command, the environment. */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/node/cli/commands.js';
import { parseInvocation } from '../../src/node/cli/parse.js';
import { CliError } from '../../src/node/cli/spec.js';
import { outcomeOf } from '../../src/http/outcome.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseInvocation(COMMANDS, argv, env);
const failure = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    parse(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return (err as CliError).message;
  }
  throw new Error('expected a CliError');
};

describe('opsmantik argument parsing', () => {
  it('finds the longest command by its words and reads absent flags from the environment', () => {
    const r = parse(['site', 'origins', 'add', '--site', 'om_x'], { OPSMANTIK_ORIGINS: 'https://a.example, https://b.example', DATABASE_URL: 'postgres://h/db' });
    expect(r.kind).toBe('run');
    if (r.kind !== 'run') return;
    expect(r.command.words).toEqual(['site', 'origins', 'add']);
    expect(r.parsed.values).toMatchObject({ site: 'om_x', origin: ['https://a.example', 'https://b.example'], 'database-url': 'postgres://h/db' });
    expect(r.parsed.from).toMatchObject({ site: '--site', origin: 'OPSMANTIK_ORIGINS', 'database-url': 'DATABASE_URL' });
  });

  it('lets a flag beat its environment variable and parses booleans from the environment', () => {
    const r = parse(['serve', '--port', '8080'], { PORT: '9090', OPSMANTIK_DEMO: 'yes' });
    if (r.kind !== 'run') throw new Error('not run');
    expect(r.parsed.values).toMatchObject({ port: '8080', demo: true });
    expect(failure(['serve'], { OPSMANTIK_DEMO: 'maybe' })).toContain('OPSMANTIK_DEMO must be true or false');
  });

  it('answers help per command and for a group, and the version', () => {
    expect(parse(['site', 'delete', '--help'])).toMatchObject({ kind: 'help', command: { words: ['site', 'delete'] } });
    expect(parse(['site', '--help'])).toMatchObject({ kind: 'help', group: 'site' });
    expect(parse(['--version'])).toEqual({ kind: 'version' });
  });

  it('parses the Google Ads and credentials commands through the same table', () => {
    const r = parse(['ads', 'settings', '--site', 'om_x', '--event-action', 'newsletter=none', '--event-action', 'quote=Leads']);
    if (r.kind !== 'run') throw new Error('not run');
    expect(r.command.words).toEqual(['ads', 'settings']);
    expect(r.parsed.values).toMatchObject({ site: 'om_x', 'event-action': ['newsletter=none', 'quote=Leads'] });
    expect(parse(['ads', 'connect', '--no-check'])).toMatchObject({ kind: 'run', parsed: { values: { 'no-check': true } } });
    expect(failure(['ads', 'uplaod'])).toContain('Did you mean "opsmantik ads upload"?');
    expect(failure(['ads', 'status', '--currency', 'EUR'])).toContain('--currency is a flag of "opsmantik ads settings"');
    expect(failure(['credentials', 'rotate', '--site', 'om_x'])).toContain('not of "opsmantik credentials rotate"');
    expect(parse(['ads', '--help'])).toMatchObject({ kind: 'help', group: 'ads' });
  });

  it('names unknown commands and flags, flags of other commands, and stray words', () => {
    expect(failure(['sitee', 'list'])).toContain('Did you mean "opsmantik site"?');
    expect(failure(['site', 'rotate-secrte'])).toContain('Did you mean "opsmantik site rotate-secret"?');
    expect(failure(['site', 'list', '--yes'])).toContain('--yes is a flag of "opsmantik site delete", not of "opsmantik site list"');
    expect(failure(['migrate', '--data-dri', 'x'])).toContain('Did you mean --data-dir?');
    expect(failure(['migrate', 'now'])).toContain('Unexpected "now"');
  });

  it('keeps every command, flag and environment variable unique', () => {
    const names = COMMANDS.map((c) => c.words.join(' '));
    expect(new Set(names).size).toBe(names.length);
    const envs = new Map<string, string>();
    for (const c of COMMANDS) {
      for (const f of c.flags) {
        if (!f.env) continue;
        // One variable means one flag everywhere.
        expect(envs.get(f.env) ?? f.name).toBe(f.name);
        envs.set(f.env, f.name);
      }
    }
  });
});

describe('write outcomes', () => {
  it('says what was stored and why the rest was not', () => {
    expect(outcomeOf({ events: 3, stored: 3 }, 200, null)).toEqual({ stored: 3, dropped: 0, reason: null });
    expect(outcomeOf({ events: 3, stored: 1 }, 200, null)).toEqual({ stored: 1, dropped: 2, reason: 'duplicate' });
    expect(outcomeOf({ events: 2, drop: 'bot' }, 200, null)).toEqual({ stored: 0, dropped: 2, reason: 'bot' });
    expect(outcomeOf({ events: 2 }, 403, 'origin_not_allowed')).toEqual({ stored: 0, dropped: 2, reason: 'origin' });
    expect(outcomeOf({ events: 1 }, 503, 'storage_unavailable')).toEqual({ stored: 0, dropped: 1, reason: 'unavailable' });
    expect(outcomeOf({}, 400, 'invalid_json')).toEqual({ stored: 0, dropped: 0, reason: 'refused' });
  });
});
