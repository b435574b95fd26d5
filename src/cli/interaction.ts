import { GeuseError, refused, type OperationOptions } from '../engine';
import type { Command } from './command';
import { ProgressPrinter } from './progress-printer';
import { askYesNo } from './prompt';
import type { Session } from './session';

export function progressPrinter(s: Session): ProgressPrinter {
  return new ProgressPrinter((line) => s.io.stderr(`${line}\n`), s.args.json, s.args.quiet);
}

/**
 * Answers the engine's question: --yes proceeds, a terminal asks, anything else declines (the engine then
 * refuses with nothing changed). Records why it declined so the error can say "pass --yes".
 */
export function confirmer<P>(s: Session, question: string, printer: ProgressPrinter, show: (plan: P) => string[], needsAsking: (plan: P) => boolean) {
  const outcome = { noTerminal: false };
  const confirm = async (plan: P): Promise<boolean> => {
    const asks = !s.args.yes && needsAsking(plan);
    // --quiet shows the plan only when it asks about it (its warnings go to stderr either way).
    if (!s.args.json) {
      if (asks) s.out(show(plan));
      else s.summary(show(plan));
    }
    if (!asks) {
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

/**
 * Ctrl-C (or SIGTERM) once: the engine stops safely and records its state. Twice: exit at once. `stopping` is the
 * note the first one prints (none when false: a watch just ends). The session's interrupt signal acts as Ctrl-C.
 */
export async function interruptible<T>(s: Session, printer: ProgressPrinter, run: (signal: AbortSignal) => Promise<T>,
  stopping: string | false = 'Stopping safely: running steps finish and are recorded (Ctrl-C again to quit at once).',
  // `shell` leaves SIGINT out on a terminal: Ctrl-C there is for the remote shell (the plugin passes it on).
  signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<T> {
  const controller = new AbortController();
  const stop = (): void => {
    if (controller.signal.aborted) return;
    controller.abort();
    if (stopping) printer.listener({ type: 'note', message: stopping });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      s.io.stderr('\nStopping immediately. Run the same command again to continue from the recorded state.\n');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stop();
  };
  for (const each of signals) process.on(each, onSignal);
  if (s.interrupt?.aborted) stop();
  s.interrupt?.addEventListener('abort', stop, { once: true });
  try {
    return await run(controller.signal);
  } finally {
    for (const each of signals) process.off(each, onSignal);
    s.interrupt?.removeEventListener('abort', stop);
  }
}

/**
 * A command that runs one operation on a named stack under its lock (pause, resume, backup now): progress,
 * Ctrl-C (`stopping` as in interruptible), then the result as JSON (`json` shapes it) or the summary's words.
 */
export function stackOperationCommand<R>(
  entry: Pick<Command, 'name' | 'usage' | 'summary'>,
  start: (s: Session, name: string, options: OperationOptions) => Promise<R>,
  summary: (s: Session, name: string, result: R, elapsedMs: number) => string[],
  more: { stopping?: string; json?: (name: string, result: R) => unknown } = {},
): Command {
  return {
    ...entry,
    flags: ['config', 'take-over-lock'],
    takesName: true,
    state: 'writes',
    async run(s) {
      const name = await s.stackName();
      const printer = progressPrinter(s);
      const result = await interruptible(s, printer, (signal) => start(s, name, { takeOverLock: s.args.takeOverLock, signal, onProgress: printer.listener }), more.stopping);
      if (s.args.json) s.json(more.json ? more.json(name, result) : result);
      else s.summary(summary(s, name, result, printer.elapsedMs()));
    },
  };
}
