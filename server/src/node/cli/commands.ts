/**
 * THE command table of the `opsmantik` CLI. A new command is a Command object in its own module
 * (see spec.ts) plus one row here; help, flag checking, environment variables and the settings
 * table in docs/server.md all follow from it.
 */
import { migrate } from '../../store/db/migrate.js';
import { dbTarget, describeTarget, withDb } from './database.js';
import { serveCommand } from './serve-command.js';
import { siteCommands } from './site-commands.js';
import { DATABASE_FLAGS, integer, setting, type Command } from './spec.js';
import { runWorkerCommand } from '../cli-scale.js';
import { adsCommands } from './ads-commands.js';
import { credentialsCommands } from './credentials-commands.js';

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

const workerCommand: Command = {
  words: ['worker'],
  summary: 'Queue mode: write the batches queued in NATS JetStream to the database, acknowledging each after commit.',
  flags: [
    { name: 'queue', type: 'string', env: 'OPSMANTIK_QUEUE', placeholder: 'URL', description: 'The NATS server (nats://HOST:PORT)' },
    { name: 'batch', type: 'string', env: 'OPSMANTIK_WORKER_BATCH', placeholder: 'N', description: 'Messages pulled at a time', default: '1000' },
    { name: 'db-connections', type: 'string', env: 'OPSMANTIK_DB_CONNECTIONS', placeholder: 'N', description: 'PostgreSQL connections this worker holds', default: '4' },
    ...DATABASE_FLAGS,
  ],
  examples: ['opsmantik worker --queue nats://127.0.0.1:4222 --database-url postgres://opsmantik@db.internal:5432/opsmantik'],
  async run(parsed) {
    const target = dbTarget(parsed);
    integer(parsed, 'batch', 1000, 1);
    const code = await runWorkerCommand(
      { queue: setting(parsed, 'queue')?.value, batch: setting(parsed, 'batch')?.value, 'db-connections': setting(parsed, 'db-connections')?.value },
      'url' in target ? { url: target.url } : { dataDir: target.dataDir },
    );
    return code < 0 ? 'running' : code;
  },
};

export const COMMANDS: readonly Command[] = [serveCommand, migrateCommand, workerCommand, ...siteCommands, ...adsCommands, ...credentialsCommands];
