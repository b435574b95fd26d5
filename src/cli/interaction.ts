import { GeuseError, refused } from '../engine';
import { ProgressPrinter } from './progress-printer';
import { askYesNo } from './prompt';
import type { Session } from './session';

export function progressPrinter(s: Session): ProgressPrinter {
  return new ProgressPrinter((line) => s.io.stderr(`${line}\n`), s.args.json);
}

/**
 * Answers the engine's question: --yes proceeds, a terminal asks, anything else declines (the engine then
 * refuses with nothing changed). Records why it declined so the error can say "pass --yes".
 */
export function confirmer<P>(s: Session, question: string, printer: ProgressPrinter, show: (plan: P) => string[], needsAsking: (plan: P) => boolean) {
  const outcome = { noTerminal: false };
  const confirm = async (plan: P): Promise<boolean> => {
    if (!s.args.json) s.out(show(plan));
    if (s.args.yes || !needsAsking(plan)) {
      printer.restart();
      return true;
    }
    if (!s.io.isTTY || !s.io.readLine) {
      outcome.noTerminal = true;
      return false;
    }
    // In --json mode stdout is for the result, so the plan goes to the terminal on stderr.
    if (s.args.json) s.err(show(plan));
    const yes = await askYesNo(s.io, question);
    if (yes) printer.restart();
    return yes;
  };
  const explain = (error: unknown, operation: string, name: string): unknown => {
    if (!outcome.noTerminal || !(error instanceof GeuseError) || error.code !== 'DECLINED') return error;
    return refused('CONFIRMATION_REQUIRED',
      `The ${operation} of stack ${name} needs confirmation, but there is no terminal to ask on (stdin is not a TTY), so nothing was changed.`,
      `Pass --yes to ${operation} without the question: ${s.command([operation, name, '--yes'])}`);
  };
  return { confirm, explain };
}

/** Ctrl-C (or SIGTERM) once: the engine stops safely and records its state. Twice: exit at once. */
export async function interruptible<T>(s: Session, printer: ProgressPrinter, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      s.io.stderr('\nStopping immediately. Run the same command again to continue from the recorded state.\n');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    controller.abort();
    printer.listener({ type: 'note', message: 'Stopping safely: running steps finish and are recorded (Ctrl-C again to quit at once).' });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
