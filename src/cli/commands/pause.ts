import { type OperationOptions, renderDeploySummary } from '../../engine';
import type { Command } from '../command';
import { interruptible, progressPrinter } from '../interaction';
import type { Session } from '../session';

/** pause and resume: a named stack's operation under its lock, with progress, Ctrl-C, and JSON or words at the end. */
function instanceCommand<R>(
  entry: Pick<Command, 'name' | 'usage' | 'summary'>,
  start: (s: Session, name: string, options: OperationOptions) => Promise<R>,
  summary: (s: Session, name: string, result: R, elapsedMs: number) => string[],
): Command {
  return {
    ...entry,
    flags: ['config', 'take-over-lock'],
    takesName: true,
    state: 'writes',
    async run(s) {
      const name = await s.stackName();
      const printer = progressPrinter(s);
      const result = await interruptible(s, printer, (signal) => start(s, name, { takeOverLock: s.args.takeOverLock, signal, onProgress: printer.listener }));
      if (s.args.json) s.json(result);
      else s.summary(summary(s, name, result, printer.elapsedMs()));
    },
  };
}

export const pause = instanceCommand(
  { name: 'pause', usage: 'pause [name]', summary: 'Terminate the instance, keep network and data (stops the hourly compute cost)' },
  (s, name, options) => s.engine.pause(name, options),
  (s, name, result) => [
    `Stack ${name} is paused: ${result.terminated.length > 0 ? `instance ${result.terminated.join(', ')} terminated` : 'no instance was running'}; compute no longer bills.`,
    `Kept: ${result.kept.join(', ') || 'nothing'} (EFS storage keeps billing).`,
    `To run it again: ${s.command(['resume', name])}`,
  ],
);

export const resume = instanceCommand(
  { name: 'resume', usage: 'resume [name]', summary: 'Launch the instance of a paused stack again, on the same data' },
  (s, name, options) => s.engine.resume(name, options),
  (s, name, result, elapsedMs) => renderDeploySummary(result, elapsedMs, s.command(['destroy', name])),
);
