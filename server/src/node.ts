/**
 * `@opsmantik/server/node`: everything of the Web-standard entry plus what needs Node: the
 * node:http binding, static files, the migration runner, `serve()`, the demo site, and the
 * encryption of OAuth tokens at rest (node:crypto).
 */
export * from './index.js';
export { createNodeServer, listen, type NodeServerOptions, type StaticDir, type WebHandler } from './node/binding.js';
export { serve, demoStaticDirs, type ServeOptions, type RunningServer } from './node/serve.js';
export { migrate, migrationFiles, migrationsDir } from './store/db/migrate.js';
export { createDemoSite, DEMO_SITE } from './node/demo.js';
export {
  parseCredentialsKey,
  keyringFromEnv,
  makeKeyring,
  encryptToken,
  decryptToken,
  saveCredential,
  loadCredential,
  rotateCredentials,
  type Keyring,
} from './store/credentials.js';
export { newCredentialsKey } from './node/cli/credentials-commands.js';
export { configureGroupCommit, type IngestInput } from './store/ingest.js';
export type { GroupCommitOptions } from './store/group-commit.js';
export { openIngestQueue, type IngestQueue, type QueueOptions } from './queue/ingest-queue.js';
export { runIngestWorker, type RunningWorker, type WorkerOptions } from './queue/ingest-worker.js';
