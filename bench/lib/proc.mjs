// Linux /proc: a process's or a thread's CPU time, for benchmarks that measure processes they do
// not run in (PostgreSQL's backends, Firefox's content processes), and the whole machine's.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One clock tick of /proc's CPU times (USER_HZ), in ms. */
export const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/**
 * The command name and the fields after it from a stat file: `/proc/<pid>/stat` (the process) or
 * `/proc/<pid>/task/<tid>/stat` (one thread). fields[1] is the parent pid, fields[11] and [12] the
 * user and system time in ticks. Throws when the process has ended.
 */
export function readStat(path) {
  const stat = readFileSync(path, 'utf8');
  return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
}

/** User + system CPU time of a stat's fields, ms. */
export const cpuMs = (fields) => (Number(fields[11]) + Number(fields[12])) * TICK_MS;

/** Idle and total CPU time of the whole machine so far, in ticks (/proc/stat), or null elsewhere. */
export function machineCpuTimes() {
  try {
    const n = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
    return { idle: n[3] + n[4], total: n.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}
