import { stringify } from 'yaml';

/** How a run prints its result: words for people, or one machine document (`--json` is `--output json`). */
export const OUTPUT_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export type DocumentFormat = Exclude<OutputFormat, 'text'>;

/**
 * The document as JSON or YAML. YAML is written from the JSON form (undefined dropped, dates and errors as JSON
 * gives them), so both formats always carry exactly the same data.
 */
export function renderDocument(document: unknown, format: DocumentFormat, options: { compact?: boolean } = {}): string {
  if (format === 'json') return `${options.compact ? JSON.stringify(document) : JSON.stringify(document, null, 2)}\n`;
  const data: unknown = JSON.parse(JSON.stringify(document) ?? 'null');
  return stringify(data, { lineWidth: 0 });
}

/** The format named on the command line, read before parsing, so even a usage error is reported in it. */
export function outputFormatOf(argv: readonly string[]): OutputFormat {
  let format: OutputFormat = 'text';
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--json') format = 'json';
    const value = word === '--output' ? argv[i + 1] : word.startsWith('--output=') ? word.slice('--output='.length) : undefined;
    if (value === 'json' || value === 'yaml') format = value;
  }
  return format;
}
