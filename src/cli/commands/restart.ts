import { serviceOfStack } from '../../engine';
import type { Command } from '../command';
import { interruptible, progressPrinter } from '../interaction';

export const restart: Command = {
  name: 'restart',
  usage: 'restart [name] <service>',
  summary: 'Restart one service\'s container on the instance (docker compose restart, over SSM)',
  flags: ['config'],
  takesName: true,
  operands: ['service'],
  state: 'reads',
  async run(s) {
    const name = await s.stackName();
    const service = s.args.operands[0] ?? '';
    const state = await s.engine.show(name);
    if (!state) throw s.stackNotFound(name);
    // A service the stack does not run is refused here, before any AWS call or progress line (the engine checks too).
    serviceOfStack(state, service);
    const printer = progressPrinter(s);
    const title = `Restart ${service} on the instance`;
    printer.listener({ type: 'step-started', step: 'restart', title });
    await interruptible(s, printer, (signal) => s.engine.restartService(name, service, { signal }),
      'Stopping: a restart already sent to the instance runs to its end there.');
    printer.listener({ type: 'step-done', step: 'restart', title, outcome: 'done', elapsedMs: printer.elapsedMs() });
    if (s.args.json) s.json({ name, service, restarted: true });
    else s.summary([`Restarted ${service} on stack ${name}. To see it come back: ${s.command(['status', name])}`]);
  },
};
