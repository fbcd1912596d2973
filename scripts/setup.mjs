#!/usr/bin/env node
// `npm test`'s first step (scripts/test.mjs), also runnable alone: `node scripts/setup.mjs`.
// Makes a fresh machine of this project's kind (Debian, PostgreSQL 15, Redis and NATS installed)
// ready for the suite: installs the Debian packages the tests drive when they are missing, and
// starts the local services when they are stopped. It needs root and apt-get for that; without
// them it prints one line per missing piece naming the command to run (and under CI=true fails,
// since the suite would fail later, less clearly). OPSMANTIK_SKIP_SETUP=1 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';

/** The installed PostgreSQL major version (its cluster folder), 15 on this kind of machine. */
const PG = (existsSync('/etc/postgresql') && readdirSync('/etc/postgresql').sort().at(-1)) || '15';

/** Debian packages the tests drive, each with a file it installs (present = installed). */
const PACKAGES = [
  ['chromium', '/usr/bin/chromium'],
  [`postgresql-${PG}-pgtap`, `/usr/share/postgresql/${PG}/extension/pgtap.control`],
  [`postgresql-${PG}-cron`, `/usr/share/postgresql/${PG}/extension/pg_cron.control`],
  ['firefox-esr', '/usr/bin/firefox-esr'],
  ['wrk', '/usr/bin/wrk'],
];

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** host and port of a service URL, or undefined when it is not on this machine. */
function localAddress(url, defaultPort) {
  const u = new URL(url);
  if (!LOCAL_HOSTS.has(u.hostname)) return undefined;
  return { host: u.hostname === 'localhost' ? '127.0.0.1' : u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || defaultPort) };
}

/** The services this kind of machine runs, and the command that starts each (as root). */
const SERVICES = [
  {
    name: 'PostgreSQL',
    at: localAddress(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test', 5432),
    start: ['pg_ctlcluster', '--skip-systemctl-redirect', PG, 'main', 'start'],
  },
  {
    name: 'Redis',
    at: localAddress(process.env.REDIS_URL || 'redis://127.0.0.1:6379', 6379),
    dirs: ['/var/lib/redis', '/var/log/redis'],
    start: ['redis-server', '--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
  },
  {
    name: 'NATS',
    at: { host: '127.0.0.1', port: 4222 },
    dirs: ['/var/lib/nats-server'],
    start: ['start-stop-daemon', '--start', '--oknodo', '--background', '--exec', '/usr/sbin/nats-server', '--', '-a', '127.0.0.1', '-p', '4222', '-js', '-sd', '/var/lib/nats-server', '-l', '/var/log/nats-server.log'],
  },
];

const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
const shellWord = (w) => (w === '' ? '""' : /^[\w./:=@%+-]+$/.test(w) ? w : `'${w}'`);
const commandLine = (argv) => argv.map(shellWord).join(' ');
let problems = 0;

function run(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

/** True once something accepts TCP connections at host:port. */
function listening({ host, port }, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitListening(at, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
    if (await listening(at)) return true;
  }
  return false;
}

function installPackages() {
  const missing = PACKAGES.filter(([, file]) => !existsSync(file)).map(([name]) => name);
  if (!missing.length) return;
  // Waits for another apt or dpkg run (up to 10 minutes) instead of failing on its lock.
  const install = ['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', ...missing];
  if (!canInstall) {
    console.error(`setup: the tests need Debian packages ${missing.join(', ')}: run \`sudo apt-get update && sudo ${commandLine(install)}\``);
    problems++;
    return;
  }
  console.log(`setup: installing ${missing.join(', ')} (apt-get) ...`);
  const ok = run(['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'update', '-qq']) && run(install);
  if (!ok || PACKAGES.some(([name, file]) => missing.includes(name) && !existsSync(file))) {
    console.error(`setup: installing ${missing.join(', ')} failed: run \`${commandLine(install)}\` to see why`);
    problems++;
  }
}

async function startServices() {
  for (const s of SERVICES) {
    if (!s.at || (await listening(s.at))) continue;
    const where = `${s.at.host}:${s.at.port}`;
    if (!canInstall) {
      console.error(`setup: ${s.name} is not running at ${where}: start it with \`sudo ${commandLine(s.start)}\``);
      problems++;
      continue;
    }
    console.log(`setup: starting ${s.name} (${where}) ...`);
    for (const dir of s.dirs ?? []) mkdirSync(dir, { recursive: true });
    if (!(run(s.start) && (await waitListening(s.at, 20_000)))) {
      console.error(`setup: ${s.name} did not start at ${where}: run \`${commandLine(s.start)}\` to see why`);
      problems++;
    }
  }
}

if (process.env.OPSMANTIK_SKIP_SETUP !== '1') {
  installPackages();
  await startServices();
  // Under CI a missing prerequisite fails the run here, by name; elsewhere the tests that need it say so.
  if (problems && process.env.CI) process.exit(1);
}
