import { type DeployPlan, renderDeploySummary, renderPlan } from '../../engine';
import type { Command } from '../command';
import { STACK_SETTING_FLAGS } from '../flags';
import { confirmer, interruptible, progressPrinter } from '../interaction';

export const plan: Command = {
  name: 'plan',
  usage: 'plan [name]',
  summary: 'Show what deploy would do (for a running stack: the diff from what is applied); changes nothing',
  flags: [...STACK_SETTING_FLAGS, 'adopt'],
  takesName: true,
  state: 'reads',
  async run(s) {
    const { config } = await s.loadConfig();
    const result = await s.engine.plan(config, { adopt: s.args.adopt });
    if (s.args.json) {
      s.json(result);
      return;
    }
    s.out([...renderPlan(result), '', `Nothing was changed. To apply it: ${s.command(['deploy', config.name])}`]);
  },
};

export const deploy: Command = {
  name: 'deploy',
  usage: 'deploy [name]',
  summary: 'Create or finish the stack (asks first; --yes skips the question)',
  flags: [...STACK_SETTING_FLAGS, 'adopt', 'yes', 'allow-over-budget', 'take-over-lock'],
  takesName: true,
  state: 'writes',
  async run(s) {
    const { config } = await s.loadConfig();
    const printer = progressPrinter(s);
    const { confirm, explain } = confirmer<DeployPlan>(s, `Deploy stack ${config.name}?`, printer, renderPlan, (plan) => !plan.diff?.unchanged);
    let result;
    try {
      result = await interruptible(s, printer, (signal) =>
        s.engine.deploy(config, { adopt: s.args.adopt, allowOverBudget: s.args.allowOverBudget, takeOverLock: s.args.takeOverLock, confirm, signal, onProgress: printer.listener }));
    } catch (error) {
      throw explain(error, 'deploy', config.name);
    }
    if (s.args.json) {
      s.json(result);
      return;
    }
    s.summary(renderDeploySummary(result, printer.elapsedMs(), s.command(['destroy', config.name])));
  },
};
