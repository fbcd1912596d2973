/**
 * From argv to a command and its settings: the command is found by its words, flags are checked
 * against that command alone (a flag of another command is named as such, a typo gets a
 * suggestion), and every flag left out is read from its environment variable.
 */
import { parseArgs } from 'node:util';
import { CliError, envBoolean, type Command, type Parsed } from './spec.js';
import { closest } from './suggest.js';

export type Invocation =
  | { kind: 'help'; command?: Command; group?: string }
  | { kind: 'version' }
  | { kind: 'run'; command: Command; parsed: Parsed };

const nameOf = (c: Command) => c.words.join(' ');

/** The longest command whose words start `words`. */
function match(commands: readonly Command[], words: readonly string[]): Command | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    if (c.words.every((w, i) => words[i] === w) && (!best || c.words.length > best.words.length)) best = c;
  }
  return best;
}

function unknownCommand(commands: readonly Command[], words: readonly string[]): CliError {
  const group = commands.filter((c) => c.words.length > 1 && c.words[0] === words[0]);
  if (group.length && words.length > 1) {
    const guess = closest(words[1]!, group.map((c) => c.words[1]!));
    return new CliError(
      `Unknown command "${words[0]} ${words[1]}".${guess ? ` Did you mean "opsmantik ${words[0]} ${guess}"?` : ''}\n` +
        `The ${words[0]} commands: ${group.map(nameOf).join(', ')}. See "opsmantik ${words[0]} --help".`,
      2,
    );
  }
  if (group.length) return new CliError(`"${words[0]}" needs a command: ${group.map(nameOf).join(', ')}. See "opsmantik ${words[0]} --help".`, 2);
  const tops = [...new Set(commands.map((c) => c.words[0]!))];
  const guess = closest(words[0]!, tops);
  return new CliError(`Unknown command "${words[0]}".${guess ? ` Did you mean "opsmantik ${guess}"?` : ''} Commands: ${tops.join(', ')}. See "opsmantik --help".`, 2);
}

function checkFlags(commands: readonly Command[], command: Command, args: readonly string[]): void {
  const own = new Set(['help', 'version', ...command.flags.map((f) => f.name)]);
  for (const arg of args) {
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-h') continue;
    const name = arg.replace(/^--?/, '').split('=')[0]!;
    if (own.has(name)) continue;
    const owners = commands.filter((c) => c.flags.some((f) => f.name === name)).map((c) => `"opsmantik ${nameOf(c)}"`);
    const takes = command.flags.length ? `It takes: ${command.flags.map((f) => `--${f.name}`).join(', ')}.` : 'It takes no flags.';
    if (owners.length) throw new CliError(`--${name} is a flag of ${owners.join(' and ')}, not of "opsmantik ${nameOf(command)}". ${takes}`, 2);
    const guess = closest(name, [...own]);
    throw new CliError(`Unknown flag ${arg.split('=')[0]} for "opsmantik ${nameOf(command)}".${guess ? ` Did you mean --${guess}?` : ''} ${takes}`, 2);
  }
}

export function parseInvocation(commands: readonly Command[], argv: readonly string[], env: NodeJS.ProcessEnv): Invocation {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (!words.length) {
    if (argv.includes('--version') || argv.includes('-v')) return { kind: 'version' };
    if (wantsHelp || !argv.length) return { kind: 'help' };
    throw new CliError(`Give a command first, then its flags: "opsmantik serve ${argv[0]}". See "opsmantik --help".`, 2);
  }
  const command = match(commands, words);
  if (!command) {
    if (wantsHelp && commands.some((c) => c.words[0] === words[0])) return { kind: 'help', group: words[0] };
    throw unknownCommand(commands, words);
  }
  if (wantsHelp) return { kind: 'help', command };
  const rest = argv.slice(command.words.length);
  checkFlags(commands, command, rest);
  const options = Object.fromEntries(command.flags.map((f) => [f.name, { type: f.type, ...(f.multiple ? { multiple: true } : {}) }]));
  let result;
  try {
    result = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message.split('\n')[0]} See "opsmantik ${nameOf(command)} --help".`, 2);
  }
  if (result.positionals.length) {
    throw new CliError(`Unexpected "${result.positionals.join(' ')}" after "opsmantik ${nameOf(command)}". See "opsmantik ${nameOf(command)} --help".`, 2);
  }
  const values = { ...result.values } as Parsed['values'];
  const from: Record<string, string> = {};
  for (const f of command.flags) {
    if (values[f.name] !== undefined) {
      from[f.name] = `--${f.name}`;
      continue;
    }
    const raw = f.env ? env[f.env] : undefined;
    if (raw === undefined || !f.env) continue;
    values[f.name] = f.type === 'boolean' ? envBoolean(raw, f.env) : f.multiple ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw;
    from[f.name] = f.env;
  }
  return { kind: 'run', command, parsed: { values, from } };
}
