/**
 * `opsmantik`: the operator's CLI. The commands are the rows of node/cli/commands.ts; this entry
 * parses, dispatches, prints help and versions, and turns failures into messages and exit codes
 * (0 done, 1 failed, 2 usage). Run it directly (`node .../dist/node/cli.js` or the `opsmantik` bin)
 * so that SIGTERM reaches it: see docs/server.md, "Running as a service".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from './cli/commands.js';
import { commandHelp, overview } from './cli/help.js';
import { parseInvocation } from './cli/parse.js';
import { CliError } from './cli/spec.js';
import { packageRoot, SERVER_PACKAGE } from './locate.js';
import { ADS_USAGE, runAdsCommand } from './ads-commands.js';
import { CREDENTIALS_USAGE, credentialsCommand } from './credentials-cli.js';
import { parseArgs } from 'node:util';
import { openDb } from '../store/db/index.js';

function version(): string {
  const root = packageRoot(SERVER_PACKAGE);
  try {
    return (JSON.parse(readFileSync(join(root ?? '.', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Flags, then DATABASE_URL / OPSMANTIK_DATA_DIR, then the default folder: the same order as the other commands. */
function legacyDbTarget(values: { 'database-url'?: string; 'data-dir'?: string }): { url?: string; dataDir?: string } {
  if (values['database-url']) return { url: values['database-url'] };
  if (values['data-dir']) return { dataDir: values['data-dir'] };
  const url = process.env.DATABASE_URL;
  return url ? { url } : { dataDir: process.env.OPSMANTIK_DATA_DIR ?? '.opsmantik/data' };
}

async function main(argv: string[]): Promise<number | 'running'> {
  const out = (line: string) => console.log(line);
  const err = (line: string) => console.error(line);
  // The Google Ads commands parse their own flags (node/ads-commands.ts); the database is chosen the same way.
  if (argv[0] === 'ads') return runAdsCommand(argv.slice(1), legacyDbTarget);
  // So do the credentials commands (node/credentials-cli.ts).
  if (argv[0] === 'credentials') {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      options: { 'database-url': { type: 'string' }, 'data-dir': { type: 'string' } },
      allowPositionals: true,
    });
    return credentialsCommand(positionals[0], () => openDb(legacyDbTarget(values)));
  }
  const invocation = parseInvocation(COMMANDS, argv, process.env);
  if (invocation.kind === 'version') {
    out(`opsmantik ${version()} (${SERVER_PACKAGE}, node ${process.version})`);
    return 0;
  }
  if (invocation.kind === 'help') {
    out(invocation.command ? commandHelp(invocation.command) : `${overview(COMMANDS, invocation.group)}\n\nGoogle Ads:\n${ADS_USAGE}\n\nCredentials key:\n${CREDENTIALS_USAGE}`);
    return argv.length ? 0 : 2;
  }
  return invocation.command.run(invocation.parsed, { out, err });
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 'running') process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof CliError ? error.message : `opsmantik failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  },
);
