/**
 * `npx tsx server/test/e2e/support/dev-server.ts [pglite|postgres]`: the e2e demo server on its own, for
 * working on the live view and the demo pages. Prints the addresses and runs until Ctrl-C.
 */
import { startDemoServer } from './server.js';

const kind = process.argv[2] === 'postgres' ? 'postgres' : 'pglite';
const server = await startDemoServer(kind, { checkBuild: false });
console.log(`demo pages: ${server.url}/`);
console.log(`live view:  ${server.liveUrl()}`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
