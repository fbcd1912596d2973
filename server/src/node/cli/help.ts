/** Help texts, built from the command table: one overview, and one page per command. */
import type { Command, Flag } from './spec.js';

const flagLine = (f: Flag) => {
  const head = `  --${f.name}${f.placeholder ? ` ${f.placeholder}` : ''}`;
  const tail = [f.description, f.default ? `default ${f.default}` : '', f.env ? `env ${f.env}` : '', f.multiple ? 'repeatable' : '']
    .filter(Boolean)
    .join('; ');
  return `${head.padEnd(30)} ${tail}`;
};

export function overview(commands: readonly Command[], group?: string): string {
  const shown = commands.filter((c) => !group || c.words[0] === group);
  const width = Math.max(...shown.map((c) => c.words.join(' ').length));
  return [
    `Usage: opsmantik ${group ?? '<command>'} ${group ? '<command> ' : ''}[flags]`,
    '',
    'Commands:',
    ...shown.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    `"opsmantik <command> --help" shows a command's flags and examples; "opsmantik --version" the version.`,
    'A flag with an environment variable names it in its help; the flag wins.',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `Usage: opsmantik ${command.words.join(' ')}${command.flags.length ? ' [flags]' : ''}`,
    '',
    command.summary,
    ...(command.flags.length ? ['', 'Flags:', ...command.flags.map(flagLine)] : []),
    '',
    'Examples:',
    ...command.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** The Markdown table of every flag and its environment variable (docs/server.md carries it). */
export function settingsTable(commands: readonly Command[]): string {
  const rows = new Map<string, { flag: Flag; commands: string[] }>();
  for (const c of commands) {
    for (const f of c.flags) {
      const row = rows.get(f.name) ?? { flag: f, commands: [] };
      row.commands.push(c.words.join(' '));
      rows.set(f.name, row);
    }
  }
  return [
    '| flag | environment | default | commands | meaning |',
    '|---|---|---|---|---|',
    ...[...rows.values()].map(({ flag, commands: cs }) =>
      `| \`--${flag.name}\` | ${flag.env ? `\`${flag.env}\`` : ''} | ${flag.default ?? ''} | ${cs.join(', ')} | ${flag.description} |`),
  ].join('\n');
}
