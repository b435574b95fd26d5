import type { LogLine } from '../engine';
import { renderDocument } from './document';
import type { Session } from './session';

/** One log line as --json / --output yaml print it; `time` is Docker's (absent for the bootstrap log). */
export interface LogRecord {
  service: string;
  time?: string;
  line: string;
  /** The line was longer than one SSM read and was cut. */
  cut?: true;
}

export function logRecord(service: string, line: LogLine): LogRecord {
  return { service, ...(line.timestamp === undefined ? {} : { time: line.timestamp }), line: line.text, ...(line.cut ? { cut: true as const } : {}) };
}

/**
 * Writes log lines to stdout as they come: the text as the service wrote it; with --json one JSON object per line
 * (JSON Lines, so a follow can be piped line by line), with --output yaml one list item per line.
 */
export function logLineWriter(s: Session, service: string): (lines: readonly LogLine[]) => void {
  return (lines) => {
    if (lines.length === 0) return;
    if (s.args.output === 'json') s.io.stdout(lines.map((line) => renderDocument(logRecord(service, line), 'json', { compact: true })).join(''));
    else if (s.args.output === 'yaml') s.io.stdout(renderDocument(lines.map((line) => logRecord(service, line)), 'yaml'));
    else s.io.stdout(`${lines.map((line) => `${line.text}${line.cut ? ' …(line cut)' : ''}`).join('\n')}\n`);
  };
}
