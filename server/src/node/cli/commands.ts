/**
 * THE command table of the `opsmantik` CLI. A new command is a Command object in its own module
 * (see spec.ts) plus one row here; help, flag checking, environment variables and the settings
 * table in docs/server.md all follow from it.
 */
import { migrate } from '../../store/db/migrate.js';
import { describeTarget, withDb } from './database.js';
import { serveCommand } from './serve-command.js';
import { siteCommands } from './site-commands.js';
import { DATABASE_FLAGS, type Command } from './spec.js';

const migrateCommand: Command = {
  words: ['migrate'],
  summary: 'Apply the database migrations not applied yet (serve does this at start).',
  flags: DATABASE_FLAGS,
  examples: ['opsmantik migrate --database-url postgres://opsmantik@db.internal:5432/opsmantik'],
  async run(parsed, { out }) {
    return withDb(parsed, async (db, target) => {
      const applied = await migrate(db);
      out(applied.length ? `Applied ${applied.join(', ')} to ${describeTarget(target)}.` : `Nothing to apply. ${describeTarget(target)} is up to date.`);
      return 0;
    });
  },
};

export const COMMANDS: readonly Command[] = [serveCommand, migrateCommand, ...siteCommands];
