import { renderDeploySummary } from '../../engine';
import { stackOperationCommand } from '../interaction';

/** pause and resume: a named stack's operation under its lock, with progress, Ctrl-C, and JSON or words at the end. */

export const pause = stackOperationCommand(
  { name: 'pause', usage: 'pause [name]', summary: 'Terminate the instance, keep network and data (stops the hourly compute cost)' },
  (s, name, options) => s.engine.pause(name, options),
  (s, name, result) => [
    `Stack ${name} is paused: ${result.terminated.length > 0 ? `instance ${result.terminated.join(', ')} terminated` : 'no instance was running'}; compute no longer bills.`,
    `Kept: ${result.kept.join(', ') || 'nothing'} (EFS storage keeps billing).`,
    `To run it again: ${s.command(['resume', name])}`,
  ],
);

export const resume = stackOperationCommand(
  { name: 'resume', usage: 'resume [name]', summary: 'Launch the instance of a paused stack again, on the same data' },
  (s, name, options) => s.engine.resume(name, options),
  (s, name, result, elapsedMs) => renderDeploySummary(result, elapsedMs, s.command(['destroy', name])),
);
