import { GeuseError, invalidInput } from '../../engine';
import type { Command } from '../command';
import { renderDocument } from '../document';
import { interruptible, progressPrinter } from '../interaction';
import { renderStatus } from '../render-status';
import type { Session } from '../session';
import { readStatus, type StatusDocument } from '../status-document';
import { everyUntilAborted } from '../watch';

const DEFAULT_INTERVAL_SECONDS = 10;
/** Cursor home and clear screen: a TTY watch redraws in place. */
const REDRAW = '\x1b[H\x1b[2J';

/** One round of a watch: JSON Lines, YAML documents, or words (redrawn on a terminal, appended otherwise). */
function printRound(s: Session, doc: StatusDocument, intervalSeconds: number): void {
  if (s.args.output === 'json') s.io.stdout(renderDocument(doc, 'json', { compact: true }));
  else if (s.args.output === 'yaml') s.io.stdout(`---\n${renderDocument(doc, 'yaml')}`);
  else if (s.io.stdoutIsTTY) s.io.stdout(`${REDRAW}${[...renderStatus(doc), '', `Every ${intervalSeconds} s; Ctrl-C stops.`].join('\n')}\n`);
  else s.out([...renderStatus(doc), '']);
}

function failureWords(error: unknown): string {
  return error instanceof GeuseError ? `[${error.code}] ${error.message}` : error instanceof Error ? error.message : String(error);
}

export const status: Command = {
  name: 'status',
  usage: 'status [name] [--watch [--interval S]]',
  summary: 'Live: compute, bootstrap, each service\'s health (one SSM round), public URL check, cost per hour now',
  moreHelp: ['--watch refreshes every 10 s (--interval) until Ctrl-C; `show` is the recorded state'],
  flags: ['config', 'watch', 'interval'],
  takesName: true,
  state: 'reads',
  async run(s) {
    if (s.args.intervalSeconds !== undefined && !s.args.watch) {
      throw invalidInput('USAGE', '--interval sets how often --watch refreshes, and --watch was not given.', `Add --watch: ${s.command(['status', '--watch', '--interval', String(s.args.intervalSeconds)])}`);
    }
    const name = await s.stackName();
    if (!s.args.watch) {
      const doc = await readStatus(s, name);
      if (s.args.json) s.json(doc);
      else s.out(renderStatus(doc));
      return;
    }
    const intervalSeconds = s.args.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
    const printer = progressPrinter(s);
    let rounds = 0;
    // Ctrl-C ends the watch (exit 0); a round it cuts short is not printed.
    await interruptible(s, printer, (signal) => everyUntilAborted(signal, intervalSeconds * 1000, async () => {
      try {
        const doc = await readStatus(s, name, signal);
        if (signal.aborted) return;
        rounds++;
        printRound(s, doc, intervalSeconds);
      } catch (error) {
        if (signal.aborted) return;
        // The first round failing (no such stack, no credentials) ends the command; later ones are passing trouble.
        if (rounds === 0) throw error;
        printer.listener({ type: 'note', message: `The round at ${new Date().toISOString().slice(11, 19)} UTC failed: ${failureWords(error)}; trying again in ${intervalSeconds} s.` });
      }
    }), false);
  },
};
