import { type DeployPlan, renderDeploySummary, renderHistory, renderPlan } from '../../engine';
import type { Command } from '../command';
import { confirmer, interruptible, progressPrinter } from '../interaction';

export const history: Command = {
  name: 'history',
  usage: 'history [name]',
  summary: 'List the stack\'s applied configuration versions (time, machine, changes)',
  flags: ['config'],
  takesName: true,
  state: 'reads',
  async run(s) {
    const name = await s.stackName();
    const result = await s.engine.history(name);
    if (s.args.json) {
      s.json({ name: result.name, applied: result.history.at(-1)?.version, versions: result.history, pending: result.pending });
      return;
    }
    s.out([...renderHistory(result), '', `To return to an earlier version: ${s.command(['rollback', name, '--to', '<version>'])}`]);
  },
};

export const rollback: Command = {
  name: 'rollback',
  usage: 'rollback [name] [--to N] [--skip-backup]',
  summary: 'Plan the diff back to an applied version (default: the previous one) and apply it (asks first)',
  flags: ['config', 'to', 'yes', 'skip-backup', 'take-over-lock'],
  takesName: true,
  state: 'writes',
  async run(s) {
    const name = await s.stackName();
    const target = await s.engine.rollbackConfig(name, s.args.to);
    const printer = progressPrinter(s);
    const show = (plan: DeployPlan) => [`Roll back stack ${name} to version ${target.version} (applied ${target.at} on ${target.machine}):`, '', ...renderPlan(plan)];
    const { confirm, explain } = confirmer<DeployPlan>(s, `Roll back stack ${name} to version ${target.version}?`, printer, show, (plan) => !plan.diff?.unchanged);
    let result;
    try {
      result = await interruptible(s, printer, (signal) => s.engine.rollback(name, { to: target.version, takeOverLock: s.args.takeOverLock, skipBackup: s.args.skipBackup, confirm, signal, onProgress: printer.listener }));
    } catch (error) {
      throw explain(error, 'rollback', name);
    }
    if (s.args.json) {
      s.json({ ...result, rolledBackTo: target.version });
      return;
    }
    s.summary([
      ...renderDeploySummary(result, printer.elapsedMs(), s.command(['destroy', name])),
      '', `Rolled back to the configuration of version ${target.version}; it is recorded as version ${result.state.history.at(-1)?.version ?? '?'}.`,
      ...(result.backup ? [`Backed up first: ${result.backup.recoveryPointArn} (restore with ${s.command(['restore', name, '--from', result.backup.recoveryPointArn])}).`] : []),
      'If your geusemaker.yaml still says otherwise, update it, or the next deploy changes the stack back.',
    ]);
  },
};
