import type { Command } from './command';
import { FLAGS, type FlagName, specOf } from './flags';

/** Where the explanation column of --help starts. */
const LEFT_COLUMN = 28;

/** One --help entry: its left column, then its lines; a long left column puts them all on the lines below. */
function row(left: string, lines: readonly string[]): string[] {
  const indent = ' '.repeat(LEFT_COLUMN + 2);
  const [first, ...rest] = lines;
  const head = left.length < LEFT_COLUMN && first !== undefined ? [`  ${left.padEnd(LEFT_COLUMN)}${first}`] : [`  ${left}`, ...(first !== undefined ? [`${indent}${first}`] : [])];
  return [...head, ...rest.map((line) => `${indent}${line}`)];
}

function flagRows(section: 'stack' | 'other'): string[] {
  return (Object.keys(FLAGS) as FlagName[]).flatMap((flag) => {
    const spec = specOf(flag);
    if (spec.section !== section || spec.help === undefined) return [];
    const left = `${spec.short !== undefined ? `-${spec.short}, ` : ''}--${flag}${spec.value !== undefined ? ` ${spec.value}` : ''}`;
    return row(left, spec.help);
  });
}

/** The --help text: the commands from the command table, the flags from the flag table. */
export function renderHelp(commands: readonly Command[]): string {
  return [
    'GeuseMaker: deploy a self-hosted AI stack (n8n, Ollama, Qdrant, Crawl4AI, PostgreSQL) to your AWS account.',
    '',
    'Usage: geusemaker <command> [name] [flags]',
    '',
    'Commands:',
    ...commands.flatMap((command) => row(command.usage, [command.summary, ...(command.moreHelp ?? [])])),
    '',
    'The name may also come from the config file (name: ...) or GEUSEMAKER_NAME.',
    '',
    'Stack settings (override the config file and GEUSEMAKER_* variables; see docs/configuration.md):',
    ...flagRows('stack'),
    '',
    'Other flags:',
    ...flagRows('other'),
    '',
    'Exit codes: 0 success, 1 the operation failed, 2 invalid input, 3 refused (not confirmed, stack busy, name taken,',
    '  not ours), 4 no such stack.',
    '',
  ].join('\n');
}
