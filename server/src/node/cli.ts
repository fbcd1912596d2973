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

function version(): string {
  const root = packageRoot(SERVER_PACKAGE);
  try {
    return (JSON.parse(readFileSync(join(root ?? '.', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(argv: string[]): Promise<number | 'running'> {
  const out = (line: string) => console.log(line);
  const err = (line: string) => console.error(line);
  const invocation = parseInvocation(COMMANDS, argv, process.env);
  if (invocation.kind === 'version') {
    out(`opsmantik ${version()} (${SERVER_PACKAGE}, node ${process.version})`);
    return 0;
  }
  if (invocation.kind === 'help') {
    out(invocation.command ? commandHelp(invocation.command) : overview(COMMANDS, invocation.group));
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
