// The server half of bench/ingest.mjs, in a process of its own so that its memory is measured
// alone and the load generator does not share its event loop. Started with fork(); talks over IPC.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The build when it is newer than every server source (what users run); the sources through tsx otherwise.
const built = fileURLToPath(new URL('../server/dist/node.js', import.meta.url));
const sources = fileURLToPath(new URL('../server/src', import.meta.url));
const newest = (dir) =>
  Math.max(...readdirSync(dir, { withFileTypes: true }).map((d) => (d.isDirectory() ? newest(`${dir}${d.name}/`) : statSync(`${dir}${d.name}`).mtimeMs)));
let useBuild = false;
try {
  useBuild = statSync(built).mtimeMs >= newest(sources);
} catch {
  useBuild = false;
}
if (!useBuild) (await import('tsx/esm/api')).register();
const { openDb, createHandler, createNodeServer, listen } = await import(useBuild ? '../server/dist/node.js' : '../server/src/node.ts');

const db = await openDb({ url: process.env.BENCH_DATABASE_URL, max: Number(process.env.BENCH_POOL ?? 10) });
const handler = createHandler({
  db,
  // Raised for the benchmark (the defaults are 100 and 50 a minute per client and site): the load
  // comes from one address for one site.
  limits: { sync: 1e9, call: 1e9 },
  // Request logs off: one JSON line per request would measure the terminal.
  log: () => undefined,
});
const server = createNodeServer({ handler });
const url = await listen(server, 0, '127.0.0.1');
process.send({ type: 'ready', url, code: useBuild ? 'server/dist/node.js (build)' : 'server/src (tsx)' });
process.on('message', async (msg) => {
  if (msg?.type === 'rss') process.send({ type: 'rss', rss: process.memoryUsage().rss });
  if (msg?.type === 'stop') {
    server.closeAllConnections();
    server.close();
    await handler.close();
    await db.close();
    process.exit(0);
  }
});
