/** Runs commands as processes, as an operator would: any command, or the `opsmantik` CLI from its sources. */
import { spawn, type SpawnOptions } from 'node:child_process';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args` to its end, collecting what it printed. */
export function runProcess(command: string, args: string[], options: SpawnOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const CLI = ['--import', 'tsx', 'server/src/node/cli.ts'];

export const runCli = (args: string[], env: Record<string, string> = {}): Promise<Ran> =>
  runProcess(process.execPath, [...CLI, ...args], { env: { ...process.env, ...env } });
